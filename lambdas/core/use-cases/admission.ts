/**
 * Admission control in front of Textract (docs/aws.md, "Admission control").
 *
 * Every Textract call the workflow makes (`Recognize`: DetectDocumentText; `RecognizeAsync`:
 * StartDocumentTextDetection) first takes a lease. When no task of its kind is waiting and capacity is
 * free, the call goes ahead at once ({@link admitCall}). Otherwise the task waits: it goes back to
 * `queued` (stage `capacity`) with Download's findings stored, and its run ends. The admission loop
 * ({@link runAdmissionPump}) grants capacity to waiting tasks in fair order and starts a run for each
 * that resumes after Download; that run turns its grant into the call. A throttling error that still
 * happens puts the task back to wait with backoff ({@link waitAfterThrottle}); only a wait longer than
 * the maximum fails a task.
 *
 * All of it is state in the database, so it holds across functions, hosts and crashes: a lease whose
 * holder died expires, and nothing counts twice.
 */
import { randomUUID } from 'node:crypto';
import {
  callGrantedLease,
  claimPump,
  countLeases,
  deleteWait,
  findOverdueWaits,
  findWait,
  hasWaiting,
  insertLease,
  lockKind,
  markCalledNow,
  markWaitGranted,
  pruneLeases,
  pumpRunning,
  recordThrottle,
  releaseLease,
  releasePump,
  releaseTaskLeases,
  selectFairWaits,
  upsertWait,
  voidGrants,
  waitingSummary,
} from '../../../database/repositories/admission.js';
import { inTransaction, type Db } from '../../../database/repositories/shared.js';
import { findTaskById, transitionTask } from '../../../database/repositories/tasks.js';
import type { Task } from '../../../database/schema.js';
import { logger } from '../../shared/logger.js';
import {
  ADMISSION_KINDS,
  backoffMs,
  freeCapacity,
  limitsOf,
  nextRoundAt,
  priorityRank,
  type AdmissionKind,
  type AdmissionSettings,
} from '../admission-rules.js';
import type { CoreDeps } from '../deps.js';
import type { AdmissionSignal, ResumedRun, Workflow } from '../ports.js';
import { notifyTaskUpdate } from './notify.js';
import { downloadOutput, type DownloadOutput } from './pipeline.js';
import { RECOGNITION_PROGRESS, recognizingPagesMessage } from './recognition-progress.js';

export interface AdmissionDeps extends CoreDeps {
  admission: {
    settings: AdmissionSettings;
    signal: AdmissionSignal;
    /** `Math.random` unless a test fixes the backoff jitter. */
    random?: () => number;
  };
}

export interface PumpDeps extends AdmissionDeps {
  workflow: Workflow;
}

export const WAITING_MESSAGE = 'Waiting for text-recognition capacity';
const THROTTLED_MESSAGE = 'Text recognition is busy; waiting to try again';
const OVERDUE_MESSAGE = 'Waited too long for text-recognition capacity; retry the task';

/** A call that may go ahead (with the lease to release), or a task that now waits. */
export type Admission = { admitted: true; leaseId: string } | { admitted: false; status: string };

const kindOf = (mode: DownloadOutput['mode']): AdmissionKind => (mode === 'async' ? 'async' : 'sync');

const leaseMsOf = (settings: AdmissionSettings, kind: AdmissionKind) =>
  kind === 'sync' ? settings.syncLeaseMs : settings.asyncLeaseMs;

/**
 * Takes a lease for the Textract call a step is about to make, or makes the task wait.
 *
 * A run admitted after waiting carries its grant (`input.admission`) and turns it into the call. Any
 * other run goes ahead only when nothing of its kind is waiting and capacity is free: a new arrival
 * never cuts in ahead of tasks already waiting (the loop orders those fairly).
 */
