/**
 * Database backends for integration tests. Every test file runs in its own process and in parallel,
 * so each PostgreSQL handle lives in a fresh schema that is dropped again on close.
 *
 * Usage: `describe.each(await databaseBackends())('Backend: $name', ({ create }) => { … })`.
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import pg from 'pg';
import { createDatabase, type DatabaseHandle } from '../../database/connect.js';
import { migrateToLatest } from '../../database/migrate.js';
import { createFile, createTask, createUser, type Db } from '../../database/repositories/index.js';
import type { Database, FileRow, Task, User } from '../../database/schema.js';
import type { TaskStage, TaskStatus } from '../../lambdas/core/task.js';

export interface DatabaseBackend {
  name: 'pglite' | 'postgres';
  /** A fresh, migrated, empty database; `close()` disposes of it entirely. */
  create: () => Promise<DatabaseHandle>;
}

/** The PostgreSQL server tests use when it is reachable. */
export const TEST_DATABASE_URL =
  process.env.UNTXT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let postgresProbe: Promise<string | undefined> | undefined;

/**
 * The backends to run tests against: always an in-memory PGlite; PostgreSQL too when the server at
 * {@link TEST_DATABASE_URL} answers. Without a server, CI fails (a silently skipped backend hides
 * bugs) while a developer's machine gets one warning and PGlite only.
 */
export async function databaseBackends(): Promise<DatabaseBackend[]> {
  const backends: DatabaseBackend[] = [{ name: 'pglite', create: createPgliteDatabase }];
  postgresProbe ??= probePostgres();
  const unreachable = await postgresProbe;
  if (unreachable === undefined) {
    backends.push({ name: 'postgres', create: createPostgresDatabase });
  } else if (process.env.CI) {
    throw new Error(
      `PostgreSQL at ${redact(TEST_DATABASE_URL)} is unreachable (${unreachable}); CI requires it. ` +
        'Start it or point UNTXT_TEST_DATABASE_URL at a server.',
    );
  } else {
    console.warn(
      `Skipping the PostgreSQL test backend: ${redact(TEST_DATABASE_URL)} is unreachable (${unreachable}); ` +
        'set UNTXT_TEST_DATABASE_URL to run it.',
    );
  }
  return backends;
}

/** An in-memory PGlite with all migrations applied. */
export async function createPgliteDatabase(): Promise<DatabaseHandle> {
  const handle = await createDatabase({ inMemory: true });
  try {
    await migrateToLatest(handle.db);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

/** A migrated PostgreSQL database in a schema of its own, dropped on `close()`. */
export async function createPostgresDatabase(): Promise<DatabaseHandle> {
  const schema = `t_${randomBytes(8).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE SCHEMA ${schema}`));
  const dropSchema = () =>
    withAdminClient((client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));

  let handle: DatabaseHandle;
  try {
    handle = await createDatabase({ databaseUrl: TEST_DATABASE_URL, searchPath: schema });
  } catch (error) {
    await dropSchema();
    throw error;
  }
  try {
    await migrateToLatest(handle.db);
  } catch (error) {
    await handle.close();
    await dropSchema();
    throw error;
  }

  let closed = false;
  return {
    ...handle,
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
      await dropSchema();
    },
  };
}

/** Empties every table (between tests sharing one handle). */
export async function truncateAll(db: Kysely<Database>): Promise<void> {
  await sql`TRUNCATE TABLE connections, task_events, results, tasks, files, users CASCADE`.execute(db);
  // Leases and waits went with the tasks (cascade); the counters and the loop's lease are reset.
  await sql`UPDATE admission_kinds SET throttled_total = 0, last_throttled_at = NULL`.execute(db);
  await sql`UPDATE admission_pump SET owner = NULL, lease_until = NULL`.execute(db);
}

async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

let seedCounter = 0;

/** Inserts a user with a unique email (or the given one). */
export async function seedUser(db: Db, input: { email?: string; isAdmin?: boolean } = {}): Promise<User> {
  seedCounter += 1;
  return createUser(db, {
    email: input.email ?? `user-${seedCounter}-${randomBytes(4).toString('hex')}@example.com`,
    passwordHash: null,
    isAdmin: input.isAdmin ?? false,
  });
}

/**
 * Inserts a file and a task for it (status `queued`, stage `upload`, 0 attempts unless told otherwise).
 * The status is written as is, without the timestamps a transition would stamp (use `transitionTask`
 * for those).
 */
export async function seedTask(
  db: Db,
  input: { userId: string; status?: TaskStatus; stage?: TaskStage; originalName?: string; attempts?: number },
): Promise<{ file: FileRow; task: Task }> {
  seedCounter += 1;
  const file = await createFile(db, {
    user_id: input.userId,
    storage_key: `uploads/${input.userId}/${seedCounter}-${randomBytes(4).toString('hex')}`,
    original_name: input.originalName ?? `document-${seedCounter}.pdf`,
    declared_content_type: 'application/pdf',
    detected_content_type: 'application/pdf',
    size_bytes: 1024,
    pages: 1,
  });
  let task = await createTask(db, {
    userId: input.userId,
    fileId: file.id,
    status: input.status ?? 'queued',
    stage: input.stage ?? 'upload',
  });
  if (input.attempts !== undefined)
    task = await db
      .updateTable('tasks')
      .set({ attempts: input.attempts })
      .where('id', '=', task.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  return { file, task };
}

/**
 * The usual lifecycle of a test file's database: created once (migrated), emptied before each test,
 * disposed of at the end. Call it inside the `describe` of a backend; the returned handle stands for
 * the database created in `beforeAll`.
 */
export function useDatabase(create: () => Promise<DatabaseHandle>): DatabaseHandle {
  let current: DatabaseHandle | undefined;
  beforeAll(async () => {
    current = await create();
  });
  beforeEach(async () => {
    await truncateAll(current!.db);
  });
  afterAll(async () => {
    await current?.close();
  });
  return new Proxy({} as DatabaseHandle, {
    get: (_target, property) => {
      if (!current)
        throw new Error('The test database is created in beforeAll; use it inside a hook or test');
      return Reflect.get(current, property);
    },
  });
}
