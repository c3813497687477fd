import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../database/connect.js';
import { migrateToLatest } from '../../../database/migrate.js';
import { migrations } from '../../../database/migrations/index.js';
import { APPLICATION_NAME } from '../../../database/pg-types.js';
import { PGliteDialect } from '../../../database/pglite-dialect.js';
import { createTask, transitionTask } from '../../../database/repositories/index.js';
import type { Database } from '../../../database/schema.js';
import {
  installAwsLambdaStandIn,
  recordedInvokes,
  registerAwsLambdaExtension,
} from '../../helpers/aws-lambda-stand-in.js';
import {
  createPostgresDatabase,
  databaseBackends,
  seedTask,
  seedUser,
  TEST_DATABASE_URL,
} from '../../helpers/databases.js';

const TABLES = [
  'admission_kinds',
  'admission_pump',
  'admission_waits',
  'connections',
  'files',
  'maintenance_runs',
  'results',
  'task_counts',
  'task_events',
  'tasks',
  'text_jobs',
  'textract_leases',
  'users',
];

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
        const changeFunction = migrations['2026-12-02T10-00-00-change-function'];
        const admission = migrations['2026-12-06T09-00-00-admission'];
        const taskCounts = migrations['2026-12-07T09-00-00-task-counts'];

        // Act: later migrations first, as Kysely's migrateDown would
        await taskCounts?.down?.(handle.db);
        await admission?.down?.(handle.db);
        await changeFunction?.down?.(handle.db);
        await changeOrigin?.down?.(handle.db);
        await textJobs?.down?.(handle.db);
        await initial?.down?.(handle.db);

        // Assess
        expect(await listTables(handle)).toEqual([]);
        const functions = await sql<{ name: string }>`
          SELECT p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = current_schema() AND p.proname LIKE 'untxt\_%'
        `.execute(handle.db);
        expect(functions.rows).toEqual([]);
      } finally {
        await handle.close();
      }
    });
  });
});

/** What `ALTER DATABASE … SET untxt.change_function_arn` gives every new session on AWS. */
const CHANGE_FUNCTION_ARN = 'arn:aws:lambda:eu-central-1:123456789012:function:untxt-dev-db-change';

/** A database as an outside writer (psql) sees it, with the warnings its statements raise. */
interface OutsideWriterBench {
  db: Kysely<Database>;
  listen: DatabaseHandle['listen'];
  /** `UPDATE tasks` as psql would, in a session where the change function is named. */
  updateAsPsql: (taskId: string) => Promise<string[]>;
  close: () => Promise<void>;
}

/** A migrated in-memory PGlite, driven directly so that its notices can be read. */
async function pgliteBench(): Promise<OutsideWriterBench & { pglite: PGlite }> {
  const pglite = await PGlite.create();
  await pglite.exec(`SET application_name = '${APPLICATION_NAME}'`);
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  await migrateToLatest(db);
  return {
    pglite,
    db,
    listen: async (channel, onMessage) => {
      const unlisten = await pglite.listen(channel, onMessage);
      return async () => unlisten();
    },
    updateAsPsql: async (taskId) => {
      const warnings: string[] = [];
      // One session: psql's settings go away again before untxt's own queries run.
      await pglite.exec(
        `SET application_name = 'psql'; SET untxt.change_function_arn = '${CHANGE_FUNCTION_ARN}'`,
      );
      try {
        await pglite.query(`UPDATE tasks SET status = 'completed', stage = 'done' WHERE id = $1`, [taskId], {
          onNotice: (notice) => warnings.push(`${notice.severity}: ${notice.message}`),
        });
      } finally {
        await pglite.exec(`SET application_name = '${APPLICATION_NAME}'; RESET untxt.change_function_arn`);
      }
      return warnings;
    },
    close: () => db.destroy(),
  };
}

/** A migrated schema on the PostgreSQL server, written to by a second client named `psql`. */
async function postgresBench(): Promise<OutsideWriterBench> {
  const handle = await createPostgresDatabase();
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(handle.db);
  return {
    db: handle.db,
    listen: (channel, onMessage) => handle.listen(channel, onMessage),
    updateAsPsql: async (taskId) => {
      const warnings: string[] = [];
      const client = new pg.Client({
        connectionString: TEST_DATABASE_URL,
        application_name: 'psql',
        options: `-c search_path=${rows[0]!.schema}`,
      });
      client.on('notice', (notice) => warnings.push(`${notice.severity}: ${notice.message}`));
      await client.connect();
      try {
        await client.query(`SET untxt.change_function_arn = '${CHANGE_FUNCTION_ARN}'`);
        await client.query(`UPDATE tasks SET status = 'completed', stage = 'done' WHERE id = $1`, [taskId]);
      } finally {
        await client.end();
      }
      return warnings;
    },
    close: () => handle.close(),
  };
}

