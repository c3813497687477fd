/**
 * Local stand-in for the REST API Gateway (Lambda proxy integration on a `/{proxy+}` resource with a
 * Cognito user pool authorizer). It builds the exact v1 proxy event, authorizes like the Cognito
 * authorizer, enforces API Gateway's limits and maps the handler's result or crash as API Gateway does,
 * so the production API handler runs unchanged.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { decodeJwt } from 'jose';
import {
  GATEWAY_ERRORS,
  GATEWAY_MAX_BODY_BYTES,
  gatewayErrorBody,
  type GatewayErrorType,
} from '../../lambdas/api/gateway-responses.js';
import type { Identity, TokenVerifier } from '../../lambdas/core/ports.js';
import {
  BodyTooLargeError,
  DEFAULT_MAX_DRAIN_BYTES,
  discardBody,
  formatRequestTime,
  headerMaps,
  queryMaps,
  readBody,
  requestUrl,
  sendJson,
  sourceIpOf,
} from './http-io.js';
import { createLambdaContext } from './lambda-context.js';

export { createLambdaContext } from './lambda-context.js';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface PublicRoute {
  /** HTTP method, or `ANY` for every method. */
  method: string;
  /** Path below the base path, e.g. `/health`. */
  path: string;
}

export interface HttpGatewayOptions {
  /** Where the API is mounted on the local origin (API Gateway's stage URL). */
  basePath: '/api';
  stage: string;
  handler: ProxyHandler;
  verifier: TokenVerifier;
  /** Routes without the Cognito authorizer. */
  publicRoutes: PublicRoute[];
  /** API Gateway's payload limit: 10 MB. */
  maxBodyBytes?: number;
  /** How much of a refused body is read and dropped before the connection is cut. Default 64 MB. */
  maxDrainBytes?: number;
  /** API Gateway's integration timeout: 29 s, answered with 504. */
  timeoutMs?: number;
  /** The Lambda function name the context reports. Default `untxt-api`. */
  functionName?: string;
  /** Logs gateway-side failures (handler crashes, malformed results). Default `console.error`. */
  logError?: (message: string, error: unknown) => void;
}

