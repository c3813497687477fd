import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../../../lambdas/core/errors.js';
import { listTasksQuery } from '../../../../lambdas/core/use-cases/read-tasks.js';
import { errorResponse } from '../../../../lambdas/shared/http.js';
import {
  checkBodySize,
  identityFromEvent,
  parseJsonBody,
  parseQuery,
} from '../../../../lambdas/shared/request.js';

const schema = z.strictObject({ name: z.string(), size: z.number().int() });
const event = (body: string | null, contentType = 'application/json') =>
  ({
    body,
    headers: { 'Content-Type': contentType },
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEvent;

describe('Function: parseJsonBody', () => {
  it('parses a valid body', () => {
    expect(parseJsonBody(event('{"name":"a","size":1}'), schema)).toEqual({ name: 'a', size: 1 });
  });

  it.each([
    [null, /required/],
    ['{"name":', /not valid JSON/],
    ['{"name":"a","size":1,"admin":true}', /admin/],
    ['{"name":"a","size":"big"}', /size/],
  ])('rejects %j with a 400 that names the problem', (body, message) => {
    let error: unknown;
    try {
      parseJsonBody(event(body), schema);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(message);
    expect(errorResponse(error).statusCode).toBe(400);
  });

  it('rejects a JSON body over its limit (1 MB unless told) with 413', () => {
    expect(() =>
      parseJsonBody(event(JSON.stringify({ name: 'x'.repeat(100), size: 1 })), schema, 64),
    ).toThrow(PayloadTooLargeError);
    expect(() =>
      parseJsonBody(event(JSON.stringify({ name: 'x'.repeat(1024 * 1024), size: 1 })), schema),
    ).toThrow(PayloadTooLargeError);
  });

  it('rejects a non-JSON content type with 415', () => {
    expect(() => parseJsonBody(event('name=a', 'application/x-www-form-urlencoded'), schema)).toThrow(
      UnsupportedMediaTypeError,
    );
  });
});

describe('Function: errorResponse', () => {
  it('hides the message and stack of unexpected errors behind a 500', () => {
    // Act
    const response = errorResponse(new Error('connection string postgres://secret@db'));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toMatch(/secret|postgres/);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: 'INTERNAL_ERROR', message: expect.any(String) },
    });
  });
});

const queryEvent = (queryStringParameters: Record<string, string> | null) =>
  ({ queryStringParameters, headers: {} }) as unknown as APIGatewayProxyEvent;

describe('Function: parseQuery', () => {
  it('parses a valid query and applies defaults', () => {
    expect(parseQuery(queryEvent({ q: 'espresso' }), listTasksQuery)).toEqual({ q: 'espresso', limit: 20 });
    expect(parseQuery(queryEvent(null), listTasksQuery)).toEqual({ limit: 20 });
  });

  it.each(['\u0000', 'a\u0001b', 'tab\there', 'line\nbreak', 'del\u007f', 'c1\u009b'])(
    'rejects control characters in a value (%j) with a 400',
    (q) => {
      // Act
      let error: unknown;
      try {
        parseQuery(queryEvent({ q }), listTasksQuery);
      } catch (e) {
        error = e;
      }

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(/q: must not contain control characters/);
      expect(errorResponse(error).statusCode).toBe(400);
    },
  );

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'rejects a parameter named %s as an unknown parameter with a 400',
    (name) => {
      // Prepare: the event as API Gateway's JSON gives it, the name an own property
      const event = queryEvent(JSON.parse(`{${JSON.stringify(name)}:"x","q":"a"}`) as Record<string, string>);

      // Act & Assess
      expect(() => parseQuery(event, listTasksQuery)).toThrow(ValidationError);
    },
  );
});

const claimsEvent = (claims: Record<string, unknown> | undefined) =>
  ({ requestContext: { authorizer: claims ? { claims } : null } }) as unknown as APIGatewayProxyEvent;
const SUB = '7d3e1c2a-5b4f-4e6d-8c9b-0a1b2c3d4e5f';

describe('Function: identityFromEvent', () => {
  it('reads the claims the Cognito authorizer passes, groups as "a,b" or "[a b]"', () => {
    expect(identityFromEvent(claimsEvent({ sub: SUB.toUpperCase(), email: 'a@example.com' }))).toEqual({
      userId: SUB,
      email: 'a@example.com',
      groups: [],
    });
    expect(identityFromEvent(claimsEvent({ sub: SUB, 'cognito:groups': '[admins ops]' })).groups).toEqual([
      'admins',
      'ops',
    ]);
    expect(identityFromEvent(claimsEvent({ sub: SUB, 'cognito:groups': 'admins,ops' })).groups).toEqual([
      'admins',
      'ops',
    ]);
  });

  it.each([
    ['no claims at all', undefined],
    ['a sub that is not a string', { sub: 5 }],
    ['a sub that is not a UUID', { sub: 'admin' }],
    ['a sub with a NUL', { sub: `${SUB}\u0000` }],
    ['groups that are a number', { sub: SUB, 'cognito:groups': 5 }],
    ['an email that is an object', { sub: SUB, email: { address: 'a@example.com' } }],
    ['an email with control characters', { sub: SUB, email: 'a\u0000@example.com' }],
  ])('throws UnauthorizedError for %s', (_label, claims) => {
    expect(() => identityFromEvent(claimsEvent(claims))).toThrow(UnauthorizedError);
  });
});

describe('Function: checkBodySize', () => {
  const bodyEvent = (body: string | null, isBase64Encoded = false) =>
    ({ body, isBase64Encoded }) as unknown as APIGatewayProxyEvent;

  it('accepts a body up to the limit, counting bytes, not characters', () => {
    expect(() => checkBodySize(bodyEvent('é'.repeat(5)), 10)).not.toThrow();
    expect(() => checkBodySize(bodyEvent(null), 0)).not.toThrow();
    expect(() => checkBodySize(bodyEvent(Buffer.alloc(10).toString('base64'), true), 10)).not.toThrow();
  });

  it('throws PayloadTooLargeError (413) for a body over the limit, text or base64', () => {
    expect(() => checkBodySize(bodyEvent('é'.repeat(6)), 10)).toThrow(PayloadTooLargeError);
    expect(() => checkBodySize(bodyEvent(Buffer.alloc(11).toString('base64'), true), 10)).toThrow(
      PayloadTooLargeError,
    );
    expect(errorResponse(new PayloadTooLargeError('x')).statusCode).toBe(413);
  });
});
