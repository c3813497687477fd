import { sql } from 'kysely';
import type { Connection } from '../schema.js';
import { isUuid, type Db } from './shared.js';

/** Records a WebSocket connection (again, on reconnect with the same id). */
export async function saveConnection(db: Db, input: { id: string; userId: string }): Promise<Connection> {
  return db
    .insertInto('connections')
    .values({ id: input.id, user_id: input.userId })
    .onConflict((conflict) =>
      conflict.column('id').doUpdateSet({ user_id: input.userId, last_seen_at: sql`now()` }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Finds a connection by its id. */
export async function findConnection(db: Db, id: string): Promise<Connection | undefined> {
  return db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Forgets a connection; `true` when it existed. */
export async function deleteConnection(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('connections').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** All open connections of a user, oldest first. */
export async function listConnectionsForUser(db: Db, userId: string): Promise<Connection[]> {
  if (!isUuid(userId)) return [];
  return db
    .selectFrom('connections')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('connected_at')
    .orderBy('id')
    .execute();
}

/**
 * The connections that want to hear about a change of `taskId`: the owner's connections subscribed
 * to all their tasks (`task_ids` null) or to this one.
 */
export async function listConnectionsForTask(
  db: Db,
  input: { userId: string; taskId: string },
): Promise<Connection[]> {
  if (!isUuid(input.userId)) return [];
  return db
    .selectFrom('connections')
    .selectAll()
    .where('user_id', '=', input.userId)
    .where((eb) => eb.or([eb('task_ids', 'is', null), sql<boolean>`${input.taskId} = any(task_ids)`]))
    .orderBy('connected_at')
    .orderBy('id')
    .execute();
}

/**
 * Replaces a connection's subscriptions; `null` subscribes to all of the user's tasks.
 *
 * @returns The updated connection, or `undefined` when it is gone.
 */
export async function setSubscriptions(
  db: Db,
  input: { id: string; taskIds: string[] | null },
): Promise<Connection | undefined> {
  return db
    .updateTable('connections')
    .set({ task_ids: input.taskIds, last_seen_at: sql`now()` })
    .where('id', '=', input.id)
    .returningAll()
    .executeTakeFirst();
}

/** Marks a connection as alive; `true` when it exists. */
export async function touchConnection(db: Db, id: string): Promise<boolean> {
  const result = await db
    .updateTable('connections')
    .set({ last_seen_at: sql`now()` })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Removes connections not seen since `before` (their disconnect event was lost).
 *
 * @returns How many were removed.
 */
export async function deleteConnectionsOlderThan(db: Db, before: Date): Promise<number> {
  const result = await db.deleteFrom('connections').where('last_seen_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Removes connections opened before `before`. API Gateway closes every connection after 2 hours, so
 * older rows are leftovers whose `$disconnect` was lost.
 *
 * @returns How many were removed.
 */
export async function deleteConnectionsConnectedBefore(db: Db, before: Date): Promise<number> {
  const result = await db.deleteFrom('connections').where('connected_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
