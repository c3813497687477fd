import { sql } from 'kysely';
import type { ApiDeps } from '../core/deps.js';
import { LIMITS, PRIORITIES } from '../core/task.js';
import {
  adminRetryTask,
  adminTasksQuery,
  adminUsersQuery,
  listAllTasks,
  listUsers,
  redriveDeadLetters,
  systemOverview,
} from '../core/use-cases/admin.js';
import {
  batchCreateRequest,
  createInlineTask,
  createTaskRequest,
  createUploadTask,
  createUploadTasks,
} from '../core/use-cases/create-task.js';
import { deleteOwnTask, restoreOwnTask, retryOwnTask } from '../core/use-cases/manage-tasks.js';
import {
  getOriginalLink,
  getOwnStats,
  getOwnTask,
  getOwnTaskStatus,
  getResultLink,
  listOwnTasks,
  listTasksQuery,
  resultQuery,
} from '../core/use-cases/read-tasks.js';
import { json } from '../shared/http.js';
import { parseMultipartUpload } from '../shared/multipart.js';
import { header, parseJsonBody, parseQuery, validate } from '../shared/request.js';
import { buildOpenApiDocument } from './openapi.js';
import type { Route } from './router.js';
import * as z from 'zod';

const priorityField = z.enum(PRIORITIES).default('normal');

/** Every REST route: parse → use-case → respond. No SQL and no SDK calls here. */
export const apiRoutes: Array<Route<ApiDeps>> = [
  {
    method: 'GET',
    path: '/health',
    access: 'public',
    summary: 'Liveness and database reachability',
    handle: async ({ deps }) => {
      await sql`select 1`.execute(deps.db);
      return json(200, { status: 'ok', version: deps.version, time: deps.now().toISOString() });
    },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    access: 'public',
    summary: 'This API as an OpenAPI 3.1 document',
    handle: async () => json(200, buildOpenApiDocument(apiRoutes as Array<Route<unknown>>)),
  },
  {
    method: 'POST',
    path: '/tasks',
    access: 'user',
    summary: 'Create a task: JSON → presigned POST; multipart (≤ 4 MB) → stored directly',
    maxBodyBytes: LIMITS.maxInlineUploadBytes + LIMITS.multipartEnvelopeBytes,
    handle: async ({ event, identity, deps }) => {
      if (/^multipart\/form-data/i.test(header(event, 'content-type') ?? '')) {
        const upload = await parseMultipartUpload(event, LIMITS.maxInlineUploadBytes);
        const priority = validate(priorityField, upload.fields.priority, 'priority');
        return json(201, {
          task: await createInlineTask(deps, identity, {
            filename: upload.filename,
            bytes: upload.bytes,
            priority,
          }),
        });
      }
      return json(201, await createUploadTask(deps, identity, parseJsonBody(event, createTaskRequest)));
    },
  },
  {
    method: 'POST',
    path: '/tasks/batch',
    access: 'user',
    summary: 'Create up to 50 tasks at once',
    handle: async ({ event, identity, deps }) =>
      json(201, {
        items: await createUploadTasks(deps, identity, parseJsonBody(event, batchCreateRequest).files),
      }),
  },
  {
    method: 'GET',
    path: '/tasks',
    access: 'user',
    summary: 'List tasks (keyset pagination, status filter, full-text q) with stats',
    handle: async ({ event, identity, deps }) =>
      json(200, await listOwnTasks(deps, identity, parseQuery(event, listTasksQuery))),
  },
  {
    method: 'GET',
    path: '/tasks/{id}',
    access: 'user',
    summary: 'One task with its result summary',
    handle: async ({ params, identity, deps }) =>
      json(200, { task: await getOwnTask(deps, identity, params.id!) }),
  },
  {
    method: 'GET',
    path: '/tasks/{id}/status',
    access: 'user',
    summary: 'Status, stage and progress only',
    handle: async ({ params, identity, deps }) =>
      json(200, await getOwnTaskStatus(deps, identity, params.id!)),
  },
  {
    method: 'GET',
    path: '/tasks/{id}/result',
    access: 'user',
    summary: 'Presigned URL of the result (format=txt|html|json)',
    handle: async ({ event, params, identity, deps }) =>
      json(200, await getResultLink(deps, identity, params.id!, parseQuery(event, resultQuery).format)),
  },
  {
    method: 'GET',
    path: '/tasks/{id}/download',
    access: 'user',
    summary: 'Presigned URL of the original document',
    handle: async ({ params, identity, deps }) =>
      json(200, await getOriginalLink(deps, identity, params.id!)),
  },
  {
    method: 'DELETE',
    path: '/tasks/{id}',
    access: 'user',
    summary: `Soft delete (restorable for ${LIMITS.restoreWindowDays} days)`,
    handle: async ({ params, identity, deps }) =>
      json(200, { task: await deleteOwnTask(deps, identity, params.id!) }),
  },
  {
    method: 'POST',
    path: '/tasks/{id}/restore',
    access: 'user',
    summary: 'Undo a soft delete',
    handle: async ({ params, identity, deps }) =>
      json(200, { task: await restoreOwnTask(deps, identity, params.id!) }),
  },
  {
    method: 'POST',
    path: '/tasks/{id}/retry',
    access: 'user',
    summary: 'Retry a failed task',
    handle: async ({ params, identity, deps }) =>
      json(202, { task: await retryOwnTask(deps, identity, params.id!) }),
  },
  {
    method: 'GET',
    path: '/stats',
    access: 'user',
    summary: 'Task counts by status',
    handle: async ({ identity, deps }) => json(200, await getOwnStats(deps, identity)),
  },
  {
    method: 'GET',
    path: '/admin/overview',
    access: 'admin',
    summary: 'Queue depths, running executions, tasks by status, throughput and errors',
    handle: async ({ deps }) => json(200, await systemOverview(deps)),
  },
  {
    method: 'GET',
    path: '/admin/users',
    access: 'admin',
    summary: 'Users with task counts',
    handle: async ({ event, deps }) => json(200, await listUsers(deps, parseQuery(event, adminUsersQuery))),
  },
  {
    method: 'GET',
    path: '/admin/tasks',
    access: 'admin',
    summary: 'Every user’s tasks',
    handle: async ({ event, deps }) =>
      json(200, await listAllTasks(deps, parseQuery(event, adminTasksQuery))),
  },
  {
    method: 'POST',
    path: '/admin/tasks/{id}/retry',
    access: 'admin',
    summary: 'Retry any failed task',
    handle: async ({ params, deps }) => json(202, { task: await adminRetryTask(deps, params.id!) }),
  },
  {
    method: 'POST',
    path: '/admin/dlq/redrive',
    access: 'admin',
    summary: 'Move dead-lettered intake messages back to the queue',
    handle: async ({ deps }) => json(202, await redriveDeadLetters(deps)),
  },
];
