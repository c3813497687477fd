import { deleteWait, releaseTaskLeases } from '../../../database/repositories/admission.js';
import type { TaskWithFile } from '../../../database/repositories/tasks.js';
import { transitionTask } from '../../../database/repositories/tasks.js';
import type { Task } from '../../../database/schema.js';
import type { DispatchDeps } from '../deps.js';
import type { TaskStatus } from '../task.js';
import { notifyTaskUpdate } from './notify.js';

/**
 * Moves a task from one of `from` back to `queued` as a new attempt and starts its execution. Runs of
 * older attempts that are still going (a stalled one) can no longer touch the task. Returns
 * `undefined` when the task was no longer in a `from` state, so callers decide what that means.
 */
export const requeueTask = async (
  deps: DispatchDeps,
  task: TaskWithFile,
  from: TaskStatus[],
  message: string,
): Promise<Task | undefined> => {
  const queued = await transitionTask(deps.db, {
    taskId: task.id,
    from,
    to: 'queued',
    stage: 'download',
    progress: 0,
    incrementAttempts: true,
    message,
  });
  if (!queued) return undefined;
  // Whatever an earlier attempt held (a call, a job slot, a place in the waiting list) died with its
  // run. A freed job slot is noticed by the admission loop's next round (the schedule, within a minute).
  await releaseTaskLeases(deps.db, { taskId: task.id, beforeAttempt: queued.attempts });
  await deleteWait(deps.db, task.id);
  await deps.workflow.start({
    taskId: task.id,
    userId: task.user_id,
    key: task.storage_key,
    attempt: queued.attempts,
  });
  await notifyTaskUpdate(deps, queued, { message });
  return queued;
};