export const admitCall = async (deps: AdmissionDeps, input: DownloadOutput): Promise<Admission> => {
  const { settings } = deps.admission;
  const kind = kindOf(input.mode);
  const leaseMs = leaseMsOf(settings, kind);

  if (input.admission) {
    const { leaseId } = input.admission;
    const outcome = await inTransaction(deps.db, async (trx) => {
      const lease = await callGrantedLease(trx, {
        leaseId,
        taskId: input.taskId,
        attempt: input.attempt,
        ttlMs: leaseMs,
      });
      if (!lease) return { called: false as const };
      const processing = await transitionTask(trx, {
        taskId: input.taskId,
        from: ['queued'],
        attempt: input.attempt,
        to: 'processing',
        stage: 'recognize',
        progress: RECOGNITION_PROGRESS.start,
        message: 'Admitted for text recognition',
        ...(input.pages > 1 ? { progressMessage: recognizingPagesMessage(input.pages) } : {}),
      });
      return { called: true as const, processing };
    });
    if (!outcome.called) {
      // The grant ran out before this run came (its capacity went back); the task still waits and
      // the loop grants it again.
      logger.info('Admitted run came after its grant expired; the task waits again', {
        taskId: input.taskId,
      });
      return { admitted: false, status: 'queued' };
    }
    if (!outcome.processing) {
      // The task moved on while it waited (failed for waiting too long, re-driven): give the call back.
      await releaseLease(deps.db, leaseId);
      return { admitted: false, status: 'skipped' };
    }
    await notifyTaskUpdate(deps, outcome.processing, {
      message: outcome.processing.progress_message ?? 'Recognizing text',
    });
    await markCalledNow(deps.db, leaseId);
    return { admitted: true, leaseId };
  }

  const decision = await inTransaction(deps.db, async (trx) => {
    const now = await lockKind(trx, kind);
    if (!(await hasWaiting(trx, kind))) {
      const counts = await countLeases(trx, { kind, now, rateWindowMs: settings.rateWindowMs });
      if (freeCapacity(counts, limitsOf(settings.quotas, kind)) > 0) {
        // A step retried by Step Functions (its invocation died or timed out) takes a new lease for
        // its new call; the old one is given back so one task never holds two.
        await releaseTaskLeases(trx, { taskId: input.taskId, kind, attempt: input.attempt });
        const lease = await insertLease(trx, {
          kind,
          taskId: input.taskId,
          attempt: input.attempt,
          userId: input.userId,
          now,
          ttlMs: leaseMs,
          called: true,
        });
        return { admitted: true as const, leaseId: lease.id };
      }
    }
    return parkTask(trx, deps, { input, kind, now, throttled: false });
  });
  if (decision.admitted) return { admitted: true, leaseId: decision.leaseId };
  await afterPark(deps, decision);
  return { admitted: false, status: decision.task ? 'queued' : 'skipped' };
};

/** The call is over (answered, or failed for a reason other than throttling). Its start stays counted in the rate window. */
export const releaseCall = async (deps: AdmissionDeps, leaseId: string): Promise<void> => {
  await releaseLease(deps.db, leaseId);
};

/**
 * An asynchronous job finished (or its task moved on): its slot is free. Wakes the loop when someone
 * waits, since a free job slot is not something the loop can see coming.
 */
export const releaseJobSlot = async (deps: AdmissionDeps, taskId: string): Promise<void> => {
  const wake = await inTransaction(deps.db, async (trx) => {
    const released = await releaseTaskLeases(trx, { taskId, kind: 'async' });
    if (released === 0) return false;
    return (await hasWaiting(trx, 'async')) && !(await pumpRunning(trx));
  });
  if (wake) await deps.admission.signal.poke('job finished');
};

/**
 * Textract throttled the call anyway (quotas configured above the account's, or another application
 * in the account uses them): the lease goes, and the task waits again with backoff instead of failing.
 */
export const waitAfterThrottle = async (
  deps: AdmissionDeps,
  input: DownloadOutput,
  leaseId: string,
  error: Error,
): Promise<void> => {
  const kind = kindOf(input.mode);
  logger.warn('Textract throttled an admitted call; the task waits again', {
    taskId: input.taskId,
    kind,
    error: error.name,
  });
  const parked = await inTransaction(deps.db, async (trx) => {
    await releaseLease(trx, leaseId);
    await recordThrottle(trx, kind);
    const now = await lockKind(trx, kind);
    return parkTask(trx, deps, { input, kind, now, throttled: true });
  });
  await afterPark(deps, parked);
};

interface Parked {
  admitted: false;
  task: Task | undefined;
  message: string;
  wake: boolean;
}

/** Inside the kind's lock: the task (processing, on the run's attempt) goes back to `queued` and waits. */
const parkTask = async (
  trx: Db,
  deps: AdmissionDeps,
  args: { input: DownloadOutput; kind: AdmissionKind; now: Date; throttled: boolean },
): Promise<Parked> => {
  const { input, kind, now, throttled } = args;
  const { settings } = deps.admission;
  const task = await findTaskById(trx, input.taskId);
  const message = throttled ? THROTTLED_MESSAGE : WAITING_MESSAGE;
  const queued = await transitionTask(trx, {
    taskId: input.taskId,
    from: ['processing'],
    attempt: input.attempt,
    to: 'queued',
    stage: 'capacity',
    progress: 10,
    message,
  });
  if (!task || !queued) return { admitted: false, task: undefined, message, wake: false };
  const wait = await upsertWait(trx, {
    taskId: input.taskId,
    attempt: input.attempt,
    kind,
    userId: input.userId,
    priority: priorityRank(task.priority),
    waitingSince: input.admission ? new Date(input.admission.waitingSince) : now,
    now,
    notBefore: throttled
      ? new Date(
          now.getTime() +
            backoffMs(
              1 + (await throttlesOf(trx, input.taskId)),
              settings,
              deps.admission.random ?? Math.random,
            ),
        )
      : now,
    throttled,
    // What the admitted run resumes from: Download's output, without a grant of an earlier round.
    input: { ...input, admission: undefined, executionArn: undefined },
  });
  logger.debug('Task waits for capacity', { taskId: input.taskId, kind, throttles: wait.throttles });
  return { admitted: false, task: queued, message, wake: !(await pumpRunning(trx)) };
};

