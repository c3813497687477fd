import {
  deleteConnection,
  listConnectionsForTask,
  listConnectionsForUser,
} from '../../../database/repositories/connections.js';
import type { TaskWithFile } from '../../../database/repositories/tasks.js';
import type { Task } from '../../../database/schema.js';
import { logger } from '../../shared/logger.js';
import type { CoreDeps } from '../deps.js';
import { toResultSummary, type ResultFacts, type ResultSummary } from '../views.js';

export interface TaskUpdateMessage {
  type: 'task_update';
  taskId: string;
  status: string;
  stage: string;
  progress: number;
  /** As in the task view: set while a step reports progress in words, otherwise null. */
  progressMessage: string | null;
  message: string;
  error?: { code: string; message: string };
  result?: ResultSummary;
  at: string;
}

/**
 * Pushes a message to every live connection of `userId` (only those subscribed to `taskId`, when they
 * narrowed their subscription). Connections that answer 410 are deleted. Never throws: the database
 * already holds the truth, and clients resync after reconnecting.
 */
export const pushToUser = async (
  deps: Pick<CoreDeps, 'db' | 'connections'>,
  userId: string,
  message: unknown,
  taskId?: string,
): Promise<number> => {
  let delivered = 0;
  try {
    const connections = taskId
      ? await listConnectionsForTask(deps.db, { userId, taskId })
      : await listConnectionsForUser(deps.db, userId);
    await Promise.all(
      connections.map(async (c) => {
        try {
          const alive = await deps.connections.post(c.id, message);
          if (alive) delivered += 1;
          else await deleteConnection(deps.db, c.id);
        } catch (error) {
          logger.warn('Could not push to connection', { connectionId: c.id, error: error as Error });
        }
      }),
    );
  } catch (error) {
    logger.warn('Could not list connections', { userId, error: error as Error });
  }
  return delivered;
};

/** A `pg_notify` payload of the task-change trigger. */
interface TaskChange {
  table: string;
  operation: string;
  recordId: string;
  userId: string;
  status: string;
  origin?: string;
}

/**
 * Turns a task-change notification into the `db_change` message for the task's owner, or
 * `undefined` for changes untxt made itself (those already went out as `task_update`) and for
 * payloads that are not task changes.
 */
export const toDbChange = (
  payload: string,
  ownApplicationName: string,
): { userId: string; taskId: string; message: Record<string, string> } | undefined => {
  let change: Partial<TaskChange>;
  try {
    change = JSON.parse(payload) as Partial<TaskChange>;
  } catch {
    return undefined;
  }
  if (typeof change.userId !== 'string' || typeof change.recordId !== 'string') return undefined;
  if (change.origin === ownApplicationName) return undefined;
  return {
    userId: change.userId,
    taskId: change.recordId,
    message: {
      type: 'db_change',
      table: String(change.table),
      operation: String(change.operation),
      recordId: change.recordId,
      status: String(change.status),
    },
  };
};

const DEFAULT_MESSAGES: Record<string, string> = {
  awaiting_upload: 'Waiting for the upload',
  queued: 'Queued for processing',
  processing: 'Processing',
  completed: 'Text extracted',
  failed: 'Processing failed',
};

/** Sends `task_update` for a task's current state to its owner. */
export const notifyTaskUpdate = async (
  deps: Pick<CoreDeps, 'db' | 'connections' | 'now'>,
  task: Task | TaskWithFile,
  options: { message?: string; result?: ResultFacts } = {},
): Promise<void> => {
  const message: TaskUpdateMessage = {
    type: 'task_update',
    taskId: task.id,
    status: task.status,
    stage: task.stage,
    progress: task.progress,
    progressMessage: task.progress_message,
    message:
      options.message ??
      task.progress_message ??
      task.error_message ??
      DEFAULT_MESSAGES[task.status] ??
      task.status,
    at: deps.now().toISOString(),
  };
  if (task.error_code) message.error = { code: task.error_code, message: task.error_message ?? '' };
  if (options.result) message.result = toResultSummary(options.result);
  await pushToUser(deps, task.user_id, message, task.id);
};
