/**
 * Periodic clean-up (a schedule on AWS, a timer in the local host): re-drives tasks that stalled,
 * settles uploads that never reported in, purges soft-deleted tasks past the restore window, and
 * forgets connections API Gateway has closed.
 */
import { deleteConnectionsConnectedBefore } from '../../../database/repositories/connections.js';
import { claimMaintenance } from '../../../database/repositories/maintenance.js';
import {
  findTasksInStatus,
  purgeDeletedTasks,
  recomputeTaskCounts,
} from '../../../database/repositories/tasks.js';
import { logger } from '../../shared/logger.js';
import type { DispatchDeps } from '../deps.js';
import { LIMITS } from '../task.js';
import { dispatchObjectCreated } from './dispatch.js';
import { failTask } from './fail-task.js';
import { requeueTask } from './requeue.js';

export interface JanitorSettings {
  /**
   * A task `queued` or `processing` whose row has not changed for this long is stuck. Must exceed the
   * longest a healthy run can go without a progress update: a long asynchronous text-detection job
   * reports nothing until it ends.
   * @default 90 minutes
   */
  stuckAfterMs: number;
  /** Attempts (including the first) after which a stuck task fails with `TIMEOUT`. @default 3 */
  maxAttempts: number;
  /**
   * A task still awaiting its upload this long after it was created is settled: dispatched when its
   * file is in the bucket after all (the S3 event was lost), failed with `UPLOAD_EXPIRED` when not.
   * Well past the upload link's 15 minutes, so an upload that started in time can finish.
   * @default 60 minutes
   */
  uploadExpiredAfterMs: number;
  /** Soft-deleted tasks older than this are deleted for good. @default 30 days (the restore window) */
  restoreWindowMs: number;
  /** API Gateway closes every WebSocket after 2 hours; older rows are leftovers of a lost `$disconnect`. @default 2 hours */
  connectionMaxAgeMs: number;
  /** Most rows each part handles per run, so one run stays short; the next run continues. @default 500 */
  batchSize: number;
  /**
   * How often the kept task counts are checked against the tasks and repaired (a scan of `tasks`,
   * so rarely). @default 24 hours
   */
  countsRepairEveryMs: number;
}

export const DEFAULT_JANITOR_SETTINGS: JanitorSettings = {
  stuckAfterMs: 90 * 60_000,
  maxAttempts: 3,
  uploadExpiredAfterMs: 4 * LIMITS.presignSeconds * 1000,
  restoreWindowMs: LIMITS.restoreWindowDays * 86_400_000,
  connectionMaxAgeMs: 2 * 3_600_000,
  batchSize: 500,
  countsRepairEveryMs: 24 * 3_600_000,
};

/** What one run did. */
export interface JanitorReport {
  /** Stuck tasks restarted with their next attempt. */
  redriven: number;
  /** Stuck tasks out of attempts, failed with `TIMEOUT`. */
  timedOut: number;
  /** Tasks awaiting an upload whose file was in the bucket after all, dispatched now. */
  uploadsRecovered: number;
  /** Tasks whose file never arrived, failed with `UPLOAD_EXPIRED`. */
  uploadsExpired: number;
  /** Soft-deleted tasks removed (with their file, result, events and text jobs). */
  purged: number;
  connectionsDeleted: number;
  /** Kept task counts found wrong and recomputed (0 also when the daily check did not run). */
  countsRepaired: number;
}

const TIMEOUT_MESSAGE = 'Processing stalled and was given up after several attempts; retry the task';
const UPLOAD_EXPIRED_MESSAGE = 'The file did not arrive before its upload link expired; upload it again';

/**
 * Runs every clean-up once. A failure to re-drive one task is logged and does not stop the others.
 *
 * @param deps - Database, workflow (to restart executions) and the connection gateway (to notify).
 * @param overrides - Settings that differ from {@link DEFAULT_JANITOR_SETTINGS}.
 * @returns The counts of what was done.
 */