const throttlesOf = async (trx: Db, taskId: string): Promise<number> =>
  (await findWait(trx, taskId))?.throttles ?? 0;

const afterPark = async (deps: AdmissionDeps, parked: Parked) => {
  if (parked.task) await notifyTaskUpdate(deps, parked.task, { message: parked.message });
  if (parked.wake) await deps.admission.signal.poke('task waiting');
};

export interface AdmissionRound {
  /** Runs started for tasks granted capacity. */
  granted: number;
  /** Tasks still waiting (all kinds). */
  waiting: number;
  /** Tasks failed for waiting longer than the maximum. */
  overdue: number;
  /** When the next round has something to do; `undefined` when only a freed job slot can help. */
  nextAt?: Date;
}

/**
 * One admission round over both kinds: fails tasks that waited too long, grants free capacity to the
 * waiting tasks in fair order, and starts their runs. Safe to run anywhere at any time: each kind is
 * decided under its lock.
 */
export const runAdmissionRound = async (deps: PumpDeps): Promise<AdmissionRound> => {
  const round: AdmissionRound = { granted: 0, waiting: 0, overdue: 0 };
  for (const kind of ADMISSION_KINDS) {
    const part = await roundOf(deps, kind);
    round.granted += part.granted;
    round.waiting += part.waiting;
    round.overdue += part.overdue;
    if (part.nextAt && (!round.nextAt || part.nextAt < round.nextAt)) round.nextAt = part.nextAt;
  }
  return round;
};

const roundOf = async (deps: PumpDeps, kind: AdmissionKind): Promise<AdmissionRound> => {
  const { settings } = deps.admission;
  const limits = limitsOf(settings.quotas, kind);
  const decided = await inTransaction(deps.db, async (trx) => {
    const now = await lockKind(trx, kind);
    const overdue: Task[] = [];
    for (const wait of await findOverdueWaits(trx, {
      kind,
      now,
      waitedSince: new Date(now.getTime() - settings.maxWaitMs),
      limit: 100,
    })) {
      await deleteWait(trx, wait.task_id);
      const failed = await transitionTask(trx, {
        taskId: wait.task_id,
        from: ['queued'],
        attempt: wait.attempt,
        to: 'failed',
        errorCode: 'CAPACITY_WAIT_EXCEEDED',
        errorMessage: OVERDUE_MESSAGE,
        message: OVERDUE_MESSAGE,
      });
      if (failed) overdue.push(failed);
    }

    const counts = await countLeases(trx, { kind, now, rateWindowMs: settings.rateWindowMs });
    const free = freeCapacity(counts, limits);
    const chosen = await selectFairWaits(trx, {
      kind,
      now,
      limit: Math.min(free, 100),
      rateWindowMs: settings.rateWindowMs,
    });
    const grants: Array<{ input: DownloadOutput; resume: ResumedRun }> = [];
    for (const wait of chosen) {
      const parsed = downloadOutput.safeParse(wait.input);
      if (!parsed.success || (parsed.data.mode !== 'sync' && parsed.data.mode !== 'async')) {
        // Stored by parkTask from a validated input: unreadable means a bug, not a user's mistake.
        logger.error('Dropping an unreadable admission wait', { taskId: wait.task_id });
        await deleteWait(trx, wait.task_id);
        continue;
      }
      const lease = await insertLease(trx, {
        kind,
        taskId: wait.task_id,
        attempt: wait.attempt,
        userId: wait.user_id,
        now,
        ttlMs: settings.grantTtlMs,
        called: false,
      });
      const grantedUntil = new Date(now.getTime() + settings.grantTtlMs);
      await markWaitGranted(trx, { taskId: wait.task_id, leaseId: lease.id, grantedUntil });
      const input = parsed.data;
      grants.push({
        input,
        resume: {
          mode: parsed.data.mode,
          documentKey: input.documentKey,
          contentType: input.contentType,
          pages: input.pages,
          resultPrefix: input.resultPrefix,
          admission: { leaseId: lease.id, waitingSince: new Date(wait.waiting_since).toISOString() },
        },
      });
    }
    const summary = await waitingSummary(trx, { kind, now });
    const stillWaiting = summary.waiting - grants.length;
    const saturated = counts.recentCalls + counts.reserved + grants.length >= limits.perWindow;
    const nextAt = nextRoundAt({
      waiting: stillWaiting,
      oldestRecentCall: saturated ? counts.oldestRecentCall : null,
      earliestExpiry: counts.earliestGrantExpiry,
      earliestNotBefore: summary.earliestNotBefore,
      rateWindowMs: settings.rateWindowMs,
    });
    return { grants, overdue, waiting: stillWaiting, nextAt, now };
  });

  for (const task of decided.overdue) await notifyTaskUpdate(deps, task, { message: OVERDUE_MESSAGE });
  let granted = 0;
  for (const { input, resume } of decided.grants) {
    try {
      await deps.workflow.start({
        taskId: input.taskId,
        userId: input.userId,
        key: input.key,
        attempt: input.attempt,
        resume,
      });
      granted += 1;
    } catch (error) {
      // Its capacity goes back now and the task is granted again in a later round: nothing lost.
      logger.error('Could not start the run of an admitted task', {
        taskId: input.taskId,
        error: error as Error,
      });
      await voidGrants(deps.db, { taskId: input.taskId });
    }
  }
  return { granted, waiting: decided.waiting, overdue: decided.overdue.length, nextAt: decided.nextAt };
};

