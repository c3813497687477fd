import { sql, type UpdateObject } from 'kysely';
import { ValidationError } from '../../lambdas/core/errors.js';
import type { Priority, TaskStage, TaskStatus } from '../../lambdas/core/task.js';
import { ALL_USERS_COUNT_ID, type Database, type Task, type TaskEvent } from '../schema.js';
import { inTransaction, isUuid, type Db } from './shared.js';

/** A task with the metadata of its document, as every list and detail view needs it. */
export type TaskWithFile = Task & {
  original_name: string;
  storage_key: string;
  detected_content_type: string | null;
  declared_content_type: string | null;
  size_bytes: number | null;
  pages: number | null;
};

export interface CreateTaskInput {
  userId: string;
  fileId: string;
  status: TaskStatus;
  stage: TaskStage;
  priority?: Priority;
  source?: 'api' | 'drop';
}

export interface TransitionTaskInput {
  taskId: string;
  /** The states the task may be in for the transition to happen. */
  from: TaskStatus[];
  to: TaskStatus;
  stage?: TaskStage;
  progress?: number;
  /** Stored only when `to` is `failed`; any other transition clears the error. */
  errorCode?: string | null;
  errorMessage?: string | null;
  /** Written to the task event. */
  message?: string;
  /** The task's progress message after the transition; a transition without one clears it. */
  progressMessage?: string;
  executionArn?: string;
  incrementAttempts?: boolean;
  /**
   * Only when the task is on this attempt: a workflow run acts for one attempt, and a run left over
   * from an earlier attempt (a duplicate start, a re-driven task) must not change a newer one.
   */
  attempt?: number;
  /**
   * Only when the task is not waiting for Textract capacity (`admission_waits`): a waiting task is
   * `queued` too, but it is the admission loop's to resume, not a new run's to claim.
   */
  notWaiting?: boolean;
}

export interface ListTasksInput {
  /** Undefined lists every user's tasks (admin). */
  userId?: string;
  status?: TaskStatus;
  /** Full-text query over the recognized text (`websearch_to_tsquery` syntax). */
  q?: string;
  limit: number;
  cursor?: string;
  /** `true` lists only soft-deleted tasks; otherwise only live ones. */
  deleted?: boolean;
}

export interface TaskStats {
  total: number;
  awaiting_upload: number;
  queued: number;
  processing: number;
  completed: number;
  failed: number;
  deleted: number;
}

export interface ThroughputBucket {
  bucketStart: Date;
  completed: number;
  failed: number;
}

/** Protects the database from a chart asking for a million buckets. */
const MAX_THROUGHPUT_BUCKETS = 10_000;

function selectTasksWithFile(db: Db) {
  return db
    .selectFrom('tasks')
    .innerJoin('files', 'files.id', 'tasks.file_id')
    .selectAll('tasks')
    .select([
      'files.original_name',
      'files.storage_key',
      'files.detected_content_type',
      'files.declared_content_type',
      'files.size_bytes',
      'files.pages',
    ]);
}

/**
 * Creates a task and its first event (from no status to `status`).
 */
