/**
 * Changes made outside untxt reach a Lambda function on RDS too, where nothing can `LISTEN`. The
 * task-change trigger keeps its `pg_notify` as it was and, for a writer whose `application_name` is
 * not `untxt`, also invokes the function named by the database setting `untxt.change_function_arn`
 * through RDS's `aws_lambda` extension, asynchronously (`'Event'`: the writer waits for Lambda to
 * accept the event, never for the push). Where the extension is not installed (PGlite, plain
 * PostgreSQL) or no function is named, the trigger does what it did before. Frozen in time: imports
 * only kysely.
 *
 * - **SECURITY DEFINER.** The trigger runs as the function's owner (the master user that migrates),
 *   so a writer with its own database role still reaches Lambda without being granted the
 *   `aws_lambda` schema. Trigger functions cannot be called directly, so this lends nobody a way to
 *   invoke Lambda with a payload of their choosing; `search_path` is pinned so that no writer's
 *   objects can stand in for the catalog functions the body calls.
 * - **A failed invoke is a warning.** The row is already written; the writer's statement must not
 *   fail because Lambda, the network or the role is missing. Clients re-read state on reconnect.
 * - untxt's own writes skip the second branch before anything else is evaluated: they cost one
 *   comparison more than before.
 */
import { sql, type Kysely } from 'kysely';

/** The change as JSON text: the NOTIFY payload, and the Lambda event (the same text). */
const PAYLOAD = sql.raw(`json_build_object(
      'table', 'tasks',
      'operation', TG_OP,
      'recordId', NEW.id,
      'userId', NEW.user_id,
      'status', NEW.status,
      'stage', NEW.stage,
      'progress', NEW.progress,
      'deleted', NEW.deleted_at IS NOT NULL,
      'origin', coalesce(current_setting('application_name', true), '')
    )::text`);

/** The payload (also the Lambda event) is built once and sent both ways. */
const withLambda = sql`
  CREATE OR REPLACE FUNCTION untxt_notify_task_change() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    payload text;
    change_function text;
  BEGIN
    payload := ${PAYLOAD};
    PERFORM pg_notify('untxt_task_changes', payload);

    IF coalesce(current_setting('application_name', true), '') <> 'untxt' THEN
      change_function := coalesce(current_setting('untxt.change_function_arn', true), '');
      IF change_function <> '' AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'aws_lambda') THEN
        BEGIN
          PERFORM aws_lambda.invoke(
            aws_commons.create_lambda_function_arn(change_function),
            payload::json,
            'Event'
          );
        EXCEPTION WHEN OTHERS THEN
          RAISE WARNING 'untxt: could not invoke % for task %: %', change_function, NEW.id, SQLERRM;
        END;
      END IF;
    END IF;
    RETURN NEW;
  END;
  $$
`;

/** The function as `2026-11-22T13-00-00-change-origin` left it (invoker's rights, NOTIFY only). */
const notifyOnly = sql`
  CREATE OR REPLACE FUNCTION untxt_notify_task_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_notify('untxt_task_changes', ${PAYLOAD});
    RETURN NEW;
  END;
  $$
`;

/**
 * Replaces the trigger function. The `aws_lambda` extension itself is installed at deploy time, where
 * RDS offers it, together with the function's name (`database/change-function.ts`); until then the
 * trigger only NOTIFYs.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await withLambda.execute(db);
}

/**
 * Restores the NOTIFY-only function. The extension stays: it is database-wide, other code may use
 * it, and without the trigger calling it, it does nothing.
 */
export async function down(db: Kysely<unknown>): Promise<void> {
  await notifyOnly.execute(db);
}
