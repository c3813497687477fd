import type { APIGatewayProxyEvent } from 'aws-lambda';
import type * as z from 'zod';
import { authorizerClaims } from '../core/claims.js';
import {
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../core/errors.js';
import type { Identity } from '../core/ports.js';
import { LIMITS } from '../core/task.js';
import { hasControlCharacters } from '../core/text.js';

const issuesOf = (error: z.ZodError) =>
  error.issues.map((issue) => ({ path: issue.path.join('.') || '(root)', message: issue.message }));

/** Parses with a zod schema; failures become a 400 that lists every problem by field. */
export const validate = <S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = issuesOf(parsed.error);
    const first = issues[0];
    throw new ValidationError(`Invalid ${what}: ${first ? `${first.path}: ${first.message}` : 'malformed'}`, {
      details: issues,
    });
  }
  return parsed.data;
};

export const header = (event: APIGatewayProxyEvent, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {}))
    if (key.toLowerCase() === wanted) return value ?? undefined;
  return undefined;
};

export const rawBody = (event: APIGatewayProxyEvent): Buffer =>
  event.body === null || event.body === undefined
    ? Buffer.alloc(0)
    : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');

/**
 * JSON body → schema. 415 for a non-JSON content type, 413 over `maxBytes` (a route that also takes
 * multipart uploads has a larger limit for those, not for JSON), 400 for malformed JSON or invalid
 * fields.
 */
export const parseJsonBody = <S extends z.ZodType>(
  event: APIGatewayProxyEvent,
  schema: S,
  maxBytes: number = LIMITS.maxRequestBodyBytes,
): z.output<S> => {
  const type = header(event, 'content-type');
  if (type && !/^application\/(.+\+)?json\b/i.test(type))
    throw new UnsupportedMediaTypeError(`Expected Content-Type application/json, got '${type}'`);
  checkBodySize(event, maxBytes);
  const body = rawBody(event).toString('utf8');
  if (body.trim() === '') throw new ValidationError('Request body is required');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new ValidationError('Request body is not valid JSON');
  }
  return validate(schema, value, 'request body');
};

/**
 * The query string → schema. Every value (and name) is text that may end up in SQL parameters, logs or
 * messages, so control characters are refused with a 400 before the schema runs: PostgreSQL cannot
 * even hold a NUL in `text`, and nobody searches for a tab. The parameters are copied as own
 * properties of a fresh object, so `__proto__` or `constructor` is only an unknown name to the schema.
 */
export const parseQuery = <S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.output<S> => {
  const parameters = new Map<string, string>();
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (typeof value !== 'string') continue;
    if (hasControlCharacters(name) || hasControlCharacters(value)) {
      const path = hasControlCharacters(name) ? '(name)' : name;
      const message = 'must not contain control characters';
      throw new ValidationError(`Invalid query: ${path}: ${message}`, { details: [{ path, message }] });
    }
    parameters.set(name, value);
  }
  return validate(schema, Object.fromEntries(parameters), 'query');
};

/** Bytes of the request body as the client sent it (base64 bodies decoded). */
export const bodySize = (event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>): number =>
  event.body === null || event.body === undefined
    ? 0
    : Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8');

/**
 * Refuses a body over a route's limit with a 413, before anything parses it.
 *
 * @throws PayloadTooLargeError when the body is larger than `maxBytes`.
 */
export const checkBodySize = (
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>,
  maxBytes: number,
): void => {
  const size = bodySize(event);
  if (size > maxBytes)
    throw new PayloadTooLargeError(
      `The request body is ${size} bytes; this route accepts at most ${maxBytes}`,
    );
};

/**
 * The caller as API Gateway's Cognito authorizer passes it: `requestContext.authorizer.claims`, every
 * claim a string (`cognito:groups` arrives as "a,b" or "[a b]"). Claims of another shape (no UUID
 * `sub`, an email that is not text) are a 401: the authorizer vouched for a token we cannot use.
 */
export const identityFromEvent = (event: APIGatewayProxyEvent): Identity => {
  const claims = (event.requestContext?.authorizer as { claims?: unknown } | null | undefined)?.claims;
  const parsed = authorizerClaims.safeParse(claims);
  if (!parsed.success) throw new UnauthorizedError();
  const { sub, email, 'cognito:groups': rawGroups } = parsed.data;
  const groups = Array.isArray(rawGroups)
    ? rawGroups
    : (rawGroups ?? '')
        .replace(/^\[|\]$/g, '')
        .split(/[\s,]+/)
        .filter(Boolean);
  return { userId: sub, email: email ?? '', groups };
};
