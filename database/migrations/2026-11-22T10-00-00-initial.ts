/**
 * Initial schema. Frozen in time: imports only from `kysely`, never from the app, so that later changes
 * to the app's types or constants can never change what this migration does.
 *
 * Runs on PostgreSQL 15–18 and on PGlite; `gen_random_uuid()` is core since PostgreSQL 13.
 */
import { sql, type Kysely } from 'kysely';

const TASK_STATUSES = `'awaiting_upload', 'queued', 'processing', 'completed', 'failed'`;
const TASK_STAGES = `'upload', 'download', 'recognize', 'write', 'done'`;
const PRIORITIES = `'low', 'normal', 'high'`;
const SOURCES = `'api', 'drop'`;

/** Creates the six tables, their indexes and the task-change notification trigger. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    // Locally registered users get a generated id; Cognito users bring their `sub`.
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('email', 'text', (col) => col.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('is_admin', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz')
    .addUniqueConstraint('users_email_unique', ['email'])
    // Uniqueness is case-insensitive only because the app stores emails lower-cased; enforce that.
    .addCheckConstraint('users_email_lower_case', sql`email = lower(email)`)
    .execute();

  await db.schema
    .createTable('files')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('storage_key', 'text', (col) => col.notNull())
    .addColumn('original_name', 'text', (col) => col.notNull())
    .addColumn('declared_content_type', 'text')
    .addColumn('detected_content_type', 'text')
    .addColumn('size_bytes', 'bigint', (col) => col.check(sql`size_bytes >= 0`))
    .addColumn('pages', 'integer', (col) => col.check(sql`pages >= 0`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('files_storage_key_unique', ['storage_key'])
    .execute();
  await db.schema.createIndex('files_user_id_idx').on('files').column('user_id').execute();

  await db.schema
    .createTable('tasks')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('file_id', 'uuid', (col) => col.notNull().references('files.id').onDelete('cascade'))
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('stage', 'text', (col) => col.notNull())
    .addColumn('progress', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('priority', 'text', (col) => col.notNull().defaultTo('normal'))
    .addColumn('source', 'text', (col) => col.notNull().defaultTo('api'))
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('execution_arn', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('queued_at', 'timestamptz')
    .addColumn('started_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('deleted_at', 'timestamptz')
    .addCheckConstraint('tasks_status_check', sql.raw(`status IN (${TASK_STATUSES})`))
    .addCheckConstraint('tasks_stage_check', sql.raw(`stage IN (${TASK_STAGES})`))
    .addCheckConstraint('tasks_priority_check', sql.raw(`priority IN (${PRIORITIES})`))
    .addCheckConstraint('tasks_source_check', sql.raw(`source IN (${SOURCES})`))
    .addCheckConstraint('tasks_progress_check', sql`progress BETWEEN 0 AND 100`)
    .addCheckConstraint('tasks_attempts_check', sql`attempts >= 0`)
    .execute();
  // Keyset pagination of one user's list, optionally filtered by status.
  await db.schema
    .createIndex('tasks_user_created_idx')
    .on('tasks')
    .columns(['user_id', 'created_at desc', 'id desc'])
    .execute();
  await db.schema
    .createIndex('tasks_user_status_created_idx')
    .on('tasks')
    .columns(['user_id', 'status', 'created_at desc', 'id desc'])
    .execute();
  // The admin list spans all users.
  await db.schema
    .createIndex('tasks_created_idx')
    .on('tasks')
    .columns(['created_at desc', 'id desc'])
    .execute();
  // Janitor and recovery after restart: "tasks stuck in status X since before T".
  await db.schema
    .createIndex('tasks_status_updated_idx')
    .on('tasks')
    .columns(['status', 'updated_at'])
    .execute();
  await db.schema.createIndex('tasks_file_id_idx').on('tasks').column('file_id').execute();

  await db.schema
    .createTable('results')
    .addColumn('task_id', 'uuid', (col) => col.primaryKey().references('tasks.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('text', 'text', (col) => col.notNull())
    .addColumn('text_key', 'text', (col) => col.notNull())
    .addColumn('html_key', 'text', (col) => col.notNull())
    .addColumn('json_key', 'text', (col) => col.notNull())
    .addColumn('pages', 'integer', (col) => col.notNull())
    .addColumn('words', 'integer', (col) => col.notNull())
    .addColumn('lines', 'integer', (col) => col.notNull())
    .addColumn('confidence', 'double precision', (col) =>
      col.check(sql`confidence IS NULL OR confidence BETWEEN 0 AND 100`),
    )
    .addColumn('processing_ms', 'integer', (col) => col.notNull())
    .addColumn('engine', 'text', (col) => col.notNull())
    // 'simple' rather than a language config: documents are English and German (and more), and
    // stemming with the wrong language is worse than no stemming.
    .addColumn('search', sql`tsvector`, (col) =>
      col
        .notNull()
        .generatedAlwaysAs(sql`to_tsvector('simple', text)`)
        .stored(),
    )
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('results_search_idx').on('results').using('gin').column('search').execute();
  await db.schema.createIndex('results_user_id_idx').on('results').column('user_id').execute();

  await db.schema
    .createTable('task_events')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('task_id', 'uuid', (col) => col.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (col) => col.notNull())
    .addColumn('stage', 'text')
    .addColumn('message', 'text')
    // clock_timestamp(), not now(): now() is frozen at the start of the transaction.
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`clock_timestamp()`))
    // Tie-breaker for events with equal timestamps (PGlite's clock has millisecond resolution and
    // random UUIDs do not sort by time). Deliberately absent from the Kysely types: only ORDER BY uses it.
    .addColumn('seq', 'bigint', (col) => col.notNull().generatedAlwaysAsIdentity())
    .addCheckConstraint(
      'task_events_from_status_check',
      sql.raw(`from_status IS NULL OR from_status IN (${TASK_STATUSES})`),
    )
    .addCheckConstraint('task_events_to_status_check', sql.raw(`to_status IN (${TASK_STATUSES})`))
    .addCheckConstraint('task_events_stage_check', sql.raw(`stage IS NULL OR stage IN (${TASK_STAGES})`))
    .execute();
  await db.schema
    .createIndex('task_events_task_created_idx')
    .on('task_events')
    .columns(['task_id', 'created_at', 'seq'])
    .execute();
  await db.schema.createIndex('task_events_user_id_idx').on('task_events').column('user_id').execute();

  await db.schema
    .createTable('connections')
    // API Gateway connection ids are opaque strings, not UUIDs.
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    // text[] rather than uuid[]: ids come from clients, and a malformed one should match nothing
    // instead of failing the whole subscription.
    .addColumn('task_ids', sql`text[]`)
    .addColumn('connected_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('connections_user_id_idx').on('connections').column('user_id').execute();
  await db.schema.createIndex('connections_last_seen_idx').on('connections').column('last_seen_at').execute();

  // The payload carries everything a notifier needs to fan out without a second query.
  await sql`
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
        'deleted', NEW.deleted_at IS NOT NULL
      )::text);
      RETURN NEW;
    END;
    $$
  `.execute(db);
  await sql`
    CREATE TRIGGER tasks_notify_change
    AFTER INSERT OR UPDATE OF status, stage, progress, deleted_at ON tasks
    FOR EACH ROW EXECUTE FUNCTION untxt_notify_task_change()
  `.execute(db);
}

/** Drops everything {@link up} created. */
export async function down(db: Kysely<unknown>): Promise<void> {
  // Dropping `tasks` drops its trigger; the function goes last because the trigger depends on it.
  for (const table of ['connections', 'task_events', 'results', 'tasks', 'files', 'users']) {
    await db.schema.dropTable(table).ifExists().cascade().execute();
  }
  await sql`DROP FUNCTION IF EXISTS untxt_notify_task_change()`.execute(db);
}