describe.each(await databaseBackends())('Backend: $name (no aws_lambda extension)', ({ name }) => {
  describe('Function: untxt_notify_task_change', () => {
    it('still notifies, and tries no invoke, when a function is named but the extension is absent', async () => {
      // Prepare
      const bench = name === 'pglite' ? await pgliteBench() : await postgresBench();
      try {
        const user = await seedUser(bench.db);
        const { task } = await seedTask(bench.db, { userId: user.id, status: 'failed' });
        const payloads: Array<Record<string, unknown>> = [];
        const unlisten = await bench.listen('untxt_task_changes', (payload) => {
          payloads.push(JSON.parse(payload) as Record<string, unknown>);
        });

        // Act
        const warnings = await bench.updateAsPsql(task.id);
        const mine = () => payloads.filter((payload) => payload.recordId === task.id);
        await waitFor(payloads, () => mine().length >= 1);
        await unlisten();

        // Assess: an attempted invoke would have failed (no aws_lambda schema) and warned
        expect(mine()).toEqual([
          expect.objectContaining({ operation: 'UPDATE', status: 'completed', origin: 'psql' }),
        ]);
        expect(warnings).toEqual([]);
      } finally {
        await bench.close();
      }
    });
  });
});

describe('Backend: pglite (aws_lambda stand-in)', () => {
  describe('Function: untxt_notify_task_change', () => {
    let bench: Awaited<ReturnType<typeof pgliteBench>>;
    let task: { id: string; user_id: string };

    const prepare = async (options: { registered: boolean; fail?: boolean }) => {
      bench = await pgliteBench();
      await installAwsLambdaStandIn(bench.pglite, { fail: options.fail ?? false });
      if (options.registered) await registerAwsLambdaExtension(bench.pglite);
      const user = await seedUser(bench.db);
      ({ task } = await seedTask(bench.db, { userId: user.id, status: 'failed' }));
    };

    afterEach(async () => {
      await bench?.close();
    });

    it('invokes the named function asynchronously with the change when a writer outside untxt updates a task', async () => {
      // Prepare
      await prepare({ registered: true });

      // Act
      const warnings = await bench.updateAsPsql(task.id);

      // Assess
      expect(await recordedInvokes(bench.pglite)).toEqual([
        {
          functionName: CHANGE_FUNCTION_ARN,
          invocationType: 'Event',
          payload: {
            table: 'tasks',
            operation: 'UPDATE',
            recordId: task.id,
            userId: task.user_id,
            status: 'completed',
            stage: 'done',
            progress: 0,
            deleted: false,
            origin: 'psql',
          },
        },
      ]);
      expect(warnings).toEqual([]);
    });

    it('invokes nothing when the extension is not installed, even with its functions present', async () => {
      // Prepare
      await prepare({ registered: false });

      // Act
      await bench.updateAsPsql(task.id);

      // Assess
      expect(await recordedInvokes(bench.pglite)).toEqual([]);
    });

    it('invokes nothing for untxt’s own writes, which already push task_update', async () => {
      // Prepare
      await prepare({ registered: true });
      await bench.pglite.exec(`SET untxt.change_function_arn = '${CHANGE_FUNCTION_ARN}'`);

      // Act
      await transitionTask(bench.db, { taskId: task.id, from: ['failed'], to: 'queued' });

      // Assess
      expect(await recordedInvokes(bench.pglite)).toEqual([]);
    });

    it('invokes nothing when no function is named', async () => {
      // Prepare
      await prepare({ registered: true });

      // Act
      await bench.pglite.exec(`SET application_name = 'psql'`);
      await bench.pglite.query(`UPDATE tasks SET status = 'completed' WHERE id = $1`, [task.id]);
      await bench.pglite.exec(`SET application_name = '${APPLICATION_NAME}'`);

      // Assess
      expect(await recordedInvokes(bench.pglite)).toEqual([]);
    });

    it('keeps the writer’s update, and its notification, with a warning when the invoke fails', async () => {
      // Prepare
      await prepare({ registered: true, fail: true });
      const payloads: string[] = [];
      const unlisten = await bench.listen('untxt_task_changes', (payload) => payloads.push(payload));

      // Act
      const warnings = await bench.updateAsPsql(task.id);
      await waitFor(payloads, (items) => items.length >= 1);
      await unlisten();

      // Assess
      const row = await bench.db
        .selectFrom('tasks')
        .select('status')
        .where('id', '=', task.id)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('completed');
      expect(payloads).toHaveLength(1);
      expect(warnings).toEqual([
        `WARNING: untxt: could not invoke ${CHANGE_FUNCTION_ARN} for task ${task.id}: Lambda is unreachable`,
      ]);
    });
  });
});

describe.each(await databaseBackends())('Backend: $name (fresh database)', ({ create }) => {
  describe('Function: down (2026-12-02T10-00-00-change-function)', () => {
    it('gives the trigger function back its invoker’s rights and its NOTIFY-only body', async () => {
      // Prepare
      const handle = await create();
      try {
        // Act
        await migrations['2026-12-02T10-00-00-change-function']?.down?.(handle.db);

        // Assess
        const { rows } = await sql<{ definer: boolean; invokes: boolean; notifies: boolean }>`
          SELECT p.prosecdef AS definer,
                 p.prosrc LIKE '%aws_lambda%' AS invokes,
                 p.prosrc LIKE '%pg_notify%' AS notifies
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = current_schema() AND p.proname = 'untxt_notify_task_change'
        `.execute(handle.db);
        expect(rows).toEqual([{ definer: false, invokes: false, notifies: true }]);
      } finally {
        await handle.close();
      }
    });
  });
});
