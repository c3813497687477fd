/**
 * Adds the session's `application_name` to task-change notifications. untxt's own connections are
 * named `untxt` and already push `task_update` for their changes, so listeners turn only changes made
 * by anyone else (psql, a BI tool, an admin script) into `db_change` messages. Frozen in time: imports
 * only kysely.
 */
import { sql, type Kysely } from 'kysely';

const notifyFunction = (withOrigin: boolean) => sql`
  CREATE OR REPLACE FUNCTION untxt_notify_task_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_notify('untxt_task_changes', json_build_object(
      'table', 'tasks',
      'operation', TG_OP,
      'recordId', NEW.id,
      'userId', NEW.user_id,
      'status', NEW.status,
      'stage', NEW.stage,
      'progress', NEW.progress,
      'deleted', NEW.deleted_at IS NOT NULL${withOrigin ? sql.raw(",\n      'origin', coalesce(current_setting('application_name', true), '')") : sql.raw('')}
    )::text);
    RETURN NEW;
  END;
  $$
`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await notifyFunction(true).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await notifyFunction(false).execute(db);
}
