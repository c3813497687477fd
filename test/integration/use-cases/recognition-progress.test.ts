/**
 * Page-by-page progress on a real database: each finished page raises the task's progress and
 * message and tells its owner; a report for an older attempt, for a task that moved on, or one that
 * arrives late changes nothing; the next status change clears the message.
 */
import { describe, expect, it, vi } from 'vitest';
import { findTaskById, transitionTask } from '../../../database/repositories/tasks.js';
import { pageProgress, recordPageProgress } from '../../../lambdas/core/use-cases/recognition-progress.js';
import { databaseBackends, seedTask, seedUser, useDatabase } from '../../helpers/databases.js';

describe.each(await databaseBackends())('Backend: $name', ({ create }) => {
  const handle = useDatabase(create);

  const setUp = async (status: 'processing' | 'queued' = 'processing') => {
    const user = await seedUser(handle.db);
    const { task } = await seedTask(handle.db, { userId: user.id, status, stage: 'recognize', attempts: 2 });
    await handle.db
      .insertInto('connections')
      .values({ id: `conn-${task.id}`, user_id: user.id })
      .execute();
    const pushed: Array<Record<string, unknown>> = [];
    const deps = {
      db: handle.db,
      connections: {
        post: vi.fn(async (_id: string, message: unknown) => {
          pushed.push(message as Record<string, unknown>);
          return true;
        }),
      },
      now: () => new Date(),
    };
    return { task, deps, pushed };
  };

  describe('Function: recordPageProgress', () => {
    it('raises progress page by page and pushes each page to the owner', async () => {
      // Prepare
      const { task, deps, pushed } = await setUp();

      // Act
      const taken = [];
      for (const pagesDone of [1, 2, 3, 4]) {
        taken.push(await recordPageProgress(deps, { taskId: task.id, attempt: 2, pagesDone, pages: 4 }));
      }

      // Assess
      expect(taken).toEqual([true, true, true, true]);
      expect(pushed.map((m) => [m.progress, m.progressMessage, m.message])).toEqual([
        [38, 'Recognized 1 of 4 pages', 'Recognized 1 of 4 pages'],
        [57, 'Recognized 2 of 4 pages', 'Recognized 2 of 4 pages'],
        [76, 'Recognized 3 of 4 pages', 'Recognized 3 of 4 pages'],
        [95, 'Recognized 4 of 4 pages', 'Recognized 4 of 4 pages'],
      ]);
      expect(await findTaskById(handle.db, task.id)).toMatchObject({
        status: 'processing',
        stage: 'recognize',
        progress: 95,
        progress_message: 'Recognized 4 of 4 pages',
      });
    });

    it('ignores a late report, an older attempt and a task that is not processing', async () => {
      // Prepare
      const { task, deps, pushed } = await setUp();
      await recordPageProgress(deps, { taskId: task.id, attempt: 2, pagesDone: 3, pages: 4 });
      const queued = await setUp('queued');

      // Act
      const late = await recordPageProgress(deps, { taskId: task.id, attempt: 2, pagesDone: 1, pages: 4 });
      const stale = await recordPageProgress(deps, { taskId: task.id, attempt: 1, pagesDone: 4, pages: 4 });
      const waiting = await recordPageProgress(queued.deps, {
        taskId: queued.task.id,
        attempt: 2,
        pagesDone: 1,
        pages: 4,
      });

      // Assess
      expect([late, stale, waiting]).toEqual([false, false, false]);
      expect(pushed).toHaveLength(1);
      expect(queued.pushed).toEqual([]);
      expect(await findTaskById(handle.db, task.id)).toMatchObject({
        progress: 76,
        progress_message: 'Recognized 3 of 4 pages',
      });
      expect(await findTaskById(handle.db, queued.task.id)).toMatchObject({
        progress: 0,
        progress_message: null,
      });
    });

    it('rejects a report that is not one (more pages done than there are)', async () => {
      // Prepare
      const { task, deps } = await setUp();

      // Act
      const attempt = recordPageProgress(deps, { taskId: task.id, attempt: 2, pagesDone: 5, pages: 4 });

      // Assess
      await expect(attempt).rejects.toThrow(/pagesDone cannot exceed pages/);
    });

    it('clears the message at the next status change', async () => {
      // Prepare
      const { task, deps } = await setUp();
      await recordPageProgress(deps, { taskId: task.id, attempt: 2, pagesDone: 4, pages: 4 });

      // Act
      const completed = await transitionTask(handle.db, {
        taskId: task.id,
        from: ['processing'],
        to: 'completed',
        stage: 'done',
        progress: 100,
      });

      // Assess
      expect(completed).toMatchObject({ status: 'completed', progress: 100, progress_message: null });
    });
  });

  describe('Function: pageProgress', () => {
    it('goes from the start of recognition towards 95 % and never past it', () => {
      // Act
      const steps = Array.from({ length: 14 }, (_, i) => pageProgress(i + 1, 14).progress);

      // Assess
      expect(steps[0]).toBe(25);
      expect(steps.at(-1)).toBe(95);
      expect(steps.every((p, i) => i === 0 || p > steps[i - 1]!)).toBe(true);
    });
  });
});
