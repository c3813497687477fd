import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { uploadSlowly } from '../../../helpers/slow-upload.js';
import { UnauthorizedError } from '../../../../lambdas/core/errors.js';
import type { Identity, TokenVerifier } from '../../../../lambdas/core/ports.js';
import {
  cognitoClaims,
  createHttpGateway,
  createLambdaContext,
  type HttpGatewayOptions,
} from '../../../../local/gateway/http-gateway.js';

const ALICE: Identity = { userId: 'user-1', email: 'alice@example.com', groups: ['admins', 'ops'] };

/** Accepts the token `good` (and any JWT signed with the test secret) as Alice. */
const verifier: TokenVerifier = {
  async verify(token) {
    if (token === 'good' || token.startsWith('eyJ')) return ALICE;
    throw new UnauthorizedError('Invalid token');
  },
};

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function start(overrides: Partial<HttpGatewayOptions> = {}) {
  const calls: Array<{ event: APIGatewayProxyEvent; context: Context }> = [];
  const handler = vi.fn(
    async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
      calls.push({ event, context });
      return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: '{"ok":true}' };
    },
  );
  const logError = vi.fn();
  const gateway = createHttpGateway({
    basePath: '/api',
    stage: 'local',
    handler,
    verifier,
    publicRoutes: [{ method: 'GET', path: '/health' }],
    logError,
    ...overrides,
  });
  server = createServer((req, res) => {
    void gateway.handle(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not the gateway');
      }
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, handler, calls, logError };
}

