import { transitionTask } from '../../../database/repositories/tasks.js';
import type { CoreDeps } from '../deps.js';
import type { TaskErrorCode, TaskStatus } from '../task.js';
import { notifyTaskUpdate } from './notify.js';

/**
 * Fails a task that is still in one of `from` (and, when given, still on `attempt`) and tells its
 * owner; the message is both the task's error message and its event's.
 *
 * @returns Whether this call failed it (false when the task had moved on meanwhile).
 */
export const failTask = async (
  deps: Pick<CoreDeps, 'db' | 'connections' | 'now'>,
  input: { taskId: string; from: TaskStatus[]; attempt?: number; code: TaskErrorCode; message: string },
): Promise<boolean> => {
  const failed = await transitionTask(deps.db, {
    taskId: input.taskId,
    from: input.from,
    ...(input.attempt === undefined ? {} : { attempt: input.attempt }),
    to: 'failed',
    errorCode: input.code,
    errorMessage: input.message,
    message: input.message,
  });
  if (failed) await notifyTaskUpdate(deps, failed);
  return failed !== undefined;
};
