/**
 * Changes made outside untxt, on AWS: the task-change trigger hands its payload to the `dbChange`
 * function through RDS's `aws_lambda` extension (locally the host LISTENs for the same payload). The
 * message and the fan-out are the local host's: {@link toDbChange} and {@link pushToUser}.
 */
import * as z from 'zod';
import { APPLICATION_NAME } from '../../../database/pg-types.js';
import type { CoreDeps } from '../deps.js';
import { pushToUser, toDbChange } from './notify.js';

/**
 * The trigger's payload (migration `2026-12-02T10-00-00-change-function`), which Lambda receives as
 * the event. Fields the trigger may add later pass through unchecked.
 */
export const taskChangeEvent = z.object({
  table: z.literal('tasks'),
  operation: z.enum(['INSERT', 'UPDATE']),
  recordId: z.guid(),
  userId: z.guid(),
  status: z.string().min(1),
  stage: z.string(),
  progress: z.number().int(),
  deleted: z.boolean(),
  /** The writer's `application_name`. */
  origin: z.string(),
});

export type TaskChangeEvent = z.output<typeof taskChangeEvent>;

/**
 * Pushes `db_change` for `change` to the owner's connections (those subscribed to the task, when
 * they narrowed their subscription). Never throws, like {@link pushToUser}.
 *
 * @returns How many connections took the message; 0 for untxt's own writes, which already went out
 *   as `task_update` (the trigger does not send those, but an event is not trusted to say so).
 */
export const announceDbChange = async (
  deps: Pick<CoreDeps, 'db' | 'connections'>,
  change: TaskChangeEvent,
): Promise<number> => {
  const dbChange = toDbChange(JSON.stringify(change), APPLICATION_NAME);
  if (!dbChange) return 0;
  return pushToUser(deps, dbChange.userId, dbChange.message, dbChange.taskId);
};
