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
  /** The `RecognizeAsync` state's input (pipeline `DownloadOutput`): what the hand-off run needs. */
  input: ColumnType<unknown, string | null | undefined, string | null>;
  status: Generated<TextJobStatus>;
  status_message: string | null;
  /** Set by whichever side (start or completion) handed the finished job's task back, so one does. */
  handed_off_at: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  completed_at: NullableTimestamp;
}

export type TextJob = Selectable<TextJobsTable>;

const withJobs = (db: Db) => db.withTables<{ text_jobs: TextJobsTable }>();

/**
 * Records the starting side of a job: its attempt and state input. A restarted state (Retry) gets the
 * same JobId back from Textract (same ClientRequestToken) and records the same again.
 *
 * @returns The job as stored, including any completion recorded before.
 */
export async function saveTextJobStart(
  db: Db,
  input: { jobId: string; taskId: string; attempt: number; input: unknown },
): Promise<TextJob> {
  const values = { attempt: input.attempt, input: JSON.stringify(input.input) };
  return withJobs(db)
    .insertInto('text_jobs')
    .values({ job_id: input.jobId, task_id: input.taskId, ...values })
    .onConflict((conflict) =>
      conflict.column('job_id').doUpdateSet({ ...values, updated_at: sql<Date>`now()` }),
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
 * Claims the hand-off of a job: only for a finished job whose start (input) is recorded and that
 * nobody handed off yet. Whichever side (start or completion) claims first hands off.
 *
 * @returns The claimed job, or `undefined` when there is nothing to hand off (yet) or it was done.
 */
export async function claimTextJobHandOff(db: Db, jobId: string): Promise<TextJob | undefined> {
  return withJobs(db)
    .updateTable('text_jobs')
    .set({ handed_off_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('job_id', '=', jobId)
    .where('handed_off_at', 'is', null)
    .where('status', '!=', 'IN_PROGRESS')
    .where('input', 'is not', null)
    .returningAll()
    .executeTakeFirst();
}

/** Gives a claim back after the hand-off could not be made, so a redelivery can try again. */
export async function releaseTextJobHandOff(db: Db, jobId: string): Promise<void> {
  await withJobs(db)
    .updateTable('text_jobs')
    .set({ handed_off_at: null, updated_at: sql<Date>`now()` })
    .where('job_id', '=', jobId)
    .execute();
}

/** Finds a job by Textract's JobId. */
export async function findTextJob(db: Db, jobId: string): Promise<TextJob | undefined> {
  return withJobs(db).selectFrom('text_jobs').selectAll().where('job_id', '=', jobId).executeTakeFirst();
}
