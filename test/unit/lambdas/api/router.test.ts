import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createRouter, type Route } from '../../../../lambdas/api/router.js';
import {
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
} from '../../../../lambdas/core/errors.js';
import { json } from '../../../../lambdas/shared/http.js';

const event = (method: string, path: string, claims?: Record<string, string>): APIGatewayProxyEvent =>
  ({
    httpMethod: method,
    path,
    headers: {},
    requestContext: { authorizer: claims ? { claims } : null },
  }) as unknown as APIGatewayProxyEvent;

const routes: Array<Route<null>> = [
  {
    method: 'GET',
    path: '/health',
    access: 'public',
    summary: '',
    handle: async () => json(200, { ok: true }),
  },
  {
    method: 'GET',
    path: '/tasks/{id}',
    access: 'user',
    summary: '',
    handle: async ({ params, identity }) =>
      json(200, { id: params.id, user: identity.userId, groups: identity.groups }),
  },
  { method: 'GET', path: '/admin/overview', access: 'admin', summary: '', handle: async () => json(200, {}) },
  {
    method: 'POST',
    path: '/uploads',
    access: 'user',
    summary: '',
    maxBodyBytes: 10,
    handle: async () => json(201, {}),
  },
];
const route = createRouter(routes);
const USER = { sub: 'AB12CD34-0000-4000-8000-000000000000', email: 'a@example.com' };

describe('Function: createRouter', () => {
  it('routes with or without the /api prefix and passes path parameters and claims', async () => {
    // Act
    const withPrefix = await route(
      event('GET', '/api/tasks/42', { ...USER, 'cognito:groups': '[admins users]' }),
      null,
    );
    const without = await route(event('GET', '/tasks/42', USER), null);

    // Assess
    expect(JSON.parse(withPrefix.body)).toEqual({
      id: '42',
      user: USER.sub.toLowerCase(),
      groups: ['admins', 'users'],
    });
    expect(JSON.parse(without.body)).toMatchObject({ id: '42', groups: [] });
  });

  it('rejects an unknown path with 404 and a wrong method with 405', async () => {
    await expect(route(event('GET', '/nope', USER), null)).rejects.toBeInstanceOf(NotFoundError);
    await expect(route(event('PUT', '/tasks/1', USER), null)).rejects.toBeInstanceOf(MethodNotAllowedError);
  });

  it('requires claims on user routes and the admins group on admin routes', async () => {
    await expect(route(event('GET', '/tasks/1'), null)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(route(event('GET', '/admin/overview', USER), null)).rejects.toBeInstanceOf(ForbiddenError);
    expect(
      (await route(event('GET', '/admin/overview', { ...USER, 'cognito:groups': 'admins' }), null))
        .statusCode,
    ).toBe(200);
    expect((await route(event('GET', '/health'), null)).statusCode).toBe(200);
  });

  it('answers 404 for a path parameter that is not valid percent-encoding', async () => {
    await expect(route(event('GET', '/tasks/%E0%A4%A', USER), null)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers 413 for a body over the route limit, and over the default 1 MB elsewhere', async () => {
    // Prepare
    const withBody = (method: string, path: string, body: string, claims?: Record<string, string>) => ({
      ...event(method, path, claims),
      body,
      isBase64Encoded: false,
    });

    // Act & Assess
    expect((await route(withBody('POST', '/uploads', '0123456789', USER), null)).statusCode).toBe(201);
    await expect(route(withBody('POST', '/uploads', '0123456789!', USER), null)).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
    await expect(
      route(withBody('GET', '/tasks/1', 'x'.repeat(1024 * 1024 + 1), USER), null),
    ).rejects.toBeInstanceOf(PayloadTooLargeError);
    // Authentication comes first: an anonymous caller gets 401, whatever the size.
    await expect(route(withBody('POST', '/uploads', 'x'.repeat(100)), null)).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
  });
});
