/**
 * Applies pending migrations. Used by every host at start-up, by the `migrate` Lambda function and by
 * the CLI (`database/migrate-cli.ts`, `npm run db:migrate`).
 */
import { Migrator, sql, type Kysely } from 'kysely';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

/**
 * Brings the schema to the latest migration.
 *
 * @returns The names of the migrations applied by this call (empty when already up to date).
 * @throws Error naming the failed migration, with the database error as `cause`.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  // Kysely finds its bookkeeping tables in *any* schema unless told which one; with tests isolated
  // in parallel schemas of one database that would find another test's tables.
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('Database migration failed: the connection has no current schema');

  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: schema,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Database migration ${failed ? `"${failed}" ` : ''}failed: ${reason}`, { cause: error });
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