export interface HttpGateway {
  /** Serves the request when it is under the base path; `false` (nothing written) otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

const DEFAULT_TIMEOUT_MS = 29_000;
const ACCOUNT_ID = '000000000000';
const API_ID = 'local';

/** Content types API Gateway passes as text; everything else arrives base64-encoded (binary media). */
const TEXT_TYPES = [
  /^text\//,
  /^application\/(?:[\w.+-]+\+)?json$/,
  /^application\/(?:[\w.+-]+\+)?xml$/,
  /^application\/x-www-form-urlencoded$/,
  /^application\/(?:javascript|graphql)$/,
];

/**
 * Creates the local REST API Gateway.
 *
 * - Requests under `basePath` become `APIGatewayProxyEvent`s for the `/{proxy+}` resource (the bare
 *   base path maps to the root resource `/`), with `path` relative to the base path.
 * - Routes not in `publicRoutes` need a valid token in `Authorization` (`Bearer <jwt>` or the bare
 *   token); otherwise 401 without invoking the handler. Authorized events carry
 *   `requestContext.authorizer.claims` stringified as the Cognito authorizer does.
 * - Bodies over `maxBodyBytes` get 413 (the rest of the body is drained, so a client still sending
 *   reads the answer); a handler crash or malformed result 502; a handler slower than `timeoutMs`
 *   504 — the gateway's own answers, in the API's error shape as the REST API's gateway responses
 *   give them (`lambdas/api/gateway-responses.ts`), never a stack trace.
 * - `OPTIONS` under the base path is answered as a permissive CORS preflight.
 *
 * @param options - Base path, stage, the proxy handler, token verifier and public routes.
 * @returns The gateway; wire `handle` into the local HTTP server.
 */
export function createHttpGateway(options: HttpGatewayOptions): HttpGateway {
  const {
    basePath,
    stage,
    handler,
    verifier,
    publicRoutes,
    maxBodyBytes = GATEWAY_MAX_BODY_BYTES,
    maxDrainBytes = DEFAULT_MAX_DRAIN_BYTES,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    functionName = 'untxt-api',
    logError = (message: string, error: unknown) => console.error(`[http-gateway] ${message}`, error),
  } = options;
  const isPublic = (method: string, path: string): boolean =>
    publicRoutes.some(
      (route) =>
        (route.method.toUpperCase() === 'ANY' || route.method.toUpperCase() === method) &&
        route.path === path,
    );

  return {
    async handle(req, res): Promise<boolean> {
      const url = requestUrl(req);
      const rawPath = url.pathname;
      if (rawPath !== basePath && !rawPath.startsWith(`${basePath}/`)) return false;

      const requestId = randomUUID();
      const method = (req.method ?? 'GET').toUpperCase();
      const gatewayHeaders = {
        'x-amzn-RequestId': requestId,
        'x-amz-apigw-id': randomBytes(6).toString('base64'),
      };

      if (method === 'OPTIONS') {
        // CDK's `defaultCorsPreflightOptions` answers every preflight with a mock integration, before auth.
        res.writeHead(204, { ...gatewayHeaders, ...corsHeaders(req) });
        res.end();
        return true;
      }

      const path = rawPath.slice(basePath.length) || '/';
      const isRoot = path === '/';
      const errorHeaders = { ...gatewayHeaders, 'Access-Control-Allow-Origin': '*' };
      const sendGatewayError = (type: GatewayErrorType, headers: Record<string, string> = {}): void =>
        sendJson(res, GATEWAY_ERRORS[type].statusCode, gatewayErrorBody(type), {
          ...errorHeaders,
          ...headers,
        });

      let claims: Record<string, string> | undefined;
      if (!isPublic(method, path)) {
        claims = await authorize(verifier, req.headers.authorization, logError);
        if (claims === undefined) {
          sendGatewayError('UNAUTHORIZED', { 'x-amzn-ErrorType': 'UnauthorizedException' });
          // The body is never used, but read (and dropped) so a client still sending gets the answer.
          discardBody(req, maxDrainBytes);
          return true;
        }
      }

      let body: Buffer;
      try {
        body = await readBody(req, maxBodyBytes, maxDrainBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          // No `Connection: close`: node would close the socket under a client still sending, which
          // then fails with EPIPE instead of reading the 413; readBody drains the rest instead.
          sendJson(
            res,
            GATEWAY_ERRORS.REQUEST_TOO_LARGE.statusCode,
            {
              error: {
                code: GATEWAY_ERRORS.REQUEST_TOO_LARGE.code,
                message: `The request body is over the API's limit of ${maxBodyBytes} bytes`,
              },
            },
            errorHeaders,
          );
        } else {
          res.destroy();
        }
        return true;
      }

      const now = new Date();
      const sourceIp = sourceIpOf(req);
      const { headers, multiValueHeaders } = headerMaps(req.rawHeaders);
      addForwardedHeaders(headers, multiValueHeaders, sourceIp, req.socket.localPort);
      const contentType = headerValue(headers, 'content-type');
      const binary = body.length > 0 && !isTextType(contentType);
      const resource = isRoot ? '/' : '/{proxy+}';

      const event: APIGatewayProxyEvent = {
        resource,
        path,
        httpMethod: method,
        headers,
        multiValueHeaders,
        ...queryMaps(url.searchParams),
        pathParameters: isRoot ? null : { proxy: decodePath(path.slice(1)) },
        stageVariables: null,
        requestContext: {
          resourceId: randomBytes(3).toString('hex'),
          resourcePath: resource,
          httpMethod: method,
          extendedRequestId: gatewayHeaders['x-amz-apigw-id'],
          requestTime: formatRequestTime(now),
          path: `/${stage}${path}`,
          accountId: ACCOUNT_ID,
          protocol: `HTTP/${req.httpVersion}`,
          stage,
          domainPrefix: API_ID,
          requestTimeEpoch: now.getTime(),
          requestId,
          identity: {
            cognitoIdentityPoolId: null,
            accountId: null,
            cognitoIdentityId: null,
            caller: null,
            sourceIp,
            principalOrgId: null,
            accessKey: null,
            cognitoAuthenticationType: null,
            cognitoAuthenticationProvider: null,
            userArn: null,
            userAgent: headerValue(headers, 'user-agent') ?? null,
            user: null,
            apiKey: null,
            apiKeyId: null,
            clientCert: null,
          },
          domainName: headerValue(headers, 'host') ?? 'localhost',
          apiId: API_ID,
          authorizer: claims === undefined ? undefined : { claims },
        },
        body: body.length === 0 ? null : binary ? body.toString('base64') : body.toString('utf8'),
        isBase64Encoded: binary,
      };

      const context = createLambdaContext(functionName, { timeoutMs });
      let result: APIGatewayProxyResult;
      try {
        result = await withTimeout(handler(event, context), timeoutMs);
      } catch (error) {
        if (error instanceof IntegrationTimeout) {
          logError(`${method} ${path}: handler did not answer within ${timeoutMs} ms`, error);
          sendGatewayError('INTEGRATION_TIMEOUT');
        } else {
          logError(`${method} ${path}: handler failed`, error);
          sendGatewayError('INTEGRATION_FAILURE');
        }
        return true;
      }

      try {
        writeResult(res, result, gatewayHeaders, method === 'HEAD');
      } catch (error) {
        logError(`${method} ${path}: malformed Lambda proxy response`, error);
        sendGatewayError('INTEGRATION_FAILURE');
      }
      return true;
    },
  };
}

/** Runs the Cognito authorizer's checks; the claims to pass on, or `undefined` for a 401. */
async function authorize(
  verifier: TokenVerifier,
  header: string | undefined,
  logError: (message: string, error: unknown) => void,
): Promise<Record<string, string> | undefined> {
  const token = header?.replace(/^Bearer\s+/i, '').trim();
  if (!token) return undefined;
  let identity: Identity;
  try {
    identity = await verifier.verify(token);
  } catch (error) {
    if (!(error instanceof Error && error.name === 'UnauthorizedError'))
      logError('token verifier failed', error);
    return undefined;
  }
  return cognitoClaims(token, identity);
}

/**
 * The claims as the Cognito authorizer hands them to a proxy integration: every value a string,
 * arrays (`cognito:groups`) joined with commas, `iat`/`exp` as Java date strings
 * (`Tue Apr 04 18:39:39 UTC 2023`) while `auth_time` stays epoch seconds.
 */
export function cognitoClaims(token: string, identity: Identity): Record<string, string> {
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwt(token);
  } catch {
    // A verifier that accepts non-JWT tokens (tests): fall back to what it vouched for.
    payload = { sub: identity.userId, email: identity.email, 'cognito:groups': identity.groups };
  }
  // Own properties via a Map: a claim named `__proto__` stays a claim, as in API Gateway's JSON event.
  const claims = new Map<string, string>();
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      if (value.length > 0) claims.set(name, value.map(String).join(','));
    } else if ((name === 'iat' || name === 'exp') && typeof value === 'number') {
      claims.set(name, javaDateString(new Date(value * 1000)));
    } else if (typeof value === 'object') {
      claims.set(name, JSON.stringify(value));
    } else {
      claims.set(name, String(value));
    }
  }
  return Object.fromEntries(claims);
}

