import * as z from 'zod';
import { findResult } from '../../../database/repositories/results.js';
import { findTaskForUser, listTasks, taskStats } from '../../../database/repositories/tasks.js';
import type { CoreDeps } from '../deps.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { resultKeys } from '../keys.js';
import type { Identity } from '../ports.js';
import { LIMITS, RESULT_FORMATS, TASK_STATUSES, type ResultFormat } from '../task.js';
import { toTaskView, type TaskView } from '../views.js';

export const listTasksQuery = z.strictObject({
  status: z.enum(TASK_STATUSES).optional(),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .meta({ examples: ['invoice', 'espresso'] }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
  deleted: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export const resultQuery = z.strictObject({ format: z.enum(RESULT_FORMATS).default('txt') });

/** A task of the caller's, or 404 — another user's task is indistinguishable from a missing one. */
export const requireOwnTask = async (
  deps: Pick<CoreDeps, 'db'>,
  identity: Identity,
  taskId: string,
  options: { includeDeleted?: boolean } = {},
) => {
  const task = await findTaskForUser(deps.db, {
    taskId,
    userId: identity.userId,
    includeDeleted: options.includeDeleted ?? false,
  });
  if (!task) throw new NotFoundError(`Task ${taskId} not found`);
  return task;
};

export const listOwnTasks = async (
  deps: Pick<CoreDeps, 'db'>,
  identity: Identity,
  query: z.output<typeof listTasksQuery>,
) => {
  const [page, stats] = await Promise.all([
    listTasks(deps.db, { userId: identity.userId, ...query }),
    taskStats(deps.db, { userId: identity.userId }),
  ]);
  return { items: page.items.map((t) => toTaskView(t)), nextCursor: page.nextCursor, stats };
};

export const getOwnTask = async (
  deps: Pick<CoreDeps, 'db'>,
  identity: Identity,
  taskId: string,
): Promise<TaskView> => {
  const task = await requireOwnTask(deps, identity, taskId, { includeDeleted: true });
  const result = task.status === 'completed' ? await findResult(deps.db, task.id) : undefined;
  return toTaskView(task, result);
};

export const getOwnTaskStatus = async (deps: Pick<CoreDeps, 'db'>, identity: Identity, taskId: string) => {
  const task = await requireOwnTask(deps, identity, taskId, { includeDeleted: true });
  const view = toTaskView(task);
  return {
    id: view.id,
    status: view.status,
    stage: view.stage,
    progress: view.progress,
    progressMessage: view.progressMessage,
    error: view.error,
    updatedAt: view.updatedAt,
  };
};

const CONTENT_TYPES: Record<ResultFormat, string> = {
  txt: 'text/plain; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json',
};

const baseName = (filename: string) => filename.replace(/\.[^.]+$/, '') || 'document';

/** A short-lived download link for the result in one format; 409 until the task has completed. */
export const getResultLink = async (
  deps: CoreDeps,
  identity: Identity,
  taskId: string,
  format: ResultFormat,
) => {
  const task = await requireOwnTask(deps, identity, taskId);
  const result = task.status === 'completed' ? await findResult(deps.db, task.id) : undefined;
  if (!result) throw new ConflictError(`Task ${taskId} has no result yet (status: ${task.status})`);
  const key = { txt: result.text_key, html: result.html_key, json: result.json_key }[format];
  const url = await deps.objects.presignDownload({
    key,
    expiresInSeconds: LIMITS.presignSeconds,
    downloadName: `${baseName(task.original_name)}.${format}`,
    contentType: CONTENT_TYPES[format],
  });
  return { url, format, expiresIn: LIMITS.presignSeconds };
};

/** A short-lived download link for the original document. */
export const getOriginalLink = async (deps: CoreDeps, identity: Identity, taskId: string) => {
  const task = await requireOwnTask(deps, identity, taskId);
  if (task.status === 'awaiting_upload') throw new ConflictError(`Task ${taskId} has not been uploaded yet`);
  const url = await deps.objects.presignDownload({
    key: task.storage_key,
    expiresInSeconds: LIMITS.presignSeconds,
    downloadName: task.original_name,
    contentType: task.detected_content_type ?? 'application/octet-stream',
  });
  return { url, expiresIn: LIMITS.presignSeconds };
};

export const getOwnStats = (deps: Pick<CoreDeps, 'db'>, identity: Identity) =>
  taskStats(deps.db, { userId: identity.userId });

export { resultKeys };
