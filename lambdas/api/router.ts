import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ForbiddenError, MethodNotAllowedError, NotFoundError } from '../core/errors.js';
import type { Identity } from '../core/ports.js';
import { LIMITS } from '../core/task.js';
import { checkBodySize, identityFromEvent } from '../shared/request.js';

export interface RouteContext<D> {
  event: APIGatewayProxyEvent;
  params: Record<string, string>;
  /** Present on every route that is not `public`. */
  identity: Identity;
  deps: D;
}

export interface Route<D> {
  method: 'GET' | 'POST' | 'DELETE';
  /** e.g. `/tasks/{id}/result` */
  path: string;
  access: 'public' | 'user' | 'admin';
  summary: string;
  /** The largest body the route takes, in bytes; larger ones get 413. @default LIMITS.maxRequestBodyBytes */
  maxBodyBytes?: number;
  handle: (ctx: RouteContext<D>) => Promise<APIGatewayProxyResult>;
}

const compile = (path: string) =>
  new RegExp(`^${path.replace(/\{(\w+)\}/g, (_, name: string) => `(?<${name}>[^/]+)`)}/?$`);

/**
 * Matches a request to a route. Works with the path as API Gateway gives it for a `/{proxy+}` resource
 * behind `/api` (with or without the prefix).
 */
export const createRouter = <D>(routes: Array<Route<D>>) => {
  const compiled = routes.map((route) => ({ route, pattern: compile(route.path) }));
  return async (event: APIGatewayProxyEvent, deps: D): Promise<APIGatewayProxyResult> => {
    const path = (event.path || '/').replace(/^\/api(?=\/|$)/, '') || '/';
    const matches = compiled.filter(({ pattern }) => pattern.test(path));
    if (matches.length === 0) throw new NotFoundError(`No route for ${path}`);
    const match = matches.find(({ route }) => route.method === event.httpMethod);
    if (!match) throw new MethodNotAllowedError(matches.map(({ route }) => route.method));
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(match.pattern.exec(path)?.groups ?? {})) {
      try {
        params[name] = decodeURIComponent(value);
      } catch {
        throw new NotFoundError(`No route for ${path}`);
      }
    }
    const identity: Identity =
      match.route.access === 'public' ? { userId: '', email: '', groups: [] } : identityFromEvent(event);
    if (match.route.access === 'admin' && !identity.groups.includes('admins'))
      throw new ForbiddenError('This route is for administrators');
    // After authentication, as API Gateway would: an anonymous caller learns nothing about limits.
    checkBodySize(event, match.route.maxBodyBytes ?? LIMITS.maxRequestBodyBytes);
    return match.route.handle({ event, params, identity, deps });
  };
};
