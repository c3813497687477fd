import { findTaskByStorageKey, transitionTask } from '../../../database/repositories/tasks.js';
import { findUserById } from '../../../database/repositories/users.js';
import { logger } from '../../shared/logger.js';
import type { DispatchDeps } from '../deps.js';
import type { ObjectHead } from '../ports.js';
import { parseUploadKey } from '../keys.js';
import { LIMITS, type TaskErrorCode } from '../task.js';
import { sniffContentType } from '../content-type.js';
import { hasControlCharacters } from '../text.js';
import { createDroppedTask } from './create-task.js';
import { failTask } from './fail-task.js';
import { notifyTaskUpdate } from './notify.js';

export type DispatchOutcome =
  | { outcome: 'started'; taskId: string }
  | { outcome: 'rejected'; taskId: string; code: TaskErrorCode }
  | { outcome: 'duplicate'; taskId: string }
  | { outcome: 'ignored'; reason: string };

const fail = async (
  deps: DispatchDeps,
  taskId: string,
  code: TaskErrorCode,
  message: string,
): Promise<DispatchOutcome> => {
  await failTask(deps, { taskId, from: ['awaiting_upload', 'queued'], code, message });
  return { outcome: 'rejected', taskId, code };
};

/**
 * Handles one `ObjectCreated` record: finds the task for the key (or creates one for a file dropped
 * straight into the bucket), checks size and magic bytes, queues it and starts the workflow. Safe to
 * run twice for the same object (S3 and SQS deliver at least once): only one delivery moves the task
 * to `queued`, and Download lets only one run of an attempt proceed.
 */
export const dispatchObjectCreated = async (
  deps: DispatchDeps,
  object: { key: string; size: number },
): Promise<DispatchOutcome> => {
  // No task row can name such a key (PostgreSQL refuses NUL in text), and redelivering the event
  // cannot change that: it is logged and left in the bucket instead of going round to the DLQ.
  if (hasControlCharacters(object.key)) {
    logger.error('Ignoring an object whose key holds control characters; rename it to have it read', {
      key: JSON.stringify(object.key),
    });
    return { outcome: 'ignored', reason: 'control characters in key' };
  }
  const owner = parseUploadKey(object.key);
  if (!owner) {
    logger.warn('Ignoring object outside uploads/{userId}/', { key: object.key });
    return { outcome: 'ignored', reason: 'not an upload key' };
  }

  let task = await findTaskByStorageKey(deps.db, object.key);
  // Read once: a dropped file must still be there before it gets a task, or the task would wait
  // for an upload that never comes (the event of an object deleted since, or redelivered late).
  let head: ObjectHead | undefined;
  if (!task) {
    if (!(await findUserById(deps.db, owner.userId))) {
      logger.warn('Ignoring dropped file of an unknown user', { key: object.key, userId: owner.userId });
      return { outcome: 'ignored', reason: 'unknown user' };
    }
    head = await deps.objects.head(object.key);
    if (!head) return { outcome: 'ignored', reason: 'object no longer exists' };
    await createDroppedTask(deps, {
      userId: owner.userId,
      key: object.key,
      filename: owner.filename,
      size: head.size,
    });
    task = await findTaskByStorageKey(deps.db, object.key);
    if (!task) throw new Error(`Task for ${object.key} vanished after creation`);
  }
  if (task.user_id !== owner.userId) {
    logger.error('Object key owner does not match the task owner', { key: object.key, taskId: task.id });
    return { outcome: 'ignored', reason: 'owner mismatch' };
  }

  if (task.status === 'awaiting_upload') {
    head ??= await deps.objects.head(object.key);
    if (!head) return { outcome: 'ignored', reason: 'object no longer exists' };
    if (head.size === 0) return fail(deps, task.id, 'EMPTY_FILE', 'The uploaded file is empty');
    if (head.size > LIMITS.maxUploadBytes)
      return fail(deps, task.id, 'FILE_TOO_LARGE', `The file is ${head.size} bytes; the limit is 50 MB`);
    const detected = await sniffContentType(await deps.objects.readRange(object.key, 0, 4099));
    if (!detected)
      return fail(
        deps,
        task.id,
        'UNSUPPORTED_TYPE',
        'The file is not a PDF, PNG, JPEG, TIFF or WEBP document',
      );
    const queued = await transitionTask(deps.db, {
      taskId: task.id,
      from: ['awaiting_upload'],
      to: 'queued',
      stage: 'download',
      progress: 0,
      incrementAttempts: true,
    });
    if (!queued) return { outcome: 'duplicate', taskId: task.id };
    await notifyTaskUpdate(deps, queued);
    task = { ...task, ...queued };
  }

  // A task still `queued` may have been queued by a delivery that crashed before starting the
  // execution, so it is started again. Should the first start have happened after all, the two runs
  // race for the task in Download and one of them ends there.
  if (task.status !== 'queued') return { outcome: 'duplicate', taskId: task.id };
  // The type, size and pages go on the file row in Download, which inspects the whole document; the
  // execution ARN goes on the task with Download's claim.
  await deps.workflow.start({
    taskId: task.id,
    userId: task.user_id,
    key: object.key,
    attempt: Math.max(task.attempts, 1),
  });
  return { outcome: 'started', taskId: task.id };
};
