/**
 * Asynchronous Textract jobs and the Step Functions task token each one answers. Frozen in time:
 * imports only from `kysely`.
 */
import { sql, type Kysely } from 'kysely';

const JOB_STATUSES = `'IN_PROGRESS', 'SUCCEEDED', 'PARTIAL_SUCCESS', 'FAILED', 'ERROR'`;

/** Creates `text_jobs`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('text_jobs')
    // Textract's JobId: the completion notification knows only this (and the JobTag).
    .addColumn('job_id', 'text', (col) => col.primaryKey())
    .addColumn('task_id', 'uuid', (col) => col.notNull().references('tasks.id').onDelete('cascade'))
    // Null until the starting side stored them: the completion can arrive first.
    .addColumn('attempt', 'integer', (col) => col.check(sql`attempt >= 1`))
    .addColumn('task_token', 'text')
    .addColumn('input', 'jsonb')
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('IN_PROGRESS'))
    .addColumn('status_message', 'text')
    // Set by whichever side sends SendTaskSuccess/Failure, so exactly one does.
    .addColumn('callback_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .addCheckConstraint('text_jobs_status_check', sql.raw(`status IN (${JOB_STATUSES})`))
    .execute();
  await db.schema.createIndex('text_jobs_task_id_idx').on('text_jobs').column('task_id').execute();
}

/** Drops `text_jobs`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('text_jobs').ifExists().execute();
}
