/**
 * Admission control's tables: `textract_leases`, `admission_waits`, `admission_kinds` and
 * `admission_pump` (migration `2026-12-06T09-00-00-admission`). Their types live here and are added
 * to the database type with `withTables`, as `text-jobs.ts` does, so this module stands alone.
 *
 * Every decision that hands out capacity runs inside a transaction that first locks the kind's row
 * ({@link lockKind}), so concurrent admitters (Lambda functions, or callers of one PGlite) decide
 * one at a time, and each decision reads the leases in one statement (one snapshot).
 */
import { sql, type ColumnType, type Selectable } from 'kysely';
import type { AdmissionKind, LeaseCounts } from '../../lambdas/core/admission-rules.js';
import type { Db } from './shared.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface TextractLeasesTable {
  id: ColumnType<string, string | undefined, never>;
  kind: AdmissionKind;
  task_id: string;
  attempt: number;
  user_id: string;
  granted_at: Timestamp;
  called_at: NullableTimestamp;
  expires_at: Timestamp;
  released_at: NullableTimestamp;
}

export interface AdmissionWaitsTable {
  task_id: string;
  attempt: number;
  kind: AdmissionKind;
  user_id: string;
  priority: number;
  waiting_since: Timestamp;
  enqueued_at: Timestamp;
  not_before: Timestamp;
  throttles: ColumnType<number, number | undefined, number>;
  lease_id: string | null;
  granted_until: NullableTimestamp;
  /** The workflow state input the admitted run resumes from (pipeline `DownloadOutput`). */
  input: ColumnType<unknown, string, string>;
}

export interface AdmissionKindsTable {
  kind: AdmissionKind;
  throttled_total: ColumnType<string, never, string>;
  last_throttled_at: NullableTimestamp;
}

export interface AdmissionPumpTable {
  id: number;
  owner: string | null;
  lease_until: NullableTimestamp;
}

export type Lease = Selectable<TextractLeasesTable>;
export type AdmissionWait = Selectable<AdmissionWaitsTable>;

type AdmissionTables = {
  textract_leases: TextractLeasesTable;
  admission_waits: AdmissionWaitsTable;
  admission_kinds: AdmissionKindsTable;
  admission_pump: AdmissionPumpTable;
};

const tables = (db: Db) => db.withTables<AdmissionTables>();

const plus = (at: Date, ms: number) => new Date(at.getTime() + ms);

/**
 * Locks the kind's row until the transaction ends and returns the database's clock: every admitter
 * compares against the same clock, whatever the clocks of the machines running it say.
 */
export async function lockKind(trx: Db, kind: AdmissionKind): Promise<Date> {
  const row = await tables(trx)
    .selectFrom('admission_kinds')
    .select(sql<Date>`clock_timestamp()`.as('now'))
    .where('kind', '=', kind)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return new Date(row.now);
}

/** The leases of a kind at `now`, in one statement so that a lease moving from granted to called is counted once. */
export async function countLeases(
  db: Db,
  input: { kind: AdmissionKind; now: Date; rateWindowMs: number },
): Promise<LeaseCounts & { oldestRecentCall: Date | null; earliestGrantExpiry: Date | null }> {
  const windowStart = plus(input.now, -input.rateWindowMs);
  const row = await tables(db)
    .selectFrom('textract_leases')
    .select([
      sql<number>`count(*) FILTER (WHERE released_at IS NULL AND expires_at > ${input.now})::int`.as('held'),
      sql<number>`count(*) FILTER (WHERE called_at > ${windowStart})::int`.as('recent_calls'),
      sql<number>`count(*) FILTER (WHERE called_at IS NULL AND released_at IS NULL AND expires_at > ${input.now})::int`.as(
        'reserved',
      ),
      sql<Date | null>`min(called_at) FILTER (WHERE called_at > ${windowStart})`.as('oldest_recent_call'),
      sql<Date | null>`min(expires_at) FILTER (WHERE called_at IS NULL AND released_at IS NULL AND expires_at > ${input.now})`.as(
        'earliest_grant_expiry',
      ),
    ])
    .where('kind', '=', input.kind)
    .where((eb) =>
      eb.or([
        eb.and([eb('released_at', 'is', null), eb('expires_at', '>', input.now)]),
        eb('called_at', '>', windowStart),
      ]),
    )
    .executeTakeFirstOrThrow();
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  return {
    held: Number(row.held),
    recentCalls: Number(row.recent_calls),
    reserved: Number(row.reserved),
    oldestRecentCall: date(row.oldest_recent_call),
    earliestGrantExpiry: date(row.earliest_grant_expiry),
  };
}

