import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../../database/connect.js';
import { migrateToLatest } from '../../../database/migrate.js';
import { createUser, findUserByEmail } from '../../../database/repositories/index.js';

describe('Function: createDatabase (PGlite data directory)', () => {
  let dataDir: string;
  const opened: DatabaseHandle[] = [];

  beforeEach(async () => {
    dataDir = join(await mkdtemp(join(tmpdir(), 'untxt-db-')), 'data');
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((handle) => handle.close()));
    await rm(join(dataDir, '..'), { recursive: true, force: true });
  });

  async function open(): Promise<DatabaseHandle> {
    const handle = await createDatabase({ dataDir });
    opened.push(handle);
    return handle;
  }

  // Each test initialises a real data directory (several seconds), so each covers a whole scenario.
  it('throws a clear error when another handle already holds the data directory', async () => {
    // Prepare
    const first = await open();

    // Act
    const attempt = createDatabase({ dataDir });

    // Assess
    expect(first.kind).toBe('pglite');
    expect(existsSync(join(dataDir, 'pgdata'))).toBe(true);
    expect(existsSync(join(dataDir, 'pgdata.lock'))).toBe(true);
    await expect(attempt).rejects.toThrow(/Another untxt process is using the data directory .*data\b/);
    await expect(attempt).rejects.toThrow(/Stop that process, or set UNTXT_DATA_DIR/);
  });

  it('releases the lock on close and keeps the data when reopened', async () => {
    // Prepare
    const first = await open();
    await migrateToLatest(first.db);
    await createUser(first.db, { email: 'persist@example.com', passwordHash: 'hash' });

    // Act
    await first.close();
    const lockAfterClose = existsSync(join(dataDir, 'pgdata.lock'));
    const second = await open();
    const applied = await migrateToLatest(second.db);
    const user = await findUserByEmail(second.db, 'persist@example.com');

    // Assess
    expect(lockAfterClose).toBe(false);
    expect(applied).toEqual([]);
    expect(user).toMatchObject({ email: 'persist@example.com', password_hash: 'hash' });
  });
  it('takes over a lock left behind by a process that was killed', async () => {
    // Prepare: the lock directory and owner record a `kill -9` leaves, naming a pid that is gone.
    await mkdir(join(dataDir, 'pgdata.lock'), { recursive: true });
    await writeFile(
      join(dataDir, 'pgdata.owner.json'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname() }),
    );

    // Act
    const handle = await open();

    // Assess
    expect(handle.kind).toBe('pglite');
    await expect(createDatabase({ dataDir })).rejects.toThrow(/Another untxt process/);
  });
});

describe('Function: createDatabase', () => {
  it('throws when neither a URL, a data directory nor in-memory is given', async () => {
    // Prepare
    const options = {};

    // Act
    const attempt = createDatabase(options);

    // Assess
    await expect(attempt).rejects.toThrow(/databaseUrl, a dataDir or inMemory/);
  });
});