export const runJanitor = async (
  deps: DispatchDeps,
  overrides: Partial<JanitorSettings> = {},
): Promise<JanitorReport> => {
  const settings = { ...DEFAULT_JANITOR_SETTINGS, ...overrides };
  const now = deps.now().getTime();
  const report: JanitorReport = {
    redriven: 0,
    timedOut: 0,
    uploadsRecovered: 0,
    uploadsExpired: 0,
    purged: 0,
    connectionsDeleted: 0,
    countsRepaired: 0,
  };

  const stuck = await findTasksInStatus(deps.db, {
    statuses: ['queued', 'processing'],
    updatedBefore: new Date(now - settings.stuckAfterMs),
    limit: settings.batchSize,
    // Waiting for Textract capacity is not stalling: the admission loop owns those tasks.
    excludeWaiting: true,
  });
  for (const task of stuck) {
    try {
      const outcome = await redrive(deps, task, settings.maxAttempts);
      if (outcome === 'redriven') report.redriven += 1;
      if (outcome === 'timedOut') report.timedOut += 1;
    } catch (error) {
      logger.error('Could not re-drive a stuck task', { taskId: task.id, error: error as Error });
    }
  }

  const unsent = await findTasksInStatus(deps.db, {
    statuses: ['awaiting_upload'],
    updatedBefore: new Date(now - settings.uploadExpiredAfterMs),
    limit: settings.batchSize,
  });
  for (const task of unsent) {
    try {
      const outcome = await settleUpload(deps, task);
      if (outcome === 'recovered') report.uploadsRecovered += 1;
      if (outcome === 'expired') report.uploadsExpired += 1;
    } catch (error) {
      logger.error('Could not settle a task awaiting its upload', { taskId: task.id, error: error as Error });
    }
  }

  // Results, events and text jobs cascade; the objects are left to the bucket lifecycle, which
  // expires objects tagged `deleted=true` after the same 30 days.
  report.purged = await purgeDeletedTasks(deps.db, {
    deletedBefore: new Date(now - settings.restoreWindowMs),
    limit: settings.batchSize,
  });

  // `connected_at`, not `last_seen_at`: past two hours the connection cannot exist any more, whatever
  // it did; an idle one is API Gateway's to close (10 minutes) and reaches `$disconnect` then.
  report.connectionsDeleted = await deleteConnectionsConnectedBefore(
    deps.db,
    new Date(now - settings.connectionMaxAgeMs),
  );

  if (await claimMaintenance(deps.db, { name: 'task_counts', everyMs: settings.countsRepairEveryMs })) {
    report.countsRepaired = await recomputeTaskCounts(deps.db);
    // The trigger keeps them in step; a difference means something wrote around it.
    if (report.countsRepaired > 0)
      logger.warn('Kept task counts had drifted; recomputed them', { wrong: report.countsRepaired });
  }

  logger.info('Janitor run finished', { ...report });
  return report;
};

type StuckTask = Awaited<ReturnType<typeof findTasksInStatus>>[number];

const redrive = async (
  deps: DispatchDeps,
  task: StuckTask,
  maxAttempts: number,
): Promise<'redriven' | 'timedOut' | 'skipped'> => {
  // Conditional on the status just read: a task that moved on meanwhile is left alone.
  const from = [task.status as 'queued' | 'processing'];
  if (task.attempts >= maxAttempts) {
    const timedOut = await failTask(deps, {
      taskId: task.id,
      from,
      code: 'TIMEOUT',
      message: TIMEOUT_MESSAGE,
    });
    return timedOut ? 'timedOut' : 'skipped';
  }
  const queued = await requeueTask(deps, task, from, 'Restarted after stalling');
  if (!queued) return 'skipped';
  return 'redriven';
};

/**
 * A task whose upload never reported in. The file may be in the bucket all the same: its S3 event
 * can end in the intake dead-letter queue, so the janitor dispatches it as the event would have.
 */
const settleUpload = async (
  deps: DispatchDeps,
  task: StuckTask,
): Promise<'recovered' | 'expired' | 'skipped'> => {
  const head = await deps.objects.head(task.storage_key);
  if (head) {
    const outcome = await dispatchObjectCreated(deps, { key: task.storage_key, size: head.size });
    logger.info('Dispatched an upload whose event never came', { taskId: task.id, outcome: outcome.outcome });
    return outcome.outcome === 'started' || outcome.outcome === 'rejected' ? 'recovered' : 'skipped';
  }
  const expired = await failTask(deps, {
    taskId: task.id,
    from: ['awaiting_upload'],
    code: 'UPLOAD_EXPIRED',
    message: UPLOAD_EXPIRED_MESSAGE,
  });
  return expired ? 'expired' : 'skipped';
};