function javaDateString(date: Date): string {
  const [weekday, month, day, year, time] = [
    ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][date.getUTCDay()],
    ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][date.getUTCMonth()],
    String(date.getUTCDate()).padStart(2, '0'),
    date.getUTCFullYear(),
    date.toISOString().slice(11, 19),
  ];
  return `${weekday} ${month} ${day} ${time} UTC ${year}`;
}

function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  return {
    'Access-Control-Allow-Origin': origin ?? '*',
    'Access-Control-Allow-Methods': 'GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS',
    'Access-Control-Allow-Headers':
      req.headers['access-control-request-headers'] ??
      'Content-Type,Authorization,X-Amz-Date,X-Api-Key,X-Amz-Security-Token',
    'Access-Control-Max-Age': '600',
    ...(origin !== undefined && { Vary: 'Origin' }),
  };
}

/** API Gateway adds these for the integration; a client-sent `X-Forwarded-For` is extended, not trusted. */
function addForwardedHeaders(
  headers: Record<string, string>,
  multiValueHeaders: Record<string, string[]>,
  sourceIp: string,
  port: number | undefined,
): void {
  const set = (name: string, value: string): void => {
    const existing = Object.keys(headers).find((key) => key.toLowerCase() === name.toLowerCase());
    if (existing !== undefined) {
      delete headers[existing];
      delete multiValueHeaders[existing];
    }
    headers[name] = value;
    multiValueHeaders[name] = [value];
  };
  const forwardedFor = headerValue(headers, 'x-forwarded-for');
  set('X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${sourceIp}` : sourceIp);
  set('X-Forwarded-Port', String(port ?? 80));
  set('X-Forwarded-Proto', 'http');
}

function headerValue(headers: Record<string, string>, lowerName: string): string | undefined {
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === lowerName) return value;
  return undefined;
}

