/**
 * One way to open the database for every host: PostgreSQL through `pg` when a URL is given (AWS,
 * CI), otherwise an embedded PGlite (local host, tests).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { PoolConfig } from 'pg';
import lockfile from 'proper-lockfile';
import { APPLICATION_NAME, pgTypes } from './pg-types.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';

export interface CreateDatabaseOptions {
  /** `postgres://…`; when set, PostgreSQL is used and the other options except `searchPath` are ignored. */
  databaseUrl?: string;
  /** Directory for the PGlite data (`${dataDir}/pgdata`) and its lock. */
  dataDir?: string;
  /** PGlite kept in memory only; wins over `dataDir`. */
  inMemory?: boolean;
  /** PostgreSQL only: the connection's `search_path`, so tests can isolate themselves in a schema. */
  searchPath?: string;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: 'pglite' | 'postgres';
  /** Subscribes to a NOTIFY channel; resolves once listening, to a function that unsubscribes. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** Closes the connections (and releases the data-directory lock); safe to call twice. */
  close(): Promise<void>;
}

/**
 * Opens the database described by `options`.
 *
 * @throws Error when no backend is chosen, or when another process holds the PGlite data directory.
 */
export async function createDatabase(options: CreateDatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) return createPostgres(options.databaseUrl, options.searchPath);
  if (options.inMemory) return createPglite(undefined);
  if (options.dataDir) return createPglite(options.dataDir);
  throw new Error('createDatabase needs a databaseUrl, a dataDir or inMemory: true');
}

async function createPostgres(databaseUrl: string, searchPath: string | undefined): Promise<DatabaseHandle> {
  const config: PoolConfig = {
    connectionString: databaseUrl,
    application_name: APPLICATION_NAME,
    types: pgTypes,
    ...(searchPath ? { options: `-c search_path=${escapeOptionValue(searchPath)}` } : {}),
  };
  const pool = new pg.Pool({ ...config, max: 10 });
  // An idle client dropped by the server must not crash the process; the pool replaces it.
  pool.on('error', (error) => console.warn(`untxt: idle PostgreSQL connection failed: ${error.message}`));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const listeners = new Set<pg.Client>();
  let closed = false;

  return {
    db,
    kind: 'postgres',
    // A dedicated client: LISTEN is per session, and pooled sessions come and go.
    async listen(channel, onMessage) {
      const client = new pg.Client(config);
      client.on('error', (error) =>
        console.warn(`untxt: LISTEN ${channel} connection failed: ${error.message}`),
      );
      client.on('notification', (message) => {
        if (message.channel === channel) onMessage(message.payload ?? '');
      });
      await client.connect();
      try {
        await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      listeners.add(client);
      return async () => {
        if (!listeners.delete(client)) return;
        await client.end().catch(() => undefined);
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      const clients = [...listeners];
      listeners.clear();
      await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
      await db.destroy();
    },
  };
}

/** In libpq `options`, spaces separate arguments and backslash escapes them. */
function escapeOptionValue(value: string): string {
  return value.replace(/[\\\s]/g, (character) => `\\${character}`);
}

async function createPglite(dataDir: string | undefined): Promise<DatabaseHandle> {
  let release: (() => Promise<void>) | undefined;
  let pgliteDataDir: string | undefined;
  if (dataDir) {
    const directory = resolve(dataDir);
    await mkdir(directory, { recursive: true });
    release = await lockDataDir(directory);
    pgliteDataDir = join(directory, 'pgdata');
  }

  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      ...(pgliteDataDir ? { dataDir: pgliteDataDir } : {}),
      // Same shapes as the `pg` backend: numbers for int8/numeric (timestamptz is a Date by default).
      parsers: {
        [pgliteTypes.INT8]: (value: string) => Number(value),
        [pgliteTypes.NUMERIC]: (value: string) => Number(value),
      },
    });
    await pglite.exec(`SET application_name = '${APPLICATION_NAME}'`);
  } catch (error) {
    await release?.().catch(() => undefined);
    throw error;
  }

  const dialect = new PGliteDialect({ pglite });
  const db = new Kysely<Database>({ dialect });
  let closed = false;

  return {
    db,
    kind: 'pglite',
    // Through the dialect's mutex so that `LISTEN` never runs inside someone's open transaction.
    async listen(channel, onMessage) {
      const unlisten = await dialect.runExclusive((instance) => instance.listen(channel, onMessage));
      let active = true;
      return async () => {
        if (!active || closed) return;
        active = false;
        await dialect.runExclusive(async () => {
          if (!pglite.closed) await unlisten();
        });
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.destroy();
        // Kysely only destroys a driver it has initialised, i.e. after a first query; a handle
        // closed unused would otherwise leave PGlite open (and the data directory in use).
        await dialect.runExclusive(async (instance) => {
          if (!instance.closed) await instance.close();
        });
      } finally {
        await release?.();
      }
    },
  };
}

/**
 * PGlite is a single-process database: two processes writing one data directory corrupt it. The
 * lock is a directory next to the data, refreshed while held and considered stale after a crash.
 * Its owner's pid is recorded inside it, so a lock left by a killed process (`kill -9`) is taken
 * over at once instead of after the stale period.
 */
async function lockDataDir(directory: string, retried = false): Promise<() => Promise<void>> {
  const lockPath = join(directory, 'pgdata.lock');
  const ownerPath = join(directory, 'pgdata.owner.json');
  try {
    const release = await lockfile.lock(directory, {
      lockfilePath: lockPath,
      stale: 15_000,
      update: 5_000,
      retries: 0,
      // The default throws from a timer and kills the process; losing the lock (e.g. after the
      // machine slept) is worth a loud warning, not a crash of a running server.
      onCompromised: (error) =>
        console.error(`untxt: lost the lock on the data directory ${directory}: ${error.message}`),
    });
    await writeFile(ownerPath, JSON.stringify({ pid: process.pid, host: hostname() }));
    return async () => {
      await rm(ownerPath, { force: true });
      await release();
    };
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ELOCKED') throw error;
    if (!retried && (await ownerIsGone(ownerPath))) {
      await rm(lockPath, { recursive: true, force: true });
      return lockDataDir(directory, true);
    }
    throw new Error(
      `Another untxt process is using the data directory ${directory}. ` +
        'Stop that process, or set UNTXT_DATA_DIR to a different directory.',
      { cause: error },
    );
  }
}

/** True when the lock's recorded owner was a process on this machine that no longer runs. */
async function ownerIsGone(ownerPath: string): Promise<boolean> {
  let owner: { pid?: unknown; host?: unknown };
  try {
    owner = JSON.parse(await readFile(ownerPath, 'utf8')) as typeof owner;
  } catch {
    return false; // no owner recorded yet: the holder may be starting right now
  }
  if (typeof owner.pid !== 'number' || owner.host !== hostname() || owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
