import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../database/connect.js';
import { migrateToLatest } from '../../../database/migrate.js';
import { migrations } from '../../../database/migrations/index.js';
import { createTask, transitionTask } from '../../../database/repositories/index.js';
import { databaseBackends, seedTask, seedUser } from '../../helpers/databases.js';

const TABLES = ['connections', 'files', 'results', 'task_events', 'tasks', 'text_jobs', 'users'];

async function listTables(handle: DatabaseHandle): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_name NOT LIKE 'kysely_%'
    ORDER BY table_name
  `.execute(handle.db);
  return rows.map((row) => row.name);
}

function waitFor<T>(items: T[], predicate: (items: T[]) => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate(items)) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('Timed out waiting for notifications'));
      else setTimeout(check, 20);
    };
    check();
  });
}

describe.each(await databaseBackends())('Backend: $name', ({ create }) => {
  let handle: DatabaseHandle;

  beforeAll(async () => {
    handle = await create();
  });

  afterAll(async () => {
    await handle?.close();
  });

  describe('Function: migrateToLatest', () => {
    it('creates every table when the database is new', async () => {
      // Prepare: `create()` already migrated

      // Act
      const tables = await listTables(handle);

      // Assess
      expect(tables).toEqual(TABLES);
    });

    it('applies nothing when run again', async () => {
      // Prepare: already migrated

      // Act
      const applied = await migrateToLatest(handle.db);

      // Assess
      expect(applied).toEqual([]);
    });

    it('rejects a task status outside the allowed set', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      const { file } = await seedTask(handle.db, { userId: user.id });

      // Act
      const attempt = handle.db
        .insertInto('tasks')
        .values({ user_id: user.id, file_id: file.id, status: 'exploded', stage: 'upload' })
        .execute();

      // Assess
      await expect(attempt).rejects.toMatchObject({ code: '23514' });
    });

    it('rejects a progress above 100', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      const { task } = await seedTask(handle.db, { userId: user.id });

      // Act
      const attempt = handle.db
        .updateTable('tasks')
        .set({ progress: 101 })
        .where('id', '=', task.id)
        .execute();

      // Assess
      await expect(attempt).rejects.toMatchObject({ code: '23514' });
    });

    it('keeps results.search in sync with the text when a result is inserted', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      const { task } = await seedTask(handle.db, { userId: user.id });

      // Act
      await handle.db
        .insertInto('results')
        .values({
          task_id: task.id,
          user_id: user.id,
          text: 'Hello World',
          text_key: 'a',
          html_key: 'b',
          json_key: 'c',
          pages: 1,
          words: 2,
          lines: 1,
          confidence: 90,
          processing_ms: 5,
          engine: 'test',
        })
        .execute();
      const row = await handle.db
        .selectFrom('results')
        .select(sql<string>`search::text`.as('search'))
        .where('task_id', '=', task.id)
        .executeTakeFirstOrThrow();

      // Assess
      expect(row.search).toBe(`'hello':1 'world':2`);
    });

    it('cascades the deletion of a user to everything it owns', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      const { task } = await seedTask(handle.db, { userId: user.id });
      await handle.db
        .insertInto('connections')
        .values({ id: `c-${task.id}`, user_id: user.id })
        .execute();

      // Act
      await handle.db.deleteFrom('users').where('id', '=', user.id).execute();

      // Assess
      const counts = await sql<{ tasks: number; files: number; events: number; connections: number }>`
        SELECT
          (SELECT count(*) FROM tasks WHERE user_id = ${user.id}) AS tasks,
          (SELECT count(*) FROM files WHERE user_id = ${user.id}) AS files,
          (SELECT count(*) FROM task_events WHERE user_id = ${user.id}) AS events,
          (SELECT count(*) FROM connections WHERE user_id = ${user.id}) AS connections
      `.execute(handle.db);
      expect(counts.rows[0]).toEqual({ tasks: 0, files: 0, events: 0, connections: 0 });
    });
  });

  describe('Function: untxt_notify_task_change', () => {
    it('notifies listeners when a task is created, transitioned and progresses', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      const { file } = await seedTask(handle.db, { userId: user.id });
      const payloads: Array<Record<string, unknown>> = [];
      const unlisten = await handle.listen('untxt_task_changes', (payload) => {
        payloads.push(JSON.parse(payload) as Record<string, unknown>);
      });

      // Act
      const task = await createTask(handle.db, {
        userId: user.id,
        fileId: file.id,
        status: 'queued',
        stage: 'upload',
      });
      await transitionTask(handle.db, {
        taskId: task.id,
        from: ['queued'],
        to: 'processing',
        stage: 'download',
      });
      // Other test files share the channel on PostgreSQL, so only this task's messages count.
      const mine = () => payloads.filter((payload) => payload.recordId === task.id);
      await waitFor(payloads, () => mine().length >= 2);
      await unlisten();

      // Assess
      expect(mine()).toEqual([
        {
          table: 'tasks',
          operation: 'INSERT',
          recordId: task.id,
          userId: user.id,
          status: 'queued',
          stage: 'upload',
          progress: 0,
          deleted: false,
          origin: 'untxt',
        },
        {
          table: 'tasks',
          operation: 'UPDATE',
          recordId: task.id,
          userId: user.id,
          status: 'processing',
          stage: 'download',
          progress: 0,
          deleted: false,
          origin: 'untxt',
        },
      ]);
    });

    it('names the application that made a change, so changes from outside untxt can be told apart', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      const { task } = await seedTask(handle.db, { userId: user.id, status: 'failed' });
      const payloads: Array<Record<string, unknown>> = [];
      const unlisten = await handle.listen('untxt_task_changes', (payload) => {
        payloads.push(JSON.parse(payload) as Record<string, unknown>);
      });

      // Act: what an admin typing in psql does
      await handle.db.transaction().execute(async (trx) => {
        await sql`SET LOCAL application_name = 'psql'`.execute(trx);
        await trx
          .updateTable('tasks')
          .set({ status: 'completed', stage: 'done' })
          .where('id', '=', task.id)
          .execute();
      });
      const mine = () => payloads.filter((payload) => payload.recordId === task.id);
      await waitFor(payloads, () => mine().length >= 1);
      await unlisten();

      // Assess
      expect(mine()).toEqual([
        expect.objectContaining({ operation: 'UPDATE', status: 'completed', origin: 'psql' }),
      ]);
    });

    it('stops notifying after unlisten', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      const { task } = await seedTask(handle.db, { userId: user.id });
      const payloads: string[] = [];
      const unlisten = await handle.listen('untxt_task_changes', (payload) => payloads.push(payload));
      await unlisten();

      // Act
      await transitionTask(handle.db, { taskId: task.id, from: ['queued'], to: 'processing' });
      await new Promise((resolve) => setTimeout(resolve, 200));

      // Assess
      expect(payloads.filter((payload) => payload.includes(task.id))).toEqual([]);
    });
  });
});

describe.each(await databaseBackends())('Backend: $name (fresh database)', ({ create }) => {
  describe('Function: down', () => {
    it('drops every table and the trigger function when all migrations are reverted', async () => {
      // Prepare
      const handle = await create();
      try {
        const initial = migrations['2026-11-22T10-00-00-initial'];
        const textJobs = migrations['2026-11-22T12-00-00-text-jobs'];
        const changeOrigin = migrations['2026-11-22T13-00-00-change-origin'];

        // Act: later migrations first, as Kysely's migrateDown would
        await changeOrigin?.down?.(handle.db);
        await textJobs?.down?.(handle.db);
        await initial?.down?.(handle.db);

        // Assess
        expect(await listTables(handle)).toEqual([]);
        const functions = await sql<{ name: string }>`
          SELECT p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = current_schema() AND p.proname = 'untxt_notify_task_change'
        `.execute(handle.db);
        expect(functions.rows).toEqual([]);
      } finally {
        await handle.close();
      }
    });
  });
});