function isTextType(contentType: string | undefined): boolean {
  // Without a Content-Type API Gateway has nothing to match binary media types against: text.
  if (contentType === undefined) return true;
  const essence = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return TEXT_TYPES.some((pattern) => pattern.test(essence));
}

/** `pathParameters` are URL-decoded; a malformed escape is passed through as sent. */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

class IntegrationTimeout extends Error {
  constructor() {
    super('Integration timed out');
    this.name = 'IntegrationTimeout';
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new IntegrationTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Writes a proxy result as API Gateway does: `multiValueHeaders` win over `headers` for the same name,
 * `Content-Type` defaults to `application/json`, base64 bodies are decoded.
 *
 * @throws when the result is not a valid proxy result (API Gateway answers those with 502).
 */
function writeResult(
  res: ServerResponse,
  result: APIGatewayProxyResult,
  gatewayHeaders: Record<string, string>,
  isHead: boolean,
): void {
  if (typeof result !== 'object' || result === null) throw new TypeError('result is not an object');
  const { statusCode, headers = {}, multiValueHeaders = {}, body, isBase64Encoded } = result;
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new TypeError(`invalid statusCode ${String(statusCode)}`);
  }
  if (body !== undefined && body !== null && typeof body !== 'string')
    throw new TypeError('body is not a string');

  const out = new Map<string, { name: string; value: string | string[] }>();
  for (const [name, value] of Object.entries(gatewayHeaders)) out.set(name.toLowerCase(), { name, value });
  for (const [name, value] of Object.entries(headers ?? {}))
    out.set(name.toLowerCase(), { name, value: String(value) });
  for (const [name, values] of Object.entries(multiValueHeaders ?? {})) {
    if (!Array.isArray(values)) throw new TypeError(`multiValueHeaders.${name} is not an array`);
    out.set(name.toLowerCase(), { name, value: values.map(String) });
  }
  if (!out.has('content-type')) out.set('content-type', { name: 'Content-Type', value: 'application/json' });

  const payload = body ? Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  const noBody =
    isHead || statusCode === 204 || statusCode === 304 || (statusCode >= 100 && statusCode < 200);
  if (!noBody) out.set('content-length', { name: 'Content-Length', value: String(payload.length) });

  // Validate every header before sending any, so a bad one still leaves room for the 502.
  const headerList: Array<[string, string | string[]]> = [...out.values()].map(({ name, value }) => [
    name,
    value,
  ]);
  for (const [name, value] of headerList) {
    for (const item of Array.isArray(value) ? value : [value]) validateHeader(name, item);
  }
  res.statusCode = statusCode;
  for (const [name, value] of headerList) res.setHeader(name, value);
  res.end(noBody ? undefined : payload);
}

function validateHeader(name: string, value: string): void {
  // Mirrors node's own checks (which would throw mid-write) so the failure happens before anything is sent.
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
    throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
  if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) throw new TypeError(`invalid value for header ${name}`);
}
