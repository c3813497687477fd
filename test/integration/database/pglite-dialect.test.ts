import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ConnectionMutex } from '../../../database/pglite-dialect.js';
import { findUserByEmail } from '../../../database/repositories/index.js';
import { databaseBackends, seedUser, useDatabase } from '../../helpers/databases.js';

describe('Class: ConnectionMutex', () => {
  it('grants the lock in request order when several callers wait', async () => {
    // Prepare
    const mutex = new ConnectionMutex();
    const order: number[] = [];
    await mutex.lock();

    // Act
    const waiting = [1, 2, 3].map((index) =>
      mutex.run(async () => {
        order.push(index);
      }),
    );
    mutex.unlock();
    await Promise.all(waiting);

    // Assess
    expect(order).toEqual([1, 2, 3]);
  });
});

describe.each(await databaseBackends())('Backend: $name', ({ create }) => {
  const handle = useDatabase(create);

  describe('Function: transaction', () => {
    it('keeps a concurrent query out of a transaction that rolls back', async () => {
      // Prepare
      let insideTransaction!: () => void;
      const transactionStarted = new Promise<void>((resolve) => (insideTransaction = resolve));

      // Act
      const transaction = handle.db.transaction().execute(async (trx) => {
        await seedUser(trx, { email: 'rolled-back@example.com' });
        insideTransaction();
        // Give the concurrent insert every chance to run while the transaction is open.
        await new Promise((resolve) => setTimeout(resolve, 100));
        throw new Error('roll back');
      });
      await transactionStarted;
      const concurrent = seedUser(handle.db, { email: 'concurrent@example.com' });
      await expect(transaction).rejects.toThrow('roll back');
      await concurrent;

      // Assess
      expect(await findUserByEmail(handle.db, 'rolled-back@example.com')).toBeUndefined();
      expect(await findUserByEmail(handle.db, 'concurrent@example.com')).toBeDefined();
    });

    it('rolls back to a savepoint without losing the outer work', async () => {
      // Prepare
      const email = 'outer@example.com';

      // Act
      const trx = await handle.db.startTransaction().execute();
      await seedUser(trx, { email });
      const savepoint = await trx.savepoint('inner').execute();
      await seedUser(savepoint, { email: 'inner@example.com' });
      await savepoint.rollbackToSavepoint('inner').execute();
      await trx.commit().execute();

      // Assess
      expect(await findUserByEmail(handle.db, email)).toBeDefined();
      expect(await findUserByEmail(handle.db, 'inner@example.com')).toBeUndefined();
    });
  });

  describe('Function: executeQuery', () => {
    it('reports affected rows of updates and deletes', async () => {
      // Prepare
      await seedUser(handle.db);
      await seedUser(handle.db);

      // Act
      const updated = await handle.db.updateTable('users').set({ is_admin: true }).executeTakeFirst();
      const deleted = await handle.db.deleteFrom('users').executeTakeFirst();

      // Assess
      expect(updated.numUpdatedRows).toBe(2n);
      expect(deleted.numDeletedRows).toBe(2n);
    });

    it('returns counts as numbers and timestamps as dates', async () => {
      // Prepare
      await seedUser(handle.db);

      // Act
      const row = await sql<{ count: unknown; sum: unknown; at: unknown }>`
        SELECT count(*) AS count, sum(1.5) AS sum, now() AS at FROM users
      `
        .execute(handle.db)
        .then((result) => result.rows[0]);

      // Assess
      expect(row).toEqual({ count: 1, sum: 1.5, at: expect.any(Date) });
    });
  });
});
