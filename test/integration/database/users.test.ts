import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createUser,
  ensureUser,
  findUserByEmail,
  findUserById,
  listUsersWithCounts,
  softDeleteTask,
  transitionTask,
} from '../../../database/repositories/index.js';
import { ConflictError } from '../../../lambdas/core/errors.js';
import { databaseBackends, seedTask, useDatabase } from '../../helpers/databases.js';

describe.each(await databaseBackends())('Backend: $name', ({ create }) => {
  const handle = useDatabase(create);

  describe('Function: createUser', () => {
    it('stores the email lower-cased and generates an id when none is given', async () => {
      // Prepare
      const input = { email: '  Ada.Lovelace@Example.COM ', passwordHash: 'scrypt$hash' };

      // Act
      const user = await createUser(handle.db, input);

      // Assess
      expect(user).toMatchObject({
        email: 'ada.lovelace@example.com',
        password_hash: 'scrypt$hash',
        is_admin: false,
        last_seen_at: null,
      });
      expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(user.created_at).toBeInstanceOf(Date);
    });

    it('keeps the given id and admin flag when they are provided', async () => {
      // Prepare
      const id = randomUUID();

      // Act
      const user = await createUser(handle.db, {
        id,
        email: 'admin@example.com',
        passwordHash: null,
        isAdmin: true,
      });

      // Assess
      expect(user).toMatchObject({ id, is_admin: true, password_hash: null });
    });

    it('throws a ConflictError when the email is taken in another case', async () => {
      // Prepare
      await createUser(handle.db, { email: 'taken@example.com', passwordHash: null });

      // Act
      const attempt = createUser(handle.db, { email: 'TAKEN@example.com', passwordHash: null });

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(ConflictError);
      await expect(attempt).rejects.toThrow('An account with this email already exists');
    });
  });

  describe('Function: findUserByEmail', () => {
    it('finds a user whatever the case of the email', async () => {
      // Prepare
      const user = await createUser(handle.db, { email: 'grace@example.com', passwordHash: null });

      // Act
      const found = await findUserByEmail(handle.db, 'Grace@Example.com');

      // Assess
      expect(found?.id).toBe(user.id);
    });

    it('returns undefined when nobody has the email', async () => {
      // Prepare: empty database

      // Act
      const found = await findUserByEmail(handle.db, 'nobody@example.com');

      // Assess
      expect(found).toBeUndefined();
    });
  });

  describe('Function: findUserById', () => {
    it('finds a user by id', async () => {
      // Prepare
      const user = await createUser(handle.db, { email: 'x@example.com', passwordHash: null });

      // Act
      const found = await findUserById(handle.db, user.id);

      // Assess
      expect(found).toEqual(user);
    });

    it('returns undefined when the id is not a UUID', async () => {
      // Prepare: nothing

      // Act
      const found = await findUserById(handle.db, 'not-a-uuid');

      // Assess
      expect(found).toBeUndefined();
    });
  });

  describe('Function: ensureUser', () => {
    it('creates the user when it does not exist yet', async () => {
      // Prepare
      const id = randomUUID();

      // Act
      const user = await ensureUser(handle.db, { id, email: 'New@Example.com', isAdmin: false });

      // Assess
      expect(user).toMatchObject({ id, email: 'new@example.com', is_admin: false, password_hash: null });
      expect(user.last_seen_at).toBeInstanceOf(Date);
    });

    it('updates email, admin flag and last_seen_at when the user exists', async () => {
      // Prepare
      const id = randomUUID();
      const first = await ensureUser(handle.db, { id, email: 'old@example.com', isAdmin: false });

      // Act
      const second = await ensureUser(handle.db, { id, email: 'renamed@example.com', isAdmin: true });

      // Assess
      expect(second).toMatchObject({ id, email: 'renamed@example.com', is_admin: true });
      expect(second.created_at).toEqual(first.created_at);
      expect(second.last_seen_at!.getTime()).toBeGreaterThanOrEqual(first.last_seen_at!.getTime());
    });

    it('throws a ConflictError when a local account (with a password) already has the email', async () => {
      // Prepare
      await createUser(handle.db, { email: 'shared@example.com', passwordHash: 'h' });

      // Act
      const attempt = ensureUser(handle.db, {
        id: randomUUID(),
        email: 'shared@example.com',
        isAdmin: false,
      });

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    });

    it('lets a new identity take over the email of an identity the provider no longer has, without its documents', async () => {
      // Prepare: an identity that was deleted in Cognito and signed up again with the same email
      const before = await ensureUser(handle.db, {
        id: randomUUID(),
        email: 'again@example.com',
        isAdmin: false,
      });
      const { task } = await seedTask(handle.db, { userId: before.id });
      const id = randomUUID();

      // Act
      const after = await ensureUser(handle.db, { id, email: 'Again@Example.com', isAdmin: false });

      // Assess
      expect(after).toMatchObject({ id, email: 'again@example.com' });
      expect(await findUserById(handle.db, before.id)).toMatchObject({
        email: `${before.id}@released.invalid`,
      });
      const owners = await handle.db
        .selectFrom('tasks')
        .select('user_id')
        .where('id', '=', task.id)
        .execute();
      expect(owners).toEqual([{ user_id: before.id }]);
    });
  });

  describe('Function: listUsersWithCounts', () => {
    it('counts live, completed and failed tasks per user', async () => {
      // Prepare
      const busy = await createUser(handle.db, { email: 'busy@example.com', passwordHash: null });
      const idle = await createUser(handle.db, { email: 'idle@example.com', passwordHash: null });
      const done = await seedTask(handle.db, { userId: busy.id, status: 'processing' });
      await transitionTask(handle.db, { taskId: done.task.id, from: ['processing'], to: 'completed' });
      const broken = await seedTask(handle.db, { userId: busy.id, status: 'processing' });
      await transitionTask(handle.db, { taskId: broken.task.id, from: ['processing'], to: 'failed' });
      await seedTask(handle.db, { userId: busy.id });
      const gone = await seedTask(handle.db, { userId: busy.id, status: 'processing' });
      await transitionTask(handle.db, { taskId: gone.task.id, from: ['processing'], to: 'completed' });
      await softDeleteTask(handle.db, { taskId: gone.task.id, userId: busy.id });

      // Act
      const users = await listUsersWithCounts(handle.db, { limit: 10, offset: 0 });

      // Assess
      const byEmail = new Map(users.map((user) => [user.email, user]));
      expect(byEmail.get('busy@example.com')).toMatchObject({
        id: busy.id,
        taskCount: 3,
        completedCount: 1,
        failedCount: 1,
      });
      expect(byEmail.get('idle@example.com')).toMatchObject({
        id: idle.id,
        taskCount: 0,
        completedCount: 0,
        failedCount: 0,
      });
    });

    it('pages with limit and offset without overlap', async () => {
      // Prepare
      for (let index = 0; index < 5; index += 1) {
        await createUser(handle.db, { email: `u${index}@example.com`, passwordHash: null });
      }

      // Act
      const first = await listUsersWithCounts(handle.db, { limit: 3, offset: 0 });
      const second = await listUsersWithCounts(handle.db, { limit: 3, offset: 3 });

      // Assess
      expect(first).toHaveLength(3);
      expect(second).toHaveLength(2);
      const emails = [...first, ...second].map((user) => user.email);
      expect(new Set(emails).size).toBe(5);
    });
  });
});
