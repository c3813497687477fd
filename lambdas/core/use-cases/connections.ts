import * as z from 'zod';
import {
  deleteConnection,
  findConnection,
  saveConnection,
  setSubscriptions,
  touchConnection,
} from '../../../database/repositories/connections.js';
import { findOwnedTaskIds } from '../../../database/repositories/tasks.js';
import { ensureUser } from '../../../database/repositories/users.js';
import type { ConnectionDeps, CoreDeps } from '../deps.js';
import { BadRequestError, UnauthorizedError, ValidationError } from '../errors.js';
import { isUuid } from '../keys.js';
import type { Identity } from '../ports.js';

/** `$connect`: the JWT comes as `?token=` because browsers cannot set headers on a WebSocket. */
export const openConnection = async (
  deps: ConnectionDeps,
  input: { connectionId: string; token: string | undefined },
): Promise<Identity> => {
  if (!input.token) throw new UnauthorizedError('Missing token: connect with ?token=<JWT>');
  const identity = await deps.verifier.verify(input.token);
  await ensureUser(deps.db, {
    id: identity.userId,
    email: identity.email,
    isAdmin: identity.groups.includes('admins'),
  });
  await saveConnection(deps.db, { id: input.connectionId, userId: identity.userId });
  return identity;
};

export const closeConnection = (deps: Pick<CoreDeps, 'db'>, connectionId: string) =>
  deleteConnection(deps.db, connectionId);

export const subscribeRequest = z.strictObject({
  action: z.literal('subscribe'),
  taskIds: z.array(z.string().max(64)).max(500).nullable().optional(),
});

/** Narrows pushes to some tasks (or back to all with no `taskIds`). Ids the caller does not own are dropped. */
export const subscribe = async (
  deps: Pick<CoreDeps, 'db'>,
  connectionId: string,
  request: z.output<typeof subscribeRequest>,
) => {
  const connection = await findConnection(deps.db, connectionId);
  if (!connection) throw new BadRequestError('NOT_CONNECTED', 'Unknown connection; reconnect');
  const userId = connection.user_id;
  let taskIds: string[] | null = null;
  if (request.taskIds) {
    if (!request.taskIds.every(isUuid)) throw new ValidationError('taskIds must be task ids (UUIDs)');
    taskIds = await findOwnedTaskIds(deps.db, userId, request.taskIds);
  }
  await setSubscriptions(deps.db, { id: connectionId, taskIds });
  return { type: 'subscribed' as const, taskIds };
};

export const touch = (deps: Pick<CoreDeps, 'db'>, connectionId: string) =>
  touchConnection(deps.db, connectionId);
