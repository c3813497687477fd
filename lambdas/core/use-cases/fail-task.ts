import { transitionTask } from '../../../database/repositories/tasks.js';
import type { CoreDeps } from '../deps.js';
import type { TaskErrorCode, TaskStatus } from '../task.js';
import { notifyTaskUpdate } from './notify.js';

/**
 * Fails a task that is still in one of `from` and tells its owner; the message is both the task's
 * error message and its event's.
 *
 * @returns Whether this call failed it (false when the task had moved on meanwhile).
 */
export const failTask = async (
  deps: Pick<CoreDeps, 'db' | 'connections' | 'now'>,
  taskId: string,
  from: TaskStatus[],
  code: TaskErrorCode,
  message: string,
): Promise<boolean> => {
  const failed = await transitionTask(deps.db, {
    taskId,
    from,
    to: 'failed',
    errorCode: code,
    errorMessage: message,
    message,
  });
  if (failed) await notifyTaskUpdate(deps, failed);
  return failed !== undefined;
};
