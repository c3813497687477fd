import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UnsupportedMediaTypeError, ValidationError } from '../../../../lambdas/core/errors.js';
import { errorResponse } from '../../../../lambdas/shared/http.js';
import { parseJsonBody } from '../../../../lambdas/shared/request.js';

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
