import * as z from 'zod';
import { LIMITS, PRIORITIES } from '../core/task.js';
import { batchCreateRequest, createTaskRequest } from '../core/use-cases/create-task.js';
import { listTasksQuery, resultQuery } from '../core/use-cases/read-tasks.js';
import { adminTasksQuery, adminUsersQuery } from '../core/use-cases/admin.js';
import type { Route } from './router.js';

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
};

const BODIES: Record<string, z.ZodType> = {
  'POST /tasks': createTaskRequest,
  'POST /tasks/batch': batchCreateRequest,
};

/** Routes that also take `multipart/form-data` (curl -F file=@doc.pdf), with their form fields. */
const MULTIPART: Record<string, unknown> = {
  'POST /tasks': {
    type: 'object',
    properties: {
      file: {
        type: 'string',
        contentMediaType: 'application/octet-stream',
        maxLength: LIMITS.maxInlineUploadBytes,
      },
      priority: z.toJSONSchema(z.enum(PRIORITIES), { io: 'input' }),
    },
    required: ['file'],
  },
};

const QUERIES: Record<string, z.ZodObject> = {
  'GET /tasks': listTasksQuery,
  'GET /tasks/{id}/result': resultQuery,
  'GET /admin/tasks': adminTasksQuery,
  'GET /admin/users': adminUsersQuery,
};

/** OpenAPI 3.1 from the route table and the same zod schemas that validate requests. */
export const buildOpenApiDocument = (routes: Array<Route<unknown>>) => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const id = `${route.method} ${route.path}`;
    const parameters: unknown[] = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string', format: 'uuid' },
    }));
    const query = QUERIES[id];
    if (query)
      for (const [name, schema] of Object.entries(query.shape))
        parameters.push({
          name,
          in: 'query',
          required: false,
          schema: z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }),
        });
    const body = BODIES[id];
    const operation: Record<string, unknown> = {
      summary: route.summary,
      operationId: id.replace(/[^a-zA-Z]+/g, '_').toLowerCase(),
      parameters,
      responses: {
        '2XX': { description: 'Success', content: { 'application/json': {} } },
        default: { description: 'Error', content: { 'application/json': { schema: errorSchema } } },
      },
    };
    const multipart = MULTIPART[id];
    if (body)
      operation.requestBody = {
        required: true,
        content: {
          'application/json': { schema: z.toJSONSchema(body, { io: 'input' }) },
          ...(multipart ? { 'multipart/form-data': { schema: multipart } } : {}),
        },
      };
    operation['x-max-body-bytes'] = route.maxBodyBytes ?? LIMITS.maxRequestBodyBytes;
    if (route.access !== 'public') operation.security = [{ bearer: [] }];
    paths[`/api${route.path}`] = {
      ...(paths[`/api${route.path}`] ?? {}),
      [route.method.toLowerCase()]: operation,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'untxt API',
      version: '1',
      description: 'Document OCR: upload, track, search and download text.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
};