export async function createTask(db: Db, input: CreateTaskInput): Promise<Task> {
  return inTransaction(db, async (trx) => {
    const task = await trx
      .insertInto('tasks')
      .values({
        user_id: input.userId,
        file_id: input.fileId,
        status: input.status,
        stage: input.stage,
        priority: input.priority ?? 'normal',
        source: input.source ?? 'api',
        ...(input.status === 'queued' ? { queued_at: sql<Date>`now()` } : {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('task_events')
      .values({
        task_id: task.id,
        user_id: task.user_id,
        from_status: null,
        to_status: task.status,
        stage: task.stage,
        message: null,
      })
      .execute();
    return task;
  });
}

/** Finds a task of any user, deleted or not (workflow steps and admins use this). */
export async function findTaskById(db: Db, taskId: string): Promise<TaskWithFile | undefined> {
  if (!isUuid(taskId)) return undefined;
  return selectTasksWithFile(db).where('tasks.id', '=', taskId).executeTakeFirst();
}

/**
 * Finds a task owned by `userId`; soft-deleted tasks only with `includeDeleted`. Ids come straight
 * from URLs, so a malformed one simply finds nothing.
 */
export async function findTaskForUser(
  db: Db,
  input: { taskId: string; userId: string; includeDeleted?: boolean },
): Promise<TaskWithFile | undefined> {
  if (!isUuid(input.taskId) || !isUuid(input.userId)) return undefined;
  let query = selectTasksWithFile(db)
    .where('tasks.id', '=', input.taskId)
    .where('tasks.user_id', '=', input.userId);
  if (!input.includeDeleted) query = query.where('tasks.deleted_at', 'is', null);
  return query.executeTakeFirst();
}

/** Finds the task of the document stored under `storageKey` (upload notifications know only that). */
export async function findTaskByStorageKey(db: Db, storageKey: string): Promise<TaskWithFile | undefined> {
  return selectTasksWithFile(db)
    .where('files.storage_key', '=', storageKey)
    .orderBy('tasks.created_at', 'desc')
    .orderBy('tasks.id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Moves a task from one of the `from` states to `to` and records the event, atomically. The update
 * is conditional on the current status, so a step that runs twice (retries, redelivery) changes
 * nothing the second time.
 *
 * @returns The updated task, or `undefined` (and no event) when the task is missing or not in a
 *   `from` state.
 */
export async function transitionTask(db: Db, input: TransitionTaskInput): Promise<Task | undefined> {
  if (!isUuid(input.taskId) || input.from.length === 0) return undefined;
  const now = sql<Date>`now()`;
  const patch: UpdateObject<Database, 'tasks'> = { status: input.to, updated_at: now };
  if (input.stage !== undefined) patch.stage = input.stage;
  if (input.progress !== undefined) patch.progress = input.progress;
  patch.progress_message = input.progressMessage ?? null;
  if (input.executionArn !== undefined) patch.execution_arn = input.executionArn;
  if (input.to === 'failed') {
    if (input.errorCode !== undefined) patch.error_code = input.errorCode;
    if (input.errorMessage !== undefined) patch.error_message = input.errorMessage;
  } else {
    patch.error_code = null;
    patch.error_message = null;
  }
  if (input.to === 'queued') patch.queued_at = now;
  if (input.to === 'processing') patch.started_at = now;
  if (input.to === 'completed' || input.to === 'failed') patch.completed_at = now;
  // A retried task is not finished any more; a stale completed_at would count it twice in throughput.
  else patch.completed_at = null;

  // One statement (lock, update, event) instead of a five-round-trip transaction: transitions sit on
  // every document's critical path. The locking subquery is the documented way to read the old
  // status in an UPDATE: the row is locked first, and the `status IN (from)` guard is re-checked on
  // the latest row version if another transaction changed it meanwhile, so `from_status` is exact.
  const row = await db
    .with('old', (qb) =>
      qb
        .selectFrom('tasks')
        .select(['id', 'status'])
        .where('id', '=', input.taskId)
        .where('status', 'in', input.from)
        .$if(input.attempt !== undefined, (qb) => qb.where('attempts', '=', input.attempt!))
        .$if(input.notWaiting === true, (qb) =>
          qb.where(sql<boolean>`NOT EXISTS (SELECT 1 FROM admission_waits w WHERE w.task_id = tasks.id)`),
        )
        .forUpdate(),
    )
    .with('upd', (qb) =>
      qb
        .updateTable('tasks')
        .set((eb) => (input.incrementAttempts ? { ...patch, attempts: eb('tasks.attempts', '+', 1) } : patch))
        .from('old')
        .whereRef('tasks.id', '=', 'old.id')
        .returningAll('tasks')
        .returning('old.status as from_status'),
    )
    .with('ev', (qb) =>
      qb
        .insertInto('task_events')
        .columns(['task_id', 'user_id', 'from_status', 'to_status', 'stage', 'message'])
        .expression((eb) =>
          eb
            .selectFrom('upd')
            .select([
              'upd.id',
              'upd.user_id',
              'upd.from_status',
              'upd.status',
              'upd.stage',
              sql<string | null>`${input.message ?? null}::text`.as('message'),
            ]),
        ),
    )
    .selectFrom('upd')
    .selectAll()
    .executeTakeFirst();
  if (!row) return undefined;
  const { from_status: _from, ...task } = row;
  return task as Task;
}

/**
 * Reports progress of a running task. No event row: progress is chatty and only worth a NOTIFY.
 *
 * @returns The task, or `undefined` when it is not (or no longer) processing.
 */
export async function updateTaskProgress(
  db: Db,
  input: {
    taskId: string;
    stage: TaskStage;
    progress: number;
    /** The task's progress message; left out, it is cleared. */
    message?: string;
    /** Only when the task is on this attempt (a job of an earlier attempt must not report). */
    attempt?: number;
    /** Only when this does not lower the progress: a late report never moves it back. */
    forwardOnly?: boolean;
  },
): Promise<Task | undefined> {
  if (!isUuid(input.taskId)) return undefined;
  return db
    .updateTable('tasks')
    .set({
      stage: input.stage,
      progress: input.progress,
      progress_message: input.message ?? null,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', input.taskId)
    .where('status', '=', 'processing')
    .$if(input.attempt !== undefined, (qb) => qb.where('attempts', '=', input.attempt!))
    .$if(input.forwardOnly === true, (qb) => qb.where('progress', '<=', input.progress))
    .returningAll()
    .executeTakeFirst();
}

interface CursorPosition {
  /** `created_at` in UTC with microseconds, as PostgreSQL printed it (a JS Date would drop them). */
  createdAt: string;
  id: string;
}

const CURSOR_TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): CursorPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('Invalid cursor');
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw new ValidationError('Invalid cursor');
  const [createdAt, id] = decoded as unknown[];
  if (typeof createdAt !== 'string' || !CURSOR_TIMESTAMP_PATTERN.test(createdAt) || !isUuid(id)) {
    throw new ValidationError('Invalid cursor');
  }
  return { createdAt, id };
}

/**
 * Lists tasks newest first, one page at a time. Keyset pagination on (created_at, id): pages stay
 * stable while tasks are added, and ties in created_at are broken by id so nothing is skipped.
 *
 * @throws ValidationError on a malformed cursor or limit.
 */
export async function listTasks(
  db: Db,
  input: ListTasksInput,
): Promise<{ items: TaskWithFile[]; nextCursor: string | null }> {
  if (!Number.isInteger(input.limit) || input.limit < 1) {
    throw new ValidationError('limit must be a positive integer');
  }
  // A malformed cursor is the caller's mistake whoever asks (listTasksQuery decodes it again).
  if (input.cursor !== undefined) decodeCursor(input.cursor);
  if (input.userId !== undefined && !isUuid(input.userId)) return { items: [], nextCursor: null };
  const rows = await listTasksQuery(db, input).execute();

  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > input.limit && last
      ? encodeCursor({ createdAt: last.cursor_created_at, id: last.id })
      : null;
  const items = page.map(({ cursor_created_at: _cursor, ...task }) => task);
  return { items, nextCursor };
}

/**
 * The query behind {@link listTasks}: one page plus one row (to know whether another page follows),
 * newest first. Exported for the plan tests, which check that every variant walks an index.
 */
export function listTasksQuery(db: Db, input: ListTasksInput) {
  const after = input.cursor !== undefined ? decodeCursor(input.cursor) : undefined;
  let query = selectTasksWithFile(db).select(
    sql<string>`to_char(tasks.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(
      'cursor_created_at',
    ),
  );
  if (input.userId !== undefined) query = query.where('tasks.user_id', '=', input.userId);
  query = input.deleted
    ? query.where('tasks.deleted_at', 'is not', null)
    : query.where('tasks.deleted_at', 'is', null);
  if (input.status !== undefined) query = query.where('tasks.status', '=', input.status);
  const q = input.q?.trim();
  if (q) {
    query = query
      .innerJoin('results', 'results.task_id', 'tasks.id')
      .where(sql<boolean>`results.search @@ websearch_to_tsquery('simple', ${q})`);
  }
  if (after) {
    query = query.where(
      sql<boolean>`(tasks.created_at, tasks.id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`,
    );
  }
  return query
    .orderBy('tasks.created_at', 'desc')
    .orderBy('tasks.id', 'desc')
    .limit(input.limit + 1);
}

/**
 * Counts tasks by status, read from the kept counts (a trigger maintains them; see
 * {@link recomputeTaskCounts}), so it costs the same at ten tasks and at ten million. `total` and the
 * per-status counts cover live tasks; `deleted` counts the soft-deleted ones. Without `userId`, all users.
 */
export async function taskStats(db: Db, input: { userId?: string }): Promise<TaskStats> {
  const stats: TaskStats = {
    total: 0,
    awaiting_upload: 0,
    queued: 0,
    processing: 0,
    completed: 0,
    failed: 0,
    deleted: 0,
  };
  if (input.userId !== undefined && !isUuid(input.userId)) return stats;
  const rows = await db
    .selectFrom('task_counts')
    .select(['status', 'deleted', 'n'])
    .where('user_id', '=', input.userId ?? ALL_USERS_COUNT_ID)
    .execute();
  for (const row of rows) {
    const n = Number(row.n);
    if (row.deleted) stats.deleted += n;
    else {
      stats.total += n;
      if (row.status in stats) stats[row.status as Exclude<keyof TaskStats, 'total' | 'deleted'>] += n;
    }
  }
  return stats;
}

/**
 * Recomputes the kept counts from the tasks themselves, under a lock that holds writers back for the
 * count (readers go on): the repair path for counts that drifted (a bulk load with triggers off, a
 * bug). Costs a scan of `tasks`, so the janitor runs it once a day.
 *
 * @returns How many counts were wrong (0 when nothing had drifted).
 */
export async function recomputeTaskCounts(db: Db): Promise<number> {
  return inTransaction(db, async (trx) => {
    await sql`LOCK TABLE tasks IN SHARE MODE`.execute(trx);
    const { rows } = await sql<{ wrong: number }>`
      WITH actual AS (
        SELECT user_id, status, deleted_at IS NOT NULL AS deleted, count(*)::bigint AS n FROM tasks GROUP BY 1, 2, 3
        UNION ALL
        SELECT ${ALL_USERS_COUNT_ID}::uuid, status, deleted_at IS NOT NULL, count(*)::bigint FROM tasks GROUP BY 2, 3
      )
      SELECT count(*)::int AS wrong
      FROM actual FULL JOIN task_counts kept USING (user_id, status, deleted)
      WHERE coalesce(actual.n, 0) <> coalesce(kept.n, 0)`.execute(trx);
    const wrong = Number(rows[0]?.wrong ?? 0);
    if (wrong > 0) {
      await sql`DELETE FROM task_counts`.execute(trx);
      await sql`
        INSERT INTO task_counts (user_id, status, deleted, n)
        SELECT user_id, status, deleted_at IS NOT NULL, count(*) FROM tasks GROUP BY 1, 2, 3
        UNION ALL
        SELECT ${ALL_USERS_COUNT_ID}::uuid, status, deleted_at IS NOT NULL, count(*) FROM tasks GROUP BY 2, 3`.execute(
        trx,
      );
    }
    return wrong;
  });
}

/**
 * Soft-deletes a user's task.
 *
 * @returns The task, or `undefined` when it does not exist, is not theirs or is already deleted.
 */
export async function softDeleteTask(
  db: Db,
  input: { taskId: string; userId: string },
): Promise<Task | undefined> {
  if (!isUuid(input.taskId) || !isUuid(input.userId)) return undefined;
  return db
    .updateTable('tasks')
    .set({ deleted_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('id', '=', input.taskId)
    .where('user_id', '=', input.userId)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Restores a user's task deleted at or after `deletedSince` (the restore window).
 *
 * @returns The task, or `undefined` when it is not theirs, not deleted or deleted too long ago.
 */
export async function restoreTask(
  db: Db,
  input: { taskId: string; userId: string; deletedSince: Date },
): Promise<Task | undefined> {
  if (!isUuid(input.taskId) || !isUuid(input.userId)) return undefined;
  return db
    .updateTable('tasks')
    .set({ deleted_at: null, updated_at: sql<Date>`now()` })
    .where('id', '=', input.taskId)
    .where('user_id', '=', input.userId)
    .where('deleted_at', '>=', input.deletedSince)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Tasks in one of `statuses` (deleted or not: deletion does not stop processing), least recently
 * updated first; with `updatedBefore`, only those untouched since then. For recovery after a
 * restart and for the janitor.
 */
export async function findTasksInStatus(
  db: Db,
  input: {
    statuses: TaskStatus[];
    updatedBefore?: Date;
    limit?: number;
    /** Leaves out tasks waiting for Textract capacity: waiting is not being stuck. */
    excludeWaiting?: boolean;
  },
): Promise<TaskWithFile[]> {
  if (input.statuses.length === 0) return [];
  let query = selectTasksWithFile(db).where('tasks.status', 'in', input.statuses);
  if (input.updatedBefore !== undefined) query = query.where('tasks.updated_at', '<', input.updatedBefore);
  if (input.excludeWaiting)
    query = query.where(
      sql<boolean>`NOT EXISTS (SELECT 1 FROM admission_waits w WHERE w.task_id = tasks.id)`,
    );
  return query
    .orderBy('tasks.updated_at', 'asc')
    .orderBy('tasks.id', 'asc')
    .limit(input.limit ?? 1000)
    .execute();
}

/** A task's history, oldest first. */
export async function listTaskEvents(db: Db, taskId: string): Promise<TaskEvent[]> {
  if (!isUuid(taskId)) return [];
  return (
    db
      .selectFrom('task_events')
      // Explicit columns: the `seq` tie-breaker is not part of the TaskEvent type.
      .select(['id', 'task_id', 'user_id', 'from_status', 'to_status', 'stage', 'message', 'created_at'])
      .where('task_id', '=', taskId)
      .orderBy('created_at', 'asc')
      // Equal timestamps happen (PGlite's clock has millisecond resolution); seq is insertion order.
      .orderBy('seq', 'asc')
      .execute()
  );
}

/** The throughput query, exported so a test can check its plan. */
export function taskThroughputQuery(input: { since: Date; bucketSeconds: number }) {
  const { since, bucketSeconds } = input;
  return sql<{ bucket_start: Date; completed: number; failed: number }>`
    WITH buckets AS (
      SELECT generate_series(
        floor(extract(epoch FROM ${since}::timestamptz) / ${bucketSeconds}::integer) * ${bucketSeconds}::integer,
        extract(epoch FROM now()),
        ${bucketSeconds}::integer
      ) AS epoch
    ),
    counts AS (
      SELECT
        floor(extract(epoch FROM completed_at) / ${bucketSeconds}::integer) * ${bucketSeconds}::integer AS epoch,
        count(*) FILTER (WHERE status = 'completed') AS completed,
        count(*) FILTER (WHERE status = 'failed') AS failed
      FROM tasks
      WHERE completed_at >= ${since}::timestamptz AND status IN ('completed', 'failed')
      GROUP BY 1
    )
    SELECT
      to_timestamp(buckets.epoch::double precision) AS bucket_start,
      coalesce(counts.completed, 0) AS completed,
      coalesce(counts.failed, 0) AS failed
    FROM buckets
    LEFT JOIN counts ON counts.epoch = buckets.epoch
    ORDER BY buckets.epoch
  `;
}

/**
 * Finished tasks per time bucket from `since` until now, by `completed_at`. Buckets are aligned to
 * the Unix epoch and every bucket is present, empty ones with zeros, so a chart needs no gap filling.
 *
 * @throws ValidationError when `bucketSeconds` is not a positive integer or there would be too many buckets.
 */
export async function taskThroughput(
  db: Db,
  input: { since: Date; bucketSeconds: number },
): Promise<ThroughputBucket[]> {
  const { since, bucketSeconds } = input;
  if (!Number.isInteger(bucketSeconds) || bucketSeconds < 1) {
    throw new ValidationError('bucketSeconds must be a positive integer');
  }
  if (Number.isNaN(since.getTime())) throw new ValidationError('since must be a valid date');
  if ((Date.now() - since.getTime()) / 1000 / bucketSeconds > MAX_THROUGHPUT_BUCKETS) {
    throw new ValidationError(`At most ${MAX_THROUGHPUT_BUCKETS} buckets can be requested`);
  }

  const { rows } = await taskThroughputQuery(input).execute(db);
  return rows.map((row) => ({ bucketStart: row.bucket_start, completed: row.completed, failed: row.failed }));
}

/** The subset of `taskIds` that belongs to `userId` (malformed ids simply match nothing). */
export async function findOwnedTaskIds(db: Db, userId: string, taskIds: string[]): Promise<string[]> {
  const wanted = taskIds.filter(isUuid);
  if (wanted.length === 0 || !isUuid(userId)) return [];
  const rows = await db
    .selectFrom('tasks')
    .select('id')
    .where('user_id', '=', userId)
    .where('id', 'in', wanted)
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Deletes up to `limit` tasks soft-deleted before `deletedBefore` (results, events and text jobs
 * cascade), then their file rows unless another task still points at one.
 *
 * @returns How many tasks were deleted.
 */
export async function purgeDeletedTasks(
  db: Db,
  input: { deletedBefore: Date; limit: number },
): Promise<number> {
  const expired = await db
    .selectFrom('tasks')
    .select(['id', 'file_id'])
    .where('deleted_at', 'is not', null)
    .where('deleted_at', '<', input.deletedBefore)
    .orderBy('deleted_at')
    .limit(input.limit)
    .execute();
  if (expired.length === 0) return 0;
  const result = await db
    .deleteFrom('tasks')
    .where(
      'id',
      'in',
      expired.map((task) => task.id),
    )
    .where('deleted_at', '<', input.deletedBefore)
    .executeTakeFirst();
  await db
    .deleteFrom('files')
    .where(
      'id',
      'in',
      expired.map((task) => task.file_id),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('tasks')
            .select(sql`1`.as('one'))
            .whereRef('tasks.file_id', '=', 'files.id'),
        ),
      ),
    )
    .execute();
  return Number(result.numDeletedRows);
}
