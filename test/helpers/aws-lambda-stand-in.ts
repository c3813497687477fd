/**
 * A stand-in for RDS's `aws_lambda` extension, for a throwaway embedded database: the two functions
 * the task-change trigger calls, with the signatures RDS documents, recording every invocation in
 * `aws_lambda.calls` instead of calling Lambda. The schemas are database-wide, so never install it on
 * a shared server.
 *
 * Installing the functions does not make the extension *installed*: the trigger asks `pg_extension`.
 * {@link registerAwsLambdaExtension} adds that catalog row (superuser catalog DML, which the embedded
 * database allows), so one test can have the functions without the extension and another both.
 */
import type { PGlite } from '@electric-sql/pglite';

/** One recorded `aws_lambda.invoke`. */
export interface RecordedInvoke {
  functionName: string;
  payload: Record<string, unknown>;
  invocationType: string;
}

/**
 * Creates `aws_commons.create_lambda_function_arn` and `aws_lambda.invoke` (the JSON overload that
 * takes the composite ARN). With `fail`, every invoke raises, as an unreachable Lambda API would.
 */
export async function installAwsLambdaStandIn(
  pglite: PGlite,
  options: { fail?: boolean } = {},
): Promise<void> {
  const body = options.fail
    ? `RAISE EXCEPTION 'Lambda is unreachable';`
    : `INSERT INTO aws_lambda.calls VALUES (($1).function_name, $2, $3);`;
  await pglite.exec(`
    CREATE SCHEMA aws_commons;
    CREATE TYPE aws_commons._lambda_function_arn_1 AS (function_name text, region text);
    CREATE FUNCTION aws_commons.create_lambda_function_arn(function_name text, region text DEFAULT NULL)
      RETURNS aws_commons._lambda_function_arn_1
      LANGUAGE sql AS $$ SELECT ROW($1, $2)::aws_commons._lambda_function_arn_1 $$;
    CREATE SCHEMA aws_lambda;
    CREATE TABLE aws_lambda.calls (function_name text, payload json, invocation_type text);
    CREATE FUNCTION aws_lambda.invoke(
      function_name aws_commons._lambda_function_arn_1,
      payload json,
      invocation_type text DEFAULT 'RequestResponse'
    ) RETURNS void
      LANGUAGE plpgsql AS $$ BEGIN ${body} END $$;
  `);
}

/** Makes `aws_lambda` look installed to the trigger (a `pg_extension` row; see the module comment). */
export async function registerAwsLambdaExtension(pglite: PGlite): Promise<void> {
  await pglite.exec(`
    INSERT INTO pg_extension (oid, extname, extowner, extnamespace, extrelocatable, extversion)
    SELECT 999999, 'aws_lambda', 10, oid, false, '1.0' FROM pg_namespace WHERE nspname = 'aws_lambda';
  `);
}

/** Every invocation the stand-in recorded, oldest first. */
export async function recordedInvokes(pglite: PGlite): Promise<RecordedInvoke[]> {
  const { rows } = await pglite.query<{
    function_name: string;
    payload: Record<string, unknown>;
    invocation_type: string;
  }>('SELECT function_name, payload, invocation_type FROM aws_lambda.calls');
  return rows.map((row) => ({
    functionName: row.function_name,
    payload: row.payload,
    invocationType: row.invocation_type,
  }));
}
