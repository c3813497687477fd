import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  deleteConnection,
  deleteConnectionsOlderThan,
  findConnection,
  listConnectionsForTask,
  listConnectionsForUser,
  saveConnection,
  setSubscriptions,
  touchConnection,
} from '../../../database/repositories/index.js';
import type { User } from '../../../database/schema.js';
import { databaseBackends, seedUser, useDatabase } from '../../helpers/databases.js';

describe.each(await databaseBackends())('Backend: $name', ({ create }) => {
  const handle = useDatabase(create);
  let user: User;

  beforeEach(async () => {
    user = await seedUser(handle.db);
  });

  describe('Function: saveConnection', () => {
    it('creates a connection subscribed to all tasks', async () => {
      // Prepare
      const id = 'Zx9vUeKxoAMCJ0g=';

      // Act
      const connection = await saveConnection(handle.db, { id, userId: user.id });

      // Assess
      expect(connection).toMatchObject({ id, user_id: user.id, task_ids: null });
      expect(connection.connected_at).toBeInstanceOf(Date);
      expect(await findConnection(handle.db, id)).toEqual(connection);
    });

    it('updates the owner and keeps connected_at when the id is saved again', async () => {
      // Prepare
      const other = await seedUser(handle.db);
      const first = await saveConnection(handle.db, { id: 'c1', userId: user.id });

      // Act
      const second = await saveConnection(handle.db, { id: 'c1', userId: other.id });

      // Assess
      expect(second).toMatchObject({ id: 'c1', user_id: other.id });
      expect(second.connected_at).toEqual(first.connected_at);
    });
  });

  describe('Function: setSubscriptions', () => {
    it('stores task ids and resets them to null', async () => {
      // Prepare
      await saveConnection(handle.db, { id: 'c1', userId: user.id });
      const taskIds = [randomUUID(), randomUUID()];

      // Act
      const subscribed = await setSubscriptions(handle.db, { id: 'c1', taskIds });
      const reset = await setSubscriptions(handle.db, { id: 'c1', taskIds: null });

      // Assess
      expect(subscribed?.task_ids).toEqual(taskIds);
      expect(reset?.task_ids).toBeNull();
    });

    it('returns undefined when the connection is gone', async () => {
      // Prepare: nothing

      // Act
      const result = await setSubscriptions(handle.db, { id: 'missing', taskIds: [] });

      // Assess
      expect(result).toBeUndefined();
    });
  });

  describe('Function: listConnectionsForUser', () => {
    it("returns the user's connections only", async () => {
      // Prepare
      const other = await seedUser(handle.db);
      await saveConnection(handle.db, { id: 'mine-1', userId: user.id });
      await saveConnection(handle.db, { id: 'mine-2', userId: user.id });
      await saveConnection(handle.db, { id: 'theirs', userId: other.id });

      // Act
      const connections = await listConnectionsForUser(handle.db, user.id);

      // Assess
      expect(connections.map((connection) => connection.id).sort()).toEqual(['mine-1', 'mine-2']);
    });
  });

  describe('Function: listConnectionsForTask', () => {
    it('returns connections subscribed to all tasks or to this task', async () => {
      // Prepare
      const taskId = randomUUID();
      await saveConnection(handle.db, { id: 'all', userId: user.id });
      await saveConnection(handle.db, { id: 'this', userId: user.id });
      await setSubscriptions(handle.db, { id: 'this', taskIds: [randomUUID(), taskId] });
      await saveConnection(handle.db, { id: 'other', userId: user.id });
      await setSubscriptions(handle.db, { id: 'other', taskIds: [randomUUID()] });
      await saveConnection(handle.db, { id: 'none', userId: user.id });
      await setSubscriptions(handle.db, { id: 'none', taskIds: [] });

      // Act
      const connections = await listConnectionsForTask(handle.db, { userId: user.id, taskId });

      // Assess
      expect(connections.map((connection) => connection.id).sort()).toEqual(['all', 'this']);
    });
  });

  describe('Function: touchConnection', () => {
    it('moves last_seen_at forward and reports whether the connection exists', async () => {
      // Prepare
      await saveConnection(handle.db, { id: 'c1', userId: user.id });
      await handle.db
        .updateTable('connections')
        .set({ last_seen_at: new Date('2026-01-01T00:00:00Z') })
        .where('id', '=', 'c1')
        .execute();

      // Act
      const touched = await touchConnection(handle.db, 'c1');
      const missing = await touchConnection(handle.db, 'c2');

      // Assess
      expect(touched).toBe(true);
      expect(missing).toBe(false);
      const connection = await findConnection(handle.db, 'c1');
      expect(connection!.last_seen_at.getTime()).toBeGreaterThan(new Date('2026-01-01T00:00:00Z').getTime());
    });
  });

  describe('Function: deleteConnection', () => {
    it('deletes the connection and reports whether it existed', async () => {
      // Prepare
      await saveConnection(handle.db, { id: 'c1', userId: user.id });

      // Act
      const first = await deleteConnection(handle.db, 'c1');
      const second = await deleteConnection(handle.db, 'c1');

      // Assess
      expect(first).toBe(true);
      expect(second).toBe(false);
      expect(await findConnection(handle.db, 'c1')).toBeUndefined();
    });
  });

  describe('Function: deleteConnectionsOlderThan', () => {
    it('deletes only connections not seen since the cut-off and returns how many', async () => {
      // Prepare
      await saveConnection(handle.db, { id: 'old-1', userId: user.id });
      await saveConnection(handle.db, { id: 'old-2', userId: user.id });
      await saveConnection(handle.db, { id: 'fresh', userId: user.id });
      await handle.db
        .updateTable('connections')
        .set({ last_seen_at: new Date('2026-01-01T00:00:00Z') })
        .where('id', 'in', ['old-1', 'old-2'])
        .execute();

      // Act
      const deleted = await deleteConnectionsOlderThan(handle.db, new Date('2026-02-01T00:00:00Z'));

      // Assess
      expect(deleted).toBe(2);
      expect((await listConnectionsForUser(handle.db, user.id)).map((connection) => connection.id)).toEqual([
        'fresh',
      ]);
    });
  });
});