describe('Function: createHttpGateway', () => {
  it('does not handle requests outside the base path', async () => {
    // Prepare
    const { url, handler } = await start();

    // Act
    const response = await fetch(`${url}/apifoo`);

    // Assess
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('not the gateway');
    expect(handler).not.toHaveBeenCalled();
  });

  it('builds the proxy event API Gateway sends for a /{proxy+} resource', async () => {
    // Prepare
    const { url, calls } = await start();

    // Act
    const response = await fetch(`${url}/api/tasks/abc%20def?status=queued&tag=a&tag=b`, {
      headers: { Authorization: 'Bearer good', 'X-Custom': 'one' },
    });

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    const event = calls[0]?.event;
    expect(event).toMatchObject({
      resource: '/{proxy+}',
      path: '/tasks/abc%20def',
      httpMethod: 'GET',
      pathParameters: { proxy: 'tasks/abc def' },
      queryStringParameters: { status: 'queued', tag: 'b' },
      multiValueQueryStringParameters: { status: ['queued'], tag: ['a', 'b'] },
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
      requestContext: {
        stage: 'local',
        httpMethod: 'GET',
        path: '/local/tasks/abc%20def',
        resourcePath: '/{proxy+}',
        identity: { sourceIp: '127.0.0.1' },
      },
    });
    expect(event?.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Math.abs((event?.requestContext.requestTimeEpoch ?? 0) - Date.now())).toBeLessThan(5_000);
    const headerNames = Object.keys(event?.headers ?? {}).map((name) => name.toLowerCase());
    expect(headerNames).toEqual(
      expect.arrayContaining(['authorization', 'x-custom', 'host', 'x-forwarded-for']),
    );
    expect(Object.values(event?.multiValueHeaders ?? {})).toContainEqual(['one']);
  });

  it('sends null query maps and the root resource for the bare base path', async () => {
    // Prepare
    const { url, calls } = await start();

    // Act
    await fetch(`${url}/api`, { headers: { Authorization: 'good' } });

    // Assess
    expect(calls[0]?.event).toMatchObject({
      resource: '/',
      path: '/',
      pathParameters: null,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
    });
  });

  it('passes the token claims as the Cognito authorizer does when the route is authenticated', async () => {
    // Prepare
    const { url, calls } = await start();
    const iat = Date.UTC(2023, 3, 4, 17, 39, 39) / 1000;
    const token = await new SignJWT({
      email: ALICE.email,
      'cognito:groups': ['admins', 'ops'],
      token_use: 'id',
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(ALICE.userId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(new TextEncoder().encode('test-secret-test-secret-test-secret'));

    // Act
    await fetch(`${url}/api/me`, { headers: { Authorization: `Bearer ${token}` } });

    // Assess
    expect(calls[0]?.event.requestContext.authorizer).toEqual({
      claims: {
        sub: 'user-1',
        email: 'alice@example.com',
        'cognito:groups': 'admins,ops',
        token_use: 'id',
        iat: 'Tue Apr 04 17:39:39 UTC 2023',
        exp: 'Tue Apr 04 18:39:39 UTC 2023',
      },
    });
  });

  it('answers 401 without invoking the handler when the token is missing or invalid', async () => {
    // Prepare
    const { url, handler } = await start();

    // Act
    const missing = await fetch(`${url}/api/tasks`);
    const invalid = await fetch(`${url}/api/tasks`, { headers: { Authorization: 'Bearer forged' } });

    // Assess
    for (const response of [missing, invalid]) {
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        error: { code: 'UNAUTHORIZED', message: expect.any(String) },
      });
    }
    expect(handler).not.toHaveBeenCalled();
  });

  it('accepts a raw token without the Bearer prefix', async () => {
    // Prepare
    const { url, calls } = await start();

    // Act
    const response = await fetch(`${url}/api/tasks`, { headers: { Authorization: 'good' } });

    // Assess
    expect(response.status).toBe(200);
    expect(calls[0]?.event.requestContext.authorizer).toEqual({
      claims: { sub: 'user-1', email: 'alice@example.com', 'cognito:groups': 'admins,ops' },
    });
  });

  it('invokes public routes without a token and without an authorizer context', async () => {
    // Prepare
    const { url, calls } = await start();

    // Act
    const response = await fetch(`${url}/api/health`);
    const otherMethod = await fetch(`${url}/api/health`, { method: 'POST' });

    // Assess
    expect(response.status).toBe(200);
    expect(calls[0]?.event.requestContext.authorizer).toBeUndefined();
    expect(otherMethod.status).toBe(401);
  });

  it('passes text bodies as strings and binary bodies base64-encoded', async () => {
    // Prepare
    const { url, calls } = await start();
    const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0xfe]);
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'application/pdf' }), 'a.pdf');

    // Act
    await fetch(`${url}/api/tasks`, {
      method: 'POST',
      headers: { Authorization: 'good', 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ name: 'é' }),
    });
    await fetch(`${url}/api/tasks`, { method: 'POST', headers: { Authorization: 'good' }, body: form });
    await fetch(`${url}/api/raw`, {
      method: 'PUT',
      headers: { Authorization: 'good', 'Content-Type': 'application/octet-stream' },
      body: bytes,
    });

    // Assess
    expect(calls[0]?.event).toMatchObject({ body: '{"name":"é"}', isBase64Encoded: false });
    const multipart = calls[1]?.event;
    expect(multipart?.isBase64Encoded).toBe(true);
    const decoded = Buffer.from(multipart?.body ?? '', 'base64');
    expect(decoded.includes(bytes)).toBe(true);
    expect(calls[2]?.event).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
  });

  it('answers 413 without invoking the handler when the body is over the limit', async () => {
    // Prepare
    const { url, port, handler } = await start({ maxBodyBytes: 1024 });

    // Act
    const declared = await fetch(`${url}/api/tasks`, {
      method: 'POST',
      headers: { Authorization: 'good', 'Content-Type': 'application/json' },
      body: JSON.stringify({ data: 'x'.repeat(2048) }),
    });
    // Chunked (no Content-Length): the limit applies while reading.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { port, host: '127.0.0.1', path: '/api/tasks', method: 'POST', headers: { Authorization: 'good' } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.write('y'.repeat(800));
      req.end('y'.repeat(800));
    });

    // Assess
    expect(declared.status).toBe(413);
    const tooLarge = { error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/1024 bytes/) } };
    expect(await declared.json()).toEqual(tooLarge);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toEqual(tooLarge);
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 413 to a client still sending a body declared over the limit, instead of resetting', async () => {
    // Prepare: a client that writes its declared 8 MB in small pieces, as over a real network
    const { port, handler } = await start({ maxBodyBytes: 64 * 1024 });
    const total = 8 * 1024 * 1024;

    // Act
    const outcome = await uploadSlowly(
      `http://127.0.0.1:${port}/api/tasks`,
      { Authorization: 'good', 'Content-Type': 'application/json' },
      total,
    );

    // Assess
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe(413);
    expect(JSON.parse(outcome.body ?? '')).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(handler).not.toHaveBeenCalled();
  });

  it('stops draining a refused body after a bounded amount and closes the connection', async () => {
    // Prepare: a body declared far over the limit; only a bounded amount is read before the close
    const { port } = await start({ maxBodyBytes: 1024, maxDrainBytes: 64 * 1024 });

    // Act
    const outcome = await new Promise<{ status?: number; closed: boolean }>((resolve) => {
      let status: number | undefined;
      const req = request(
        {
          port,
          host: '127.0.0.1',
          path: '/api/tasks',
          method: 'POST',
          headers: { Authorization: 'good', 'Content-Length': 1024 * 1024 * 1024 },
        },
        (res) => {
          status = res.statusCode;
          res.resume();
        },
      );
      const piece = Buffer.alloc(16 * 1024, 0x62);
      const writeMore = (): void => {
        if (req.destroyed) return;
        req.write(piece);
        setTimeout(writeMore, 1);
      };
      req.on('error', () => resolve({ status, closed: true }));
      req.on('close', () => resolve({ status, closed: true }));
      writeMore();
    });

    // Assess
    expect(outcome).toEqual({ status: 413, closed: true });
  });

  it('answers 502 without details and logs the error when the handler throws', async () => {
    // Prepare
    const failure = new Error('database exploded at /secret/path');
    const { url, logError } = await start({ handler: async () => Promise.reject(failure) });

    // Act
    const response = await fetch(`${url}/api/tasks`, { headers: { Authorization: 'good' } });

    // Assess
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } });
    expect(text).not.toContain('secret');
    expect(logError).toHaveBeenCalledWith(expect.stringContaining('handler failed'), failure);
  });

  it('answers 502 when the handler returns a malformed proxy result', async () => {
    // Prepare
    const { url, logError } = await start({
      handler: async () => ({ statusCode: 'nope' }) as unknown as APIGatewayProxyResult,
    });

    // Act
    const response = await fetch(`${url}/api/tasks`, { headers: { Authorization: 'good' } });

    // Assess
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      error: { code: 'INTERNAL_ERROR', message: 'Internal server error' },
    });
    expect(logError).toHaveBeenCalledOnce();
  });

  it('answers 504 when the handler is slower than the integration timeout', async () => {
    // Prepare
    const { url } = await start({
      timeoutMs: 50,
      handler: () => new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200, body: '' }), 500)),
    });

    // Act
    const response = await fetch(`${url}/api/tasks`, { headers: { Authorization: 'good' } });

    // Assess
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({
      error: { code: 'INTEGRATION_TIMEOUT', message: 'Endpoint request timed out' },
    });
  });

  it('writes the status, headers, multi-value headers and a decoded base64 body', async () => {
    // Prepare
    const { url } = await start({
      handler: async () => ({
        statusCode: 201,
        headers: { 'Content-Type': 'application/pdf', 'X-One': 'single', 'X-Both': 'from-headers' },
        multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'], 'X-Both': ['from-multi'] },
        body: Buffer.from([1, 2, 3, 255]).toString('base64'),
        isBase64Encoded: true,
      }),
    });

    // Act
    const response = await fetch(`${url}/api/file`, { headers: { Authorization: 'good' } });

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('x-one')).toBe('single');
    expect(response.headers.get('x-both')).toBe('from-multi');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([1, 2, 3, 255]);
  });

  it('defaults the content type to application/json like API Gateway', async () => {
    // Prepare
    const { url } = await start({ handler: async () => ({ statusCode: 200, body: '{}' }) });

    // Act
    const response = await fetch(`${url}/api/x`, { headers: { Authorization: 'good' } });

    // Assess
    expect(response.headers.get('content-type')).toBe('application/json');
  });

  it('answers a CORS preflight without auth and without invoking the handler', async () => {
    // Prepare
    const { url, handler } = await start();

    // Act
    const response = await fetch(`${url}/api/tasks/1`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'DELETE',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });

    // Assess
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(response.headers.get('access-control-allow-methods')).toContain('DELETE');
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    expect(handler).not.toHaveBeenCalled();
  });

  it('gives every invocation a fresh Lambda context', async () => {
    // Prepare
    const { url, calls } = await start({ functionName: 'untxt-api-local' });

    // Act
    await fetch(`${url}/api/a`, { headers: { Authorization: 'good' } });
    await fetch(`${url}/api/b`, { headers: { Authorization: 'good' } });

    // Assess
    const [first, second] = calls.map((call) => call.context);
    expect(first?.functionName).toBe('untxt-api-local');
    expect(first?.awsRequestId).not.toBe(second?.awsRequestId);
    expect(first?.getRemainingTimeInMillis()).toBeGreaterThan(0);
  });
});

describe('Function: cognitoClaims', () => {
  it('falls back to the verified identity when the token is not a JWT', () => {
    // Prepare
    const identity: Identity = { userId: 'u', email: 'u@example.com', groups: [] };

    // Act
    const claims = cognitoClaims('opaque', identity);

    // Assess
    expect(claims).toEqual({ sub: 'u', email: 'u@example.com' });
  });
});

describe('Function: createLambdaContext', () => {
  it('counts the remaining time down from the timeout', async () => {
    // Prepare
    const context = createLambdaContext('untxt-worker', { timeoutMs: 1_000 });

    // Act
    const before = context.getRemainingTimeInMillis();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const after = context.getRemainingTimeInMillis();

    // Assess
    expect(before).toBeLessThanOrEqual(1_000);
    expect(after).toBeLessThan(before);
    expect(context).toMatchObject({
      functionName: 'untxt-worker',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:untxt-worker',
      logGroupName: '/aws/lambda/untxt-worker',
    });
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
