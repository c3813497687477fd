/**
 * Deploy-time wiring of the database to the Lambda function that announces changes made outside
 * untxt (AWS only; the local host LISTENs instead). The task-change trigger invokes the function
 * named by the database setting `untxt.change_function_arn` when the `aws_lambda` extension is
 * installed (migration `2026-12-02T10-00-00-change-function`). The name is a setting rather than
 * part of a migration because it is only known at deploy time and changes when the function is
 * replaced, while migrations are frozen.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The setting the trigger reads; `ALTER DATABASE … SET` gives it to every new session. */
export const CHANGE_FUNCTION_SETTING = 'untxt.change_function_arn';

/**
 * A Lambda function ARN, optionally with a version or alias, and nothing else: the value is written
 * into SQL as a literal (`ALTER DATABASE … SET` takes no bind parameters).
 */
const LAMBDA_FUNCTION_ARN =
  /^arn:aws(-[a-z]+)*:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/;

/** What {@link configureChangeFunction} found and did. */
export interface ChangeFunctionSetup {
  /** The database whose sessions now name the function. */
  database: string;
  /** `aws_lambda` is installed (RDS); without it the trigger only NOTIFYs. */
  extensionInstalled: boolean;
}

/**
 * Names `functionArn` as the change function of the current database and installs `aws_lambda`
 * (with `aws_commons`) where the server offers it. Idempotent; run after every migration. Needs the
 * database owner (the RDS master user) for `ALTER DATABASE`, and `rds_superuser` for the extension.
 *
 * The setting reaches *new* sessions only: a session opened before it keeps the old value until it
 * reconnects. untxt's own sessions never invoke, so only long-lived outside sessions notice.
 *
 * @param db - A connection to the database to configure.
 * @param functionArn - The function's ARN (validated here too, not only by the caller's schema).
 * @returns The database name and whether the extension is installed.
 * @throws Error when `functionArn` is not a Lambda function ARN, before anything is changed.
 */
export async function configureChangeFunction(
  db: Kysely<Database>,
  functionArn: string,
): Promise<ChangeFunctionSetup> {
  if (!LAMBDA_FUNCTION_ARN.test(functionArn)) {
    throw new Error(`Not a Lambda function ARN: ${JSON.stringify(functionArn)}`);
  }
  const available = await sql`
    SELECT 1 FROM pg_available_extensions WHERE name = 'aws_lambda'
  `.execute(db);
  if (available.rows.length > 0) await sql`CREATE EXTENSION IF NOT EXISTS aws_lambda CASCADE`.execute(db);
  const installed = await sql`SELECT 1 FROM pg_extension WHERE extname = 'aws_lambda'`.execute(db);

  const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(db);
  const database = rows[0]!.name;
  // Identifier and literal are quoted by Kysely (double quotes, doubled single quotes), and the ARN
  // was checked above: neither can end the statement early.
  await sql`ALTER DATABASE ${sql.id(database)} SET ${sql.raw(CHANGE_FUNCTION_SETTING)} = ${sql.lit(functionArn)}`.execute(
    db,
  );
  return { database, extensionInstalled: installed.rows.length > 0 };
}
