import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { ApiDeps } from '../core/deps.js';
import { httpErrors } from '../shared/middleware.js';
import { createRouter } from './router.js';
import { apiRoutes } from './routes.js';

/** The REST Lambda: one function behind `/api/{proxy+}` that routes to thin route handlers. */
export const createApiHandler = (deps: ApiDeps) => {
  const route = createRouter(apiRoutes);
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(httpErrors())
    .handler((event) => route(event, deps));
};
