/**
 * `npm run db:migrate` (`tsx database/migrate-cli.ts`): applies the migrations to `DATABASE_URL`, else
 * to PGlite in `UNTXT_DATA_DIR` (default `.untxt`). Apart from `migrate.ts` so that the `migrate`
 * Lambda bundle, which imports `migrateToLatest`, does not carry PGlite (half a megabyte).
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createDatabase } from './connect.js';
import { migrateToLatest } from './migrate.js';

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
