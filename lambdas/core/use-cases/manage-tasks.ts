import { findResult } from '../../../database/repositories/results.js';
import { findTaskById, restoreTask, softDeleteTask } from '../../../database/repositories/tasks.js';
import type { TaskWithFile } from '../../../database/repositories/tasks.js';
import type { ApiDeps, CoreDeps } from '../deps.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Identity } from '../ports.js';
import { LIMITS } from '../task.js';
import { toTaskView, type TaskView } from '../views.js';
import { notifyTaskUpdate } from './notify.js';
import { requeueTask } from './requeue.js';
import { requireOwnTask } from './read-tasks.js';

/** Every object that belongs to a task: the original and, once written, its results. */
const objectKeysOf = async (deps: Pick<CoreDeps, 'db'>, task: TaskWithFile): Promise<string[]> => {
  const result = await findResult(deps.db, task.id);
  return [task.storage_key, ...(result ? [result.text_key, result.html_key, result.json_key] : [])];
};

/**
 * Tags objects so the bucket lifecycle moves them to Glacier after 7 days and expires them after 30.
 * Objects that never arrived (awaiting upload) are skipped.
 */
const tagObjects = async (deps: CoreDeps, keys: string[], deleted: boolean) => {
  for (const key of keys) {
    if (!(await deps.objects.head(key))) continue;
    await deps.objects.setTags(key, deleted ? { deleted: 'true' } : {});
  }
};

export const deleteOwnTask = async (
  deps: CoreDeps,
  identity: Identity,
  taskId: string,
): Promise<TaskView> => {
  const existing = await requireOwnTask(deps, identity, taskId, { includeDeleted: true });
  if (existing.deleted_at) throw new ConflictError(`Task ${taskId} is already deleted`);
  const deleted = await softDeleteTask(deps.db, { taskId, userId: identity.userId });
  if (!deleted) throw new ConflictError(`Task ${taskId} is already deleted`);
  await tagObjects(deps, await objectKeysOf(deps, existing), true);
  const view = await findTaskById(deps.db, taskId);
  await notifyTaskUpdate(deps, view!, { message: 'Deleted' });
  return toTaskView(view!);
};

export const restoreOwnTask = async (
  deps: CoreDeps,
  identity: Identity,
  taskId: string,
): Promise<TaskView> => {
  const existing = await requireOwnTask(deps, identity, taskId, { includeDeleted: true });
  if (!existing.deleted_at) throw new ConflictError(`Task ${taskId} is not deleted`);
  const since = new Date(deps.now().getTime() - LIMITS.restoreWindowDays * 86_400_000);
  const restored = await restoreTask(deps.db, { taskId, userId: identity.userId, deletedSince: since });
  if (!restored)
    throw new ConflictError(
      `Task ${taskId} was deleted more than ${LIMITS.restoreWindowDays} days ago and cannot be restored`,
    );
  await tagObjects(deps, await objectKeysOf(deps, existing), false);
  const view = await findTaskById(deps.db, taskId);
  await notifyTaskUpdate(deps, view!, { message: 'Restored' });
  return toTaskView(view!);
};

/** Re-queues a failed task under a new execution name (`{taskId}-{attempt}`). */
export const retryTask = async (deps: ApiDeps, task: TaskWithFile): Promise<TaskView> => {
  if (task.status !== 'failed')
    throw new ConflictError(`Only failed tasks can be retried (status: ${task.status})`);
  if (task.deleted_at) throw new ConflictError('Restore the task before retrying it');
  // Nothing to read again: the file never reached the bucket.
  if (task.error_code === 'UPLOAD_EXPIRED')
    throw new ConflictError('The file never arrived, so there is nothing to retry; upload it again');
  const queued = await requeueTask(deps, task, ['failed'], 'Queued for retry');
  if (!queued) throw new ConflictError(`Task ${task.id} changed while retrying; reload and try again`);
  const view = await findTaskById(deps.db, task.id);
  if (!view) throw new NotFoundError(`Task ${task.id} not found`);
  return toTaskView(view);
};

export const retryOwnTask = async (deps: ApiDeps, identity: Identity, taskId: string) =>
  retryTask(deps, await requireOwnTask(deps, identity, taskId, { includeDeleted: true }));
