/**
 * Kept task counts (`task_counts`, migration 2026-12-07T09-00-00-task-counts): they follow every
 * change in the same transaction, never drift under concurrent transitions, and the repair path
 * finds and fixes counts that did drift.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { listUsersWithCounts } from '../../../database/repositories/users.js';
import {
  purgeDeletedTasks,
  recomputeTaskCounts,
  restoreTask,
  softDeleteTask,
  taskStats,
  transitionTask,
} from '../../../database/repositories/tasks.js';
import type { Db } from '../../../database/repositories/shared.js';
import { databaseBackends, seedTask, seedUser, useDatabase } from '../../helpers/databases.js';

/** The stats as a scan of `tasks` computes them: what the kept counts must equal. */
const scannedStats = async (db: Db, userId?: string) => {
  const { rows } = await sql<{ status: string; deleted: boolean; n: number }>`
    SELECT status, deleted_at IS NOT NULL AS deleted, count(*)::int AS n FROM tasks
    WHERE ${userId === undefined ? sql`true` : sql`user_id = ${userId}`} GROUP BY 1, 2`.execute(db);
  const stats = {
    total: 0,
    awaiting_upload: 0,
    queued: 0,
    processing: 0,
    completed: 0,
    failed: 0,
    deleted: 0,
  };
  for (const row of rows) {
    if (row.deleted) stats.deleted += row.n;
    else {
      stats.total += row.n;
      stats[row.status as 'queued'] += row.n;
    }
  }
  return stats;
};

describe.each(await databaseBackends())('Backend: $name', ({ create }) => {
  const handle = useDatabase(create);

  describe('Function: taskStats', () => {
    it('follows inserts, transitions, soft deletes, restores and purges, per user and for everyone', async () => {
      // Prepare
      const alice = await seedUser(handle.db);
      const bob = await seedUser(handle.db);
      const a1 = await seedTask(handle.db, { userId: alice.id, status: 'queued' });
      const a2 = await seedTask(handle.db, { userId: alice.id, status: 'queued' });
      await seedTask(handle.db, { userId: bob.id, status: 'awaiting_upload' });

      // Act
      await transitionTask(handle.db, { taskId: a1.task.id, from: ['queued'], to: 'processing' });
      await transitionTask(handle.db, { taskId: a1.task.id, from: ['processing'], to: 'completed' });
      await softDeleteTask(handle.db, { taskId: a2.task.id, userId: alice.id });
      const afterDelete = await taskStats(handle.db, { userId: alice.id });
      await restoreTask(handle.db, { taskId: a2.task.id, userId: alice.id, deletedSince: new Date(0) });
      const afterRestore = await taskStats(handle.db, { userId: alice.id });
      await softDeleteTask(handle.db, { taskId: a2.task.id, userId: alice.id });
      await purgeDeletedTasks(handle.db, { deletedBefore: new Date(Date.now() + 60_000), limit: 10 });

      // Assess
      expect(afterDelete).toMatchObject({ total: 1, completed: 1, queued: 0, deleted: 1 });
      expect(afterRestore).toMatchObject({ total: 2, completed: 1, queued: 1, deleted: 0 });
      expect(await taskStats(handle.db, { userId: alice.id })).toEqual(
        await scannedStats(handle.db, alice.id),
      );
      expect(await taskStats(handle.db, { userId: alice.id })).toMatchObject({
        total: 1,
        completed: 1,
        deleted: 0,
      });
      expect(await taskStats(handle.db, {})).toEqual(await scannedStats(handle.db));
      expect(await taskStats(handle.db, {})).toMatchObject({ total: 2, completed: 1, awaiting_upload: 1 });
    });

    it('forgets a deleted user’s tasks and starts from zero after TRUNCATE', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      await seedTask(handle.db, { userId: user.id });
      const other = await seedUser(handle.db);
      await seedTask(handle.db, { userId: other.id });

      // Act
      await handle.db.deleteFrom('users').where('id', '=', user.id).execute();
      const afterUserDeleted = await taskStats(handle.db, {});
      await sql`TRUNCATE tasks CASCADE`.execute(handle.db);

      // Assess
      expect(afterUserDeleted).toMatchObject({ total: 1, queued: 1 });
      expect(await taskStats(handle.db, {})).toMatchObject({ total: 0, queued: 0 });
      expect(await taskStats(handle.db, { userId: other.id })).toMatchObject({ total: 0 });
    });

    it('never drifts from the tasks under concurrent transitions of one user', async () => {
      // Prepare: 40 tasks, each walked through its life by its own concurrent chain of statements
      const user = await seedUser(handle.db);
      const tasks = await Promise.all(
        Array.from({ length: 40 }, () => seedTask(handle.db, { userId: user.id, status: 'queued' })),
      );

      // Act
      await Promise.all(
        tasks.map(async ({ task }, index) => {
          await transitionTask(handle.db, { taskId: task.id, from: ['queued'], to: 'processing' });
          // Some go back to wait (as admission parks them) and come again, crossing the others.
          if (index % 3 === 0) {
            await transitionTask(handle.db, { taskId: task.id, from: ['processing'], to: 'queued' });
            await transitionTask(handle.db, { taskId: task.id, from: ['queued'], to: 'processing' });
          }
          await transitionTask(handle.db, {
            taskId: task.id,
            from: ['processing'],
            to: index % 5 === 0 ? 'failed' : 'completed',
          });
          if (index % 4 === 0) await softDeleteTask(handle.db, { taskId: task.id, userId: user.id });
        }),
      );

      // Assess
      expect(await recomputeTaskCounts(handle.db)).toBe(0);
      expect(await taskStats(handle.db, { userId: user.id })).toEqual({
        total: 30,
        awaiting_upload: 0,
        queued: 0,
        processing: 0,
        completed: 24,
        failed: 6,
        deleted: 10,
      });
    });
  });

  describe('Function: recomputeTaskCounts', () => {
    it('finds counts that drifted and sets them right', async () => {
      // Prepare: a write around the trigger
      const user = await seedUser(handle.db);
      await seedTask(handle.db, { userId: user.id });
      await seedTask(handle.db, { userId: user.id });
      await sql`UPDATE task_counts SET n = n + 5 WHERE status = 'queued'`.execute(handle.db);

      // Act
      const wrong = await recomputeTaskCounts(handle.db);
      const again = await recomputeTaskCounts(handle.db);

      // Assess: the user's and everyone's queued counts were wrong
      expect(wrong).toBe(2);
      expect(again).toBe(0);
      expect(await taskStats(handle.db, { userId: user.id })).toMatchObject({ total: 2, queued: 2 });
    });
  });

  describe('Function: listUsersWithCounts', () => {
    it('shows each user’s live, completed and failed tasks from the kept counts', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      await seedTask(handle.db, { userId: user.id, status: 'completed' });
      await seedTask(handle.db, { userId: user.id, status: 'failed' });
      const gone = await seedTask(handle.db, { userId: user.id, status: 'completed' });
      await softDeleteTask(handle.db, { taskId: gone.task.id, userId: user.id });
      const idle = await seedUser(handle.db);

      // Act
      const users = await listUsersWithCounts(handle.db, { limit: 10, offset: 0 });

      // Assess
      expect(users.find((u) => u.id === user.id)).toMatchObject({
        taskCount: 2,
        completedCount: 1,
        failedCount: 1,
      });
      expect(users.find((u) => u.id === idle.id)).toMatchObject({
        taskCount: 0,
        completedCount: 0,
        failedCount: 0,
      });
    });
  });
});
