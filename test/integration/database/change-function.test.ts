/**
 * `configureChangeFunction` on PGlite only: `ALTER DATABASE` would change the shared test server's
 * database for every other test run using it, and neither backend has the `aws_lambda` extension.
 */
import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configureChangeFunction } from '../../../database/change-function.js';
import type { DatabaseHandle } from '../../../database/connect.js';
import type { Database } from '../../../database/schema.js';
import { createPgliteDatabase } from '../../helpers/databases.js';

const ARN = 'arn:aws:lambda:eu-central-1:123456789012:function:untxt-dev-db-change';

/** The settings `ALTER DATABASE … SET` gave the current database. */
async function databaseSettings(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ setconfig: string[] | null }>`
    SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
    WHERE d.datname = current_database() AND s.setrole = 0
  `.execute(db);
  return rows.flatMap((row) => row.setconfig ?? []);
}

describe('Backend: pglite', () => {
  let handle: DatabaseHandle;

  beforeEach(async () => {
    handle = await createPgliteDatabase();
  });

  afterEach(async () => {
    await handle?.close();
  });

  describe('Function: configureChangeFunction', () => {
    it('names the function for the current database, and reports that the server has no aws_lambda', async () => {
      // Prepare: a migrated database

      // Act
      const setup = await configureChangeFunction(handle.db, ARN);

      // Assess
      expect(setup).toEqual({ database: 'postgres', extensionInstalled: false });
      expect(await databaseSettings(handle.db)).toEqual([`untxt.change_function_arn=${ARN}`]);
    });

    it('replaces the function named before when run again with a version-qualified ARN', async () => {
      // Prepare
      await configureChangeFunction(handle.db, ARN);

      // Act
      await configureChangeFunction(handle.db, `${ARN}:live`);

      // Assess
      expect(await databaseSettings(handle.db)).toEqual([`untxt.change_function_arn=${ARN}:live`]);
    });

    it.each([
      `${ARN}'; DROP TABLE tasks; --`,
      'untxt-dev-db-change',
      'arn:aws:sns:eu-central-1:123456789012:untxt-topic',
      '',
    ])('refuses %j before changing anything', async (functionArn) => {
      // Prepare: a migrated database without settings

      // Act
      const configure = configureChangeFunction(handle.db, functionArn);

      // Assess
      await expect(configure).rejects.toThrow('Not a Lambda function ARN');
      expect(await databaseSettings(handle.db)).toEqual([]);
    });
  });
});
