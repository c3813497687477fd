/**
 * Helpers shared by the repositories. Not re-exported from the index except for the `Db` type and
 * `isUuid`, which callers use too.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.js';

/** Anything the repositories can run on: the database itself or an open transaction. */
export type Db = Kysely<Database> | Transaction<Database>;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `value` is a UUID in canonical form. Ids reach the repositories from URLs; checking here
 * keeps PostgreSQL's "invalid input syntax for type uuid" (22P02) from ever surfacing as a 500.
 */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** The SQLSTATE of a database error from either backend (`pg` and PGlite both expose `code`). */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The constraint a database error names, when it names one. */
export function constraintName(error: unknown): string | undefined {
  const constraint = (error as { constraint?: unknown } | null)?.constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}

/**
 * Runs `fn` in a transaction, or directly inside the caller's transaction when `db` already is one
 * (Kysely does not nest transactions).
 */
export async function inTransaction<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<Database>);
  return db.transaction().execute(fn);
}
