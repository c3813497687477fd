/**
 * Applies pending migrations. Used by every host at start-up and as a CLI:
 * `tsx database/migrate.ts` (reads `DATABASE_URL`, else `UNTXT_DATA_DIR`, default `.untxt`).
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Migrator, sql, type Kysely } from 'kysely';
import { createDatabase } from './connect.js';
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

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  const dataDir = process.env.UNTXT_DATA_DIR || '.untxt';
  const handle = await createDatabase(databaseUrl ? { databaseUrl } : { dataDir });
  try {
    const applied = await migrateToLatest(handle.db);
    const target = databaseUrl ? 'PostgreSQL' : `PGlite in ${dataDir}`;
    if (applied.length === 0) console.log(`Database (${target}) is already up to date.`);
    else console.log(`Applied ${applied.length} migration(s) to ${target}:\n  ${applied.join('\n  ')}`);
  } finally {
    await handle.close();
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