export interface PumpOptions {
  /** The loop stops by this time (a Lambda function's deadline, less a margin). */
  deadline: Date;
  /** The longest sleep between rounds while tasks wait. @default 1,000 ms */
  pollMs?: number;
  /** How long the loop's lease lasts without renewal (it is renewed every round). @default 10 s */
  leaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface PumpReport {
  /** Whether this call ran the loop (`false`: another admitter is running it). */
  led: boolean;
  rounds: number;
  granted: number;
  overdue: number;
  /** Tasks still waiting when it stopped. */
  waiting: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The admission loop: rounds while tasks wait, sleeping until the next round has something to do.
 * One admitter at a time runs it (a lease in `admission_pump`); others return at once. It stops when
 * nothing waits, when only a freed job slot can help (that release wakes it), or at the deadline
 * (then it wakes itself to carry on).
 */
export const runAdmissionPump = async (deps: PumpDeps, options: PumpOptions): Promise<PumpReport> => {
  const owner = randomUUID();
  const pollMs = options.pollMs ?? 1_000;
  const sleep = options.sleep ?? defaultSleep;
  // A short lease, renewed every round: an admitter that dies (a crashed invocation, a killed host)
  // blocks the next one for seconds, not for the rest of its deadline.
  const leaseMs = options.leaseMs ?? 10_000;
  const holdUntil = () =>
    new Date(Math.min(deps.now().getTime() + leaseMs, options.deadline.getTime() + 5_000));
  const report: PumpReport = { led: false, rounds: 0, granted: 0, overdue: 0, waiting: 0 };
  if (!(await claimPump(deps.db, { owner, until: holdUntil() }))) return report;
  report.led = true;

  const roundOnce = async () => {
    const round = await runAdmissionRound(deps);
    report.rounds += 1;
    report.granted += round.granted;
    report.overdue += round.overdue;
    report.waiting = round.waiting;
    return round;
  };

  try {
    for (;;) {
      let round = await roundOnce();
      if (deps.now() >= options.deadline) {
        await releasePump(deps.db, owner);
        if (round.waiting > 0) await deps.admission.signal.poke('admission loop continues');
        break;
      }
      if (!round.nextAt) {
        // Leaving: give the loop up first, then look once more. Work added meanwhile either saw the
        // loop gone (and poked) or was committed before this last look (pumpRunning's lock).
        await releasePump(deps.db, owner);
        round = await roundOnce();
        if (!round.nextAt && round.granted === 0) break;
        if (!(await claimPump(deps.db, { owner, until: holdUntil() }))) return report;
      }
      const wait = round.nextAt ? round.nextAt.getTime() - deps.now().getTime() : 0;
      await sleep(Math.max(5, Math.min(pollMs, wait)));
      // Another admitter took the loop over (this one stalled past its lease): leave it to that one.
      if (!(await claimPump(deps.db, { owner, until: holdUntil() }))) return report;
    }
  } catch (error) {
    await releasePump(deps.db, owner).catch(() => undefined);
    throw error;
  }
  await pruneLeases(deps.db, { now: deps.now(), olderThanMs: 3_600_000 });
  return report;
};
