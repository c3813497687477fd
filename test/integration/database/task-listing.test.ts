import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createTask,
  insertResult,
  listTasks,
  restoreTask,
  softDeleteTask,
  taskStats,
  taskThroughput,
  transitionTask,
  type TaskWithFile,
} from '../../../database/repositories/index.js';
import type { User } from '../../../database/schema.js';
import { ValidationError } from '../../../lambdas/core/errors.js';
import { databaseBackends, seedTask, seedUser, useDatabase } from '../../helpers/databases.js';

describe.each(await databaseBackends())('Backend: $name', ({ create }) => {
  const handle = useDatabase(create);
  let user: User;

  beforeEach(async () => {
    user = await seedUser(handle.db);
  });

  async function listAll(input: Omit<Parameters<typeof listTasks>[1], 'cursor'>): Promise<TaskWithFile[][]> {
    const pages: TaskWithFile[][] = [];
    let cursor: string | undefined;
    do {
      const page = await listTasks(handle.db, { ...input, ...(cursor ? { cursor } : {}) });
      pages.push(page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && pages.length < 100);
    return pages;
  }

  async function completeWithText(taskId: string, text: string): Promise<void> {
    await handle.db
      .updateTable('tasks')
      .set({ status: 'completed', stage: 'done', progress: 100 })
      .where('id', '=', taskId)
      .execute();
    await insertResult(handle.db, {
      task_id: taskId,
      user_id: user.id,
      text,
      text_key: `results/${taskId}.txt`,
      html_key: `results/${taskId}.html`,
      json_key: `results/${taskId}.json`,
      pages: 1,
      words: text.split(/\s+/).length,
      lines: 1,
      confidence: 95,
      processing_ms: 10,
      engine: 'tesseract',
    });
  }

  describe('Function: listTasks', () => {
    it('pages through tasks with identical created_at without skipping or repeating any', async () => {
      // Prepare
      const { file } = await seedTask(handle.db, { userId: user.id });
      await handle.db.deleteFrom('tasks').execute();
      // Identical instants, and instants that differ only below the millisecond (a JS Date cannot
      // tell those apart, so a cursor built from one would skip or repeat rows).
      const timestamps = [
        ...Array.from({ length: 20 }, () => '2026-03-01T12:00:00.123000Z'),
        ...Array.from(
          { length: 6 },
          (_, index) => `2026-03-01T12:00:00.123${String(index + 1).padStart(3, '0')}Z`,
        ),
        ...Array.from({ length: 5 }, () => '2026-03-01T11:00:00Z'),
      ];
      await handle.db
        .insertInto('tasks')
        .values(
          timestamps.map((createdAt) => ({
            user_id: user.id,
            file_id: file.id,
            status: 'queued',
            stage: 'upload',
            created_at: sql<Date>`${createdAt}::timestamptz`,
          })),
        )
        .execute();
      const { rows: expected } = await sql<{ id: string }>`
        SELECT id FROM tasks ORDER BY created_at DESC, id DESC
      `.execute(handle.db);

      // Act
      const pages = await listAll({ userId: user.id, limit: 4 });

      // Assess
      const ids = pages.flat().map((task) => task.id);
      expect(ids).toEqual(expected.map((row) => row.id));
      expect(new Set(ids).size).toBe(timestamps.length);
      expect(pages.slice(0, -1).every((page) => page.length === 4)).toBe(true);
    });

    it('returns no cursor when the last page is exactly full', async () => {
      // Prepare
      for (let index = 0; index < 3; index += 1) await seedTask(handle.db, { userId: user.id });

      // Act
      const page = await listTasks(handle.db, { userId: user.id, limit: 3 });

      // Assess
      expect(page.items).toHaveLength(3);
      expect(page.nextCursor).toBeNull();
    });

    it('lists only the given user unless userId is omitted', async () => {
      // Prepare
      const other = await seedUser(handle.db);
      const mine = await seedTask(handle.db, { userId: user.id });
      const theirs = await seedTask(handle.db, { userId: other.id });

      // Act
      const own = await listTasks(handle.db, { userId: user.id, limit: 10 });
      const all = await listTasks(handle.db, { limit: 10 });

      // Assess
      expect(own.items.map((task) => task.id)).toEqual([mine.task.id]);
      expect(all.items.map((task) => task.id).sort()).toEqual([mine.task.id, theirs.task.id].sort());
    });

    it('filters by status', async () => {
      // Prepare
      const queued = await seedTask(handle.db, { userId: user.id, status: 'queued' });
      await seedTask(handle.db, { userId: user.id, status: 'processing' });
      const queuedToo = await seedTask(handle.db, { userId: user.id, status: 'queued' });

      // Act
      const pages = await listAll({ userId: user.id, status: 'queued', limit: 1 });

      // Assess
      expect(
        pages
          .flat()
          .map((task) => task.id)
          .sort(),
      ).toEqual([queued.task.id, queuedToo.task.id].sort());
    });

    it('finds tasks by words of their text in English and German', async () => {
      // Prepare
      const english = await seedTask(handle.db, { userId: user.id });
      const german = await seedTask(handle.db, { userId: user.id });
      await seedTask(handle.db, { userId: user.id });
      await completeWithText(english.task.id, 'The quick brown fox jumps over the lazy dog.');
      await completeWithText(german.task.id, 'Die Straße führt über die Brücke zum Rathaus.');

      // Act
      const fox = await listTasks(handle.db, { userId: user.id, q: 'Fox', limit: 10 });
      const strasse = await listTasks(handle.db, { userId: user.id, q: 'Straße', limit: 10 });
      const bruecke = await listTasks(handle.db, { userId: user.id, q: 'brücke', limit: 10 });
      const phrase = await listTasks(handle.db, { userId: user.id, q: '"lazy dog"', limit: 10 });
      const either = await listTasks(handle.db, { userId: user.id, q: 'fox or rathaus', limit: 10 });
      const none = await listTasks(handle.db, { userId: user.id, q: 'elephant', limit: 10 });

      // Assess
      expect(fox.items.map((task) => task.id)).toEqual([english.task.id]);
      expect(strasse.items.map((task) => task.id)).toEqual([german.task.id]);
      expect(bruecke.items.map((task) => task.id)).toEqual([german.task.id]);
      expect(phrase.items.map((task) => task.id)).toEqual([english.task.id]);
      expect(either.items).toHaveLength(2);
      expect(none.items).toEqual([]);
    });

    it('ignores a blank query', async () => {
      // Prepare
      await seedTask(handle.db, { userId: user.id });

      // Act
      const page = await listTasks(handle.db, { userId: user.id, q: '   ', limit: 10 });

      // Assess
      expect(page.items).toHaveLength(1);
    });

    it('lists only live tasks by default and only deleted ones with deleted: true', async () => {
      // Prepare
      const live = await seedTask(handle.db, { userId: user.id });
      const gone = await seedTask(handle.db, { userId: user.id });
      await softDeleteTask(handle.db, { taskId: gone.task.id, userId: user.id });

      // Act
      const liveList = await listTasks(handle.db, { userId: user.id, limit: 10 });
      const trash = await listTasks(handle.db, { userId: user.id, limit: 10, deleted: true });

      // Assess
      expect(liveList.items.map((task) => task.id)).toEqual([live.task.id]);
      expect(trash.items.map((task) => task.id)).toEqual([gone.task.id]);
    });

    it('includes the file metadata of each task', async () => {
      // Prepare
      const { file } = await seedTask(handle.db, { userId: user.id, originalName: 'invoice.pdf' });

      // Act
      const page = await listTasks(handle.db, { userId: user.id, limit: 10 });

      // Assess
      expect(page.items[0]).toMatchObject({ original_name: 'invoice.pdf', storage_key: file.storage_key });
      expect(page.items[0]).not.toHaveProperty('cursor_created_at');
    });

    it.each([['garbage!'], ['e30'], [Buffer.from('["yesterday","x"]').toString('base64url')]])(
      'throws a ValidationError when the cursor is %s',
      async (cursor) => {
        // Prepare: nothing

        // Act
        const attempt = listTasks(handle.db, { userId: user.id, limit: 10, cursor });

        // Assess
        await expect(attempt).rejects.toBeInstanceOf(ValidationError);
        await expect(attempt).rejects.toThrow('Invalid cursor');
      },
    );

    it('returns nothing when the user id is not a UUID', async () => {
      // Prepare
      await seedTask(handle.db, { userId: user.id });

      // Act
      const page = await listTasks(handle.db, { userId: 'me', limit: 10 });

      // Assess
      expect(page).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('Function: taskStats', () => {
    it('counts live tasks per status and deleted ones separately', async () => {
      // Prepare
      await seedTask(handle.db, { userId: user.id, status: 'awaiting_upload' });
      await seedTask(handle.db, { userId: user.id, status: 'queued' });
      await seedTask(handle.db, { userId: user.id, status: 'queued' });
      await seedTask(handle.db, { userId: user.id, status: 'processing' });
      await seedTask(handle.db, { userId: user.id, status: 'completed' });
      await seedTask(handle.db, { userId: user.id, status: 'failed' });
      const deleted = await seedTask(handle.db, { userId: user.id, status: 'completed' });
      await softDeleteTask(handle.db, { taskId: deleted.task.id, userId: user.id });
      const other = await seedUser(handle.db);
      await seedTask(handle.db, { userId: other.id, status: 'failed' });

      // Act
      const mine = await taskStats(handle.db, { userId: user.id });
      const everyone = await taskStats(handle.db, {});

      // Assess
      expect(mine).toEqual({
        total: 6,
        awaiting_upload: 1,
        queued: 2,
        processing: 1,
        completed: 1,
        failed: 1,
        deleted: 1,
      });
      expect(everyone).toMatchObject({ total: 7, failed: 2, deleted: 1 });
    });

    it('returns zeros when there are no tasks', async () => {
      // Prepare: no tasks

      // Act
      const stats = await taskStats(handle.db, { userId: user.id });

      // Assess
      expect(stats).toEqual({
        total: 0,
        awaiting_upload: 0,
        queued: 0,
        processing: 0,
        completed: 0,
        failed: 0,
        deleted: 0,
      });
    });
  });

  describe('Function: softDeleteTask', () => {
    it('marks the task deleted once and refuses a second time', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id });

      // Act
      const first = await softDeleteTask(handle.db, { taskId: task.id, userId: user.id });
      const second = await softDeleteTask(handle.db, { taskId: task.id, userId: user.id });

      // Assess
      expect(first?.deleted_at).toBeInstanceOf(Date);
      expect(second).toBeUndefined();
    });

    it("refuses to delete another user's task", async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id });
      const other = await seedUser(handle.db);

      // Act
      const deleted = await softDeleteTask(handle.db, { taskId: task.id, userId: other.id });

      // Assess
      expect(deleted).toBeUndefined();
    });

    it('returns undefined for a malformed id', async () => {
      // Prepare: nothing

      // Act
      const deleted = await softDeleteTask(handle.db, { taskId: '42', userId: user.id });

      // Assess
      expect(deleted).toBeUndefined();
    });
  });

  describe('Function: restoreTask', () => {
    it('restores a task deleted within the window', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id });
      await softDeleteTask(handle.db, { taskId: task.id, userId: user.id });

      // Act
      const restored = await restoreTask(handle.db, {
        taskId: task.id,
        userId: user.id,
        deletedSince: new Date(Date.now() - 30 * 24 * 3600 * 1000),
      });

      // Assess
      expect(restored).toMatchObject({ id: task.id, deleted_at: null });
    });

    it('refuses when the task was deleted before the window', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id });
      await handle.db
        .updateTable('tasks')
        .set({ deleted_at: new Date('2026-01-01T00:00:00Z') })
        .where('id', '=', task.id)
        .execute();

      // Act
      const restored = await restoreTask(handle.db, {
        taskId: task.id,
        userId: user.id,
        deletedSince: new Date('2026-01-02T00:00:00Z'),
      });

      // Assess
      expect(restored).toBeUndefined();
    });

    it('refuses when the task is not deleted or belongs to someone else', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id });
      const other = await seedUser(handle.db);
      const since = new Date(0);

      // Act
      const notDeleted = await restoreTask(handle.db, {
        taskId: task.id,
        userId: user.id,
        deletedSince: since,
      });
      await softDeleteTask(handle.db, { taskId: task.id, userId: user.id });
      const notTheirs = await restoreTask(handle.db, {
        taskId: task.id,
        userId: other.id,
        deletedSince: since,
      });

      // Assess
      expect(notDeleted).toBeUndefined();
      expect(notTheirs).toBeUndefined();
    });
  });

  describe('Function: taskThroughput', () => {
    it('counts completed and failed tasks per bucket, with empty buckets as zeros', async () => {
      // Prepare
      const bucketSeconds = 600;
      const now = Date.now();
      const since = new Date(now - 3600 * 1000);
      const align = (ms: number) => Math.floor(ms / 1000 / bucketSeconds) * bucketSeconds * 1000;
      const finish = async (status: 'completed' | 'failed', completedAt: Date) => {
        const { task } = await seedTask(handle.db, { userId: user.id, status: 'processing' });
        await transitionTask(handle.db, { taskId: task.id, from: ['processing'], to: status });
        await handle.db
          .updateTable('tasks')
          .set({ completed_at: completedAt })
          .where('id', '=', task.id)
          .execute();
      };
      const early = new Date(now - 45 * 60 * 1000);
      const late = new Date(now - 5 * 60 * 1000);
      await finish('completed', early);
      await finish('completed', early);
      await finish('failed', late);
      await finish('completed', new Date(now - 2 * 3600 * 1000));
      await seedTask(handle.db, { userId: user.id, status: 'processing' });

      // Act
      const buckets = await taskThroughput(handle.db, { since, bucketSeconds });

      // Assess
      expect(buckets[0]?.bucketStart.getTime()).toBe(align(since.getTime()));
      expect(buckets.at(-1)?.bucketStart.getTime()).toBeGreaterThanOrEqual(align(now) - bucketSeconds * 1000);
      const starts = buckets.map((bucket) => bucket.bucketStart.getTime());
      expect(
        starts.every((start, index) => index === 0 || start - starts[index - 1]! === bucketSeconds * 1000),
      ).toBe(true);
      const at = (time: Date) =>
        buckets.find((bucket) => bucket.bucketStart.getTime() === align(time.getTime()));
      expect(at(early)).toMatchObject({ completed: 2, failed: 0 });
      expect(at(late)).toMatchObject({ completed: 0, failed: 1 });
      expect(buckets.reduce((sum, bucket) => sum + bucket.completed + bucket.failed, 0)).toBe(3);
    });

    it('throws a ValidationError when bucketSeconds is not a positive integer', async () => {
      // Prepare: nothing

      // Act
      const attempt = taskThroughput(handle.db, { since: new Date(), bucketSeconds: 0 });

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('Function: createTask', () => {
    it('rejects a task whose file does not exist', async () => {
      // Prepare: nothing

      // Act
      const attempt = createTask(handle.db, {
        userId: user.id,
        fileId: randomUUID(),
        status: 'queued',
        stage: 'upload',
      });

      // Assess
      await expect(attempt).rejects.toMatchObject({ code: '23503' });
    });
  });
});