/** Whether any task waits for this kind (new arrivals then queue behind them instead of cutting in). */
export async function hasWaiting(db: Db, kind: AdmissionKind): Promise<boolean> {
  const row = await tables(db)
    .selectFrom('admission_waits')
    .select('task_id')
    .where('kind', '=', kind)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Inserts a lease: `called` for a call made now, otherwise a grant for a run on its way. */
export async function insertLease(
  db: Db,
  input: {
    kind: AdmissionKind;
    taskId: string;
    attempt: number;
    userId: string;
    now: Date;
    ttlMs: number;
    called: boolean;
  },
): Promise<Lease> {
  return tables(db)
    .insertInto('textract_leases')
    .values({
      kind: input.kind,
      task_id: input.taskId,
      attempt: input.attempt,
      user_id: input.userId,
      granted_at: input.now,
      called_at: input.called ? input.now : null,
      expires_at: plus(input.now, input.ttlMs),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Turns a grant into a call, now: only the task's own grant, not called, not released, not expired.
 * The task's wait row goes with it. A grant that ran out returns `undefined` (its capacity was given
 * back; the wait row stays and the task is granted again).
 */
export async function callGrantedLease(
  db: Db,
  input: { leaseId: string; taskId: string; attempt: number; ttlMs: number },
): Promise<Lease | undefined> {
  const lease = await tables(db)
    .updateTable('textract_leases')
    .set({
      called_at: sql<Date>`clock_timestamp()`,
      expires_at: sql<Date>`clock_timestamp() + make_interval(secs => ${input.ttlMs / 1000})`,
    })
    .where('id', '=', input.leaseId)
    .where('task_id', '=', input.taskId)
    .where('attempt', '=', input.attempt)
    .where('called_at', 'is', null)
    .where('released_at', 'is', null)
    .where('expires_at', '>', sql<Date>`clock_timestamp()`)
    .returningAll()
    .executeTakeFirst();
  if (!lease) return undefined;
  await tables(db)
    .deleteFrom('admission_waits')
    .where('task_id', '=', input.taskId)
    .where('lease_id', '=', input.leaseId)
    .execute();
  return lease;
}

/**
 * Moves a call's place in the rate window to now, right before the call is made: the time between
 * claiming a grant and calling (the owner's notification, a busy database) must not let two calls
 * that the window kept apart reach Textract within one second.
 */
export async function markCalledNow(db: Db, leaseId: string): Promise<void> {
  await tables(db)
    .updateTable('textract_leases')
    .set({ called_at: sql<Date>`clock_timestamp()` })
    .where('id', '=', leaseId)
    .where('released_at', 'is', null)
    .execute();
}

/** Releases a lease (once; releasing again changes nothing). A call keeps its place in the rate window. */
export async function releaseLease(db: Db, leaseId: string): Promise<boolean> {
  const result = await tables(db)
    .updateTable('textract_leases')
    .set({ released_at: sql<Date>`clock_timestamp()` })
    .where('id', '=', leaseId)
    .where('released_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Releases every lease a task holds, of one kind or all: its job finished, or the task moved on to a
 * new attempt (whatever the old attempt held died with its run).
 *
 * @returns How many were released.
 */
export async function releaseTaskLeases(
  db: Db,
  input: { taskId: string; kind?: AdmissionKind; beforeAttempt?: number; attempt?: number },
): Promise<number> {
  let query = tables(db)
    .updateTable('textract_leases')
    .set({ released_at: sql<Date>`clock_timestamp()` })
    .where('task_id', '=', input.taskId)
    .where('released_at', 'is', null);
  if (input.kind !== undefined) query = query.where('kind', '=', input.kind);
  if (input.beforeAttempt !== undefined) query = query.where('attempt', '<', input.beforeAttempt);
  if (input.attempt !== undefined) query = query.where('attempt', '=', input.attempt);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Puts a task in the waiting list (or updates its entry). `waitingSince` is kept from the first wait,
 * so that the maximum wait counts across throttling re-waits.
 */
export async function upsertWait(
  db: Db,
  input: {
    taskId: string;
    attempt: number;
    kind: AdmissionKind;
    userId: string;
    priority: number;
    waitingSince: Date;
    now: Date;
    notBefore: Date;
    throttled: boolean;
    input: unknown;
  },
): Promise<AdmissionWait> {
  const values = {
    attempt: input.attempt,
    kind: input.kind,
    user_id: input.userId,
    priority: input.priority,
    enqueued_at: input.now,
    not_before: input.notBefore,
    lease_id: null,
    granted_until: null,
    input: JSON.stringify(input.input),
  };
  return tables(db)
    .insertInto('admission_waits')
    .values({
      task_id: input.taskId,
      waiting_since: input.waitingSince,
      throttles: input.throttled ? 1 : 0,
      ...values,
    })
    .onConflict((conflict) =>
      conflict.column('task_id').doUpdateSet((eb) => ({
        ...values,
        waiting_since: sql<Date>`least(admission_waits.waiting_since, excluded.waiting_since)`,
        throttles: input.throttled
          ? eb('admission_waits.throttles', '+', 1)
          : eb.ref('admission_waits.throttles'),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The next waiting tasks of a kind in fair order, at most `limit`. The order is fair queuing with equal
 * weights: a task's key is its rank among its user's waiting tasks (priority, then age) plus what its
 * user already uses (leases held, and calls made within the rate window), so a user with nothing in
 * flight goes ahead of a heavy user's backlog, and users with backlogs take turns. Calls already
 * returned count too: a sync call ends in a fraction of a second, and counting only the leases still
 * held let a heavy user whose calls had just returned tie with a light user at every round, and win
 * every tie by the age of its backlog. Tasks in backoff or holding a live grant are skipped.
 */
export async function selectFairWaits(
  db: Db,
  input: { kind: AdmissionKind; now: Date; limit: number; rateWindowMs: number },
): Promise<AdmissionWait[]> {
  if (input.limit <= 0) return [];
  const windowStart = plus(input.now, -input.rateWindowMs);
  const result = await sql<AdmissionWait>`
    WITH held AS (
      SELECT user_id, count(*)::int AS n FROM textract_leases
      WHERE kind = ${input.kind}
        AND ((released_at IS NULL AND expires_at > ${input.now}) OR called_at > ${windowStart})
      GROUP BY user_id
    ), eligible AS (
      SELECT w.*, row_number() OVER (
        PARTITION BY w.user_id ORDER BY w.priority DESC, w.enqueued_at, w.task_id
      ) AS user_rank
      FROM admission_waits w
      WHERE w.kind = ${input.kind} AND w.not_before <= ${input.now}
        AND (w.granted_until IS NULL OR w.granted_until <= ${input.now})
    )
    SELECT e.task_id, e.attempt, e.kind, e.user_id, e.priority, e.waiting_since, e.enqueued_at,
      e.not_before, e.throttles, e.lease_id, e.granted_until, e.input
    FROM eligible e LEFT JOIN held h ON h.user_id = e.user_id
    ORDER BY e.user_rank + coalesce(h.n, 0), e.enqueued_at, e.task_id
    LIMIT ${input.limit}
  `.execute(db);
  return result.rows;
}

/** Records the grant made for a waiting task. */
export async function markWaitGranted(
  db: Db,
  input: { taskId: string; leaseId: string; grantedUntil: Date },
): Promise<void> {
  await tables(db)
    .updateTable('admission_waits')
    .set({ lease_id: input.leaseId, granted_until: input.grantedUntil })
    .where('task_id', '=', input.taskId)
    .execute();
}

/**
 * Takes back grants whose runs will never come (their start failed, or every run died with the host
 * that ran it): the leases are released and the tasks become eligible again at once, instead of
 * holding capacity until the grants expire. A run that comes anyway finds its grant void and waits
 * again ({@link callGrantedLease}).
 *
 * @param input.taskId - One task's grant; all grants not yet called when absent.
 * @returns How many grants were voided.
 */
export async function voidGrants(db: Db, input: { taskId?: string } = {}): Promise<number> {
  let leases = tables(db)
    .updateTable('textract_leases')
    .set({ released_at: sql<Date>`clock_timestamp()` })
    .where('called_at', 'is', null)
    .where('released_at', 'is', null);
  if (input.taskId !== undefined) leases = leases.where('task_id', '=', input.taskId);
  const voided = await leases.executeTakeFirst();
  let waits = tables(db)
    .updateTable('admission_waits')
    .set({ lease_id: null, granted_until: null })
    .where('lease_id', 'is not', null);
  if (input.taskId !== undefined) waits = waits.where('task_id', '=', input.taskId);
  await waits.execute();
  return Number(voided.numUpdatedRows);
}

/** What else an admission round needs to know of the waiting list of a kind. */
export async function waitingSummary(
  db: Db,
  input: { kind: AdmissionKind; now: Date },
): Promise<{ waiting: number; earliestNotBefore: Date | null }> {
  const row = await tables(db)
    .selectFrom('admission_waits')
    .select([
      sql<number>`count(*)::int`.as('waiting'),
      sql<Date | null>`min(not_before) FILTER (WHERE not_before > ${input.now})`.as('earliest_not_before'),
    ])
    .where('kind', '=', input.kind)
    .executeTakeFirstOrThrow();
  return {
    waiting: Number(row.waiting),
    earliestNotBefore: row.earliest_not_before === null ? null : new Date(row.earliest_not_before),
  };
}

/** Waiting tasks that waited longer than allowed (and hold no live grant), oldest first. */
export async function findOverdueWaits(
  db: Db,
  input: { kind: AdmissionKind; now: Date; waitedSince: Date; limit: number },
): Promise<AdmissionWait[]> {
  return tables(db)
    .selectFrom('admission_waits')
    .selectAll()
    .where('kind', '=', input.kind)
    .where('waiting_since', '<', input.waitedSince)
    .where((eb) => eb.or([eb('granted_until', 'is', null), eb('granted_until', '<=', input.now)]))
    .orderBy('waiting_since')
    .limit(input.limit)
    .execute();
}

export async function deleteWait(db: Db, taskId: string): Promise<void> {
  await tables(db).deleteFrom('admission_waits').where('task_id', '=', taskId).execute();
}

export async function findWait(db: Db, taskId: string): Promise<AdmissionWait | undefined> {
  return tables(db)
    .selectFrom('admission_waits')
    .selectAll()
    .where('task_id', '=', taskId)
    .executeTakeFirst();
}

/** Counts a throttling error Textract answered for this kind. */
export async function recordThrottle(db: Db, kind: AdmissionKind): Promise<void> {
  await tables(db)
    .updateTable('admission_kinds')
    .set((eb) => ({
      throttled_total: sql<string>`${eb.ref('throttled_total')} + 1`,
      last_throttled_at: sql<Date>`clock_timestamp()`,
    }))
    .where('kind', '=', kind)
    .execute();
}

/** Deletes leases that ended more than `olderThanMs` ago (they no longer count anywhere). */
export async function pruneLeases(db: Db, input: { now: Date; olderThanMs: number }): Promise<number> {
  const before = plus(input.now, -input.olderThanMs);
  const result = await tables(db)
    .deleteFrom('textract_leases')
    .where((eb) =>
      eb.or([
        eb.and([eb('released_at', 'is not', null), eb('released_at', '<', before)]),
        eb('expires_at', '<', before),
      ]),
    )
    .where((eb) => eb.or([eb('called_at', 'is', null), eb('called_at', '<', before)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Takes the admission loop for `owner` until `until`, when nobody holds it (or the holder's time ran
 * out). One admitter at a time runs the loop; the others leave at once.
 */
export async function claimPump(db: Db, input: { owner: string; until: Date }): Promise<boolean> {
  const result = await tables(db)
    .updateTable('admission_pump')
    .set({ owner: input.owner, lease_until: input.until })
    .where('id', '=', 1)
    .where((eb) =>
      eb.or([
        eb('owner', 'is', null),
        eb('owner', '=', input.owner),
        eb('lease_until', '<', sql<Date>`clock_timestamp()`),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Frees the loop whoever holds it: for a host whose admitters all died with its previous process. */
export async function resetPump(db: Db): Promise<void> {
  await tables(db)
    .updateTable('admission_pump')
    .set({ owner: null, lease_until: null })
    .where('id', '=', 1)
    .execute();
}

export async function releasePump(db: Db, owner: string): Promise<void> {
  await tables(db)
    .updateTable('admission_pump')
    .set({ owner: null, lease_until: null })
    .where('id', '=', 1)
    .where('owner', '=', owner)
    .execute();
}

/**
 * Whether an admission loop is running. Read `FOR SHARE` inside the transaction that adds work or
 * frees capacity: a loop that is leaving must update this row, so it waits for that transaction and
 * then sees its change in its last look. Without the lock, work added just as the loop leaves would
 * wait for the next scheduled run.
 */
export async function pumpRunning(trx: Db): Promise<boolean> {
  const row = await tables(trx)
    .selectFrom('admission_pump')
    .select(sql<boolean>`owner IS NOT NULL AND lease_until > clock_timestamp()`.as('running'))
    .where('id', '=', 1)
    .forShare()
    .executeTakeFirst();
  return row?.running === true;
}

export interface AdmissionKindFigures {
  /** Leases held now: calls in flight and grants on their way (sync), running jobs (async). */
  held: number;
  /** Calls started in the last minute. */
  callsLastMinute: number;
  waiting: number;
  /** Of the waiting, those that were throttled at least once. */
  waitingAfterThrottle: number;
  /** Throttling errors Textract answered since the database was created. */
  throttledTotal: number;
  lastThrottledAt: Date | null;
  oldestWaitingSince: Date | null;
}

/** The admin overview's figures, per kind. */
export async function admissionFigures(db: Db): Promise<Record<AdmissionKind, AdmissionKindFigures>> {
  const [leases, waits, kinds] = await Promise.all([
    tables(db)
      .selectFrom('textract_leases')
      .select([
        'kind',
        sql<number>`count(*) FILTER (WHERE released_at IS NULL AND expires_at > clock_timestamp())::int`.as(
          'held',
        ),
        sql<number>`count(*) FILTER (WHERE called_at > clock_timestamp() - interval '1 minute')::int`.as(
          'calls_last_minute',
        ),
      ])
      .where((eb) =>
        eb.or([
          eb('released_at', 'is', null),
          eb('called_at', '>', sql<Date>`clock_timestamp() - interval '1 minute'`),
        ]),
      )
      .groupBy('kind')
      .execute(),
    tables(db)
      .selectFrom('admission_waits')
      .select([
        'kind',
        sql<number>`count(*)::int`.as('waiting'),
        sql<number>`count(*) FILTER (WHERE throttles > 0)::int`.as('after_throttle'),
        sql<Date | null>`min(waiting_since)`.as('oldest'),
      ])
      .groupBy('kind')
      .execute(),
    tables(db).selectFrom('admission_kinds').selectAll().execute(),
  ]);
  const figures = {} as Record<AdmissionKind, AdmissionKindFigures>;
  for (const kind of ['sync', 'async'] as const) {
    const lease = leases.find((row) => row.kind === kind);
    const wait = waits.find((row) => row.kind === kind);
    const counter = kinds.find((row) => row.kind === kind);
    figures[kind] = {
      held: Number(lease?.held ?? 0),
      callsLastMinute: Number(lease?.calls_last_minute ?? 0),
      waiting: Number(wait?.waiting ?? 0),
      waitingAfterThrottle: Number(wait?.after_throttle ?? 0),
      throttledTotal: Number(counter?.throttled_total ?? 0),
      lastThrottledAt: counter?.last_throttled_at ? new Date(counter.last_throttled_at) : null,
      oldestWaitingSince: wait?.oldest ? new Date(wait.oldest) : null,
    };
  }
  return figures;
}
