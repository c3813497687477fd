/**
 * Asynchronous Textract jobs (`text_jobs`). The table's type lives here rather than in `schema.ts`
 * and is added to the database type with `withTables`, so this module stands alone.
 */
import { sql, type ColumnType, type Generated, type Selectable } from 'kysely';
import { isUuid, type Db } from './shared.js';

/** Textract's job states, as its completion notification and `GetDocumentTextDetection` report them. */
export const TEXT_JOB_STATUSES = ['IN_PROGRESS', 'SUCCEEDED', 'PARTIAL_SUCCESS', 'FAILED', 'ERROR'] as const;
export type TextJobStatus = (typeof TEXT_JOB_STATUSES)[number];

type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface TextJobsTable {
  job_id: string;
  task_id: string;
  attempt: number | null;
  task_token: string | null;
  /** The `RecognizeAsync` state's input (pipeline `DownloadOutput`), needed to build its output. */
  input: ColumnType<unknown, string | null | undefined, string | null>;
  status: Generated<TextJobStatus>;
  status_message: string | null;
  callback_at: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  completed_at: NullableTimestamp;
}

export type TextJob = Selectable<TextJobsTable>;

const withJobs = (db: Db) => db.withTables<{ text_jobs: TextJobsTable }>();

/**
 * Records the starting side of a job: its task token and state input. A restarted state (Retry)
 * gets the same JobId back from Textract (same ClientRequestToken) with a new token, so the token
 * is replaced and the callback may be sent again.
 *
 * @returns The job as stored, including any completion recorded before.
 */
export async function saveTextJobStart(
  db: Db,
  input: { jobId: string; taskId: string; attempt: number; taskToken: string; input: unknown },
): Promise<TextJob> {
  const values = {
    task_token: input.taskToken,
    attempt: input.attempt,
    input: JSON.stringify(input.input),
  };
  return withJobs(db)
    .insertInto('text_jobs')
    .values({ job_id: input.jobId, task_id: input.taskId, ...values })
    .onConflict((conflict) =>
      conflict.column('job_id').doUpdateSet({ ...values, callback_at: null, updated_at: sql<Date>`now()` }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Records a job's final status from its completion notification. The notification may arrive before
 * the start was recorded, so this inserts the job when it is unknown.
 *
 * @returns The job as stored, or `undefined` when `taskId` is not a task (a foreign job on the topic).
 */
export async function recordTextJobCompletion(
  db: Db,
  input: { jobId: string; taskId: string; status: TextJobStatus; statusMessage?: string | null },
): Promise<TextJob | undefined> {
  if (!isUuid(input.taskId)) return undefined;
  const task = await db.selectFrom('tasks').select('id').where('id', '=', input.taskId).executeTakeFirst();
  if (!task) return undefined;
  const values = {
    status: input.status,
    status_message: input.statusMessage ?? null,
    completed_at: sql<Date>`now()`,
    updated_at: sql<Date>`now()`,
  };
  return withJobs(db)
    .insertInto('text_jobs')
    .values({ job_id: input.jobId, task_id: input.taskId, ...values })
    .onConflict((conflict) => conflict.column('job_id').doUpdateSet(values))
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Claims the right to answer the job's task token: only for a finished job whose token and input are
 * known and that nobody answered yet. Whichever side (start or completion) claims first answers.
 *
 * @returns The claimed job, or `undefined` when there is nothing to answer (yet) or it was answered.
 */
export async function claimTextJobCallback(db: Db, jobId: string): Promise<TextJob | undefined> {
  return withJobs(db)
    .updateTable('text_jobs')
    .set({ callback_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('job_id', '=', jobId)
    .where('callback_at', 'is', null)
    .where('status', '!=', 'IN_PROGRESS')
    .where('task_token', 'is not', null)
    .where('input', 'is not', null)
    .returningAll()
    .executeTakeFirst();
}

/** Gives a claim back after the callback could not be sent, so a redelivery can try again. */
export async function releaseTextJobCallback(db: Db, jobId: string): Promise<void> {
  await withJobs(db)
    .updateTable('text_jobs')
    .set({ callback_at: null, updated_at: sql<Date>`now()` })
    .where('job_id', '=', jobId)
    .execute();
}

/** Finds a job by Textract's JobId. */
export async function findTextJob(db: Db, jobId: string): Promise<TextJob | undefined> {
  return withJobs(db).selectFrom('text_jobs').selectAll().where('job_id', '=', jobId).executeTakeFirst();
}
