/**
 * A Kysely dialect for PGlite. Kysely 0.28 ships none, and the community package pins an incompatible
 * Kysely peer range, so this small one lives here. PGlite speaks PostgreSQL, so the adapter,
 * introspector and query compiler are Kysely's own PostgreSQL ones; only the driver is ours.
 */
import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

export interface PGliteDialectConfig {
  /** A ready (or becoming ready) PGlite instance. The dialect closes it when Kysely is destroyed. */
  pglite: PGlite;
}

/**
 * FIFO mutex. PGlite is one backend with one session, so a Kysely transaction must own it from
 * `BEGIN` to `COMMIT`: any query slipped in between would silently become part of the transaction.
 */
export class ConnectionMutex {
  #locked = false;
  readonly #waiters: Array<() => void> = [];

  /** Resolves once the caller owns the mutex; pair every call with {@link ConnectionMutex.unlock}. */
  async lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Hands the mutex to the next waiter (ownership passes directly, so nobody can cut in). */
  unlock(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#locked = false;
  }

  /** Runs `fn` while owning the mutex. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.lock();
    try {
      return await fn();
    } finally {
      this.unlock();
    }
  }
}

/** Kysely {@link Dialect} backed by a PGlite instance. */
export class PGliteDialect implements Dialect {
  readonly #pglite: PGlite;
  readonly #mutex = new ConnectionMutex();

  constructor(config: PGliteDialectConfig) {
    this.#pglite = config.pglite;
  }

  /**
   * Runs `fn` with exclusive use of the PGlite session, e.g. to issue `LISTEN` through PGlite's own
   * API without landing inside a Kysely transaction that happens to be open.
   */
  runExclusive<T>(fn: (pglite: PGlite) => Promise<T>): Promise<T> {
    return this.#mutex.run(() => fn(this.#pglite));
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#pglite, this.#mutex);
  }

  // Kysely's signature uses `Kysely<any>`; the introspector does not care about the schema type.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
}

/**
 * Holding the mutex from `acquireConnection` to `releaseConnection` is what serializes access:
 * Kysely acquires once per standalone query and once per whole transaction.
 */
export class PGliteDriver implements Driver {
  readonly #pglite: PGlite;
  readonly #mutex: ConnectionMutex;
  readonly #connection: PGliteConnection;
  #destroyed = false;

  constructor(pglite: PGlite, mutex: ConnectionMutex) {
    this.#pglite = pglite;
    this.#mutex = mutex;
    this.#connection = new PGliteConnection(pglite);
  }

  async init(): Promise<void> {
    await this.#pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    if (this.#destroyed) {
      this.#mutex.unlock();
      throw new Error('The PGlite database has been closed');
    }
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let statement = 'begin';
    if (settings.isolationLevel || settings.accessMode) {
      statement = 'start transaction';
      if (settings.isolationLevel) statement += ` isolation level ${settings.isolationLevel}`;
      if (settings.accessMode) statement += ` ${settings.accessMode}`;
    }
    await connection.executeQuery(CompiledQuery.raw(statement));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(
    connection: DatabaseConnection,
    savepointName: string,
    _compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdentifier(savepointName)}`));
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    savepointName: string,
    _compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await connection.executeQuery(
      CompiledQuery.raw(`rollback to savepoint ${quoteIdentifier(savepointName)}`),
    );
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    savepointName: string,
    _compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdentifier(savepointName)}`));
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  async destroy(): Promise<void> {
    // Waiting for the mutex lets an in-flight transaction finish before the instance goes away.
    await this.#mutex.run(async () => {
      if (this.#destroyed) return;
      this.#destroyed = true;
      if (!this.#pglite.closed) await this.#pglite.close();
    });
  }
}

const AFFECTED_ROWS_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.#pglite.query<R>(compiledQuery.sql, [...compiledQuery.parameters], {
      rowMode: 'object',
    });
    const command = result.command?.toUpperCase();
    const affected = result.affectedRows ?? result.rowCount;
    return {
      rows: result.rows,
      ...(command && AFFECTED_ROWS_COMMANDS.has(command) && affected !== undefined
        ? { numAffectedRows: BigInt(affected) }
        : {}),
    };
  }

  // PGlite has no server-side cursors across calls, so streaming degrades to chunking one result.
  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize = 100,
  ): AsyncIterableIterator<QueryResult<R>> {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
      throw new Error('chunkSize must be a positive integer');
    }
    const { rows } = await this.executeQuery<R>(compiledQuery);
    for (let index = 0; index < rows.length; index += chunkSize) {
      yield { rows: rows.slice(index, index + chunkSize) };
    }
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
