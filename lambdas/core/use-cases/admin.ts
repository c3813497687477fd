import * as z from 'zod';
import { admissionFigures, type AdmissionKindFigures } from '../../../database/repositories/admission.js';
import { findTaskById, listTasks, taskStats, taskThroughput } from '../../../database/repositories/tasks.js';
import { listUsersWithCounts } from '../../../database/repositories/users.js';
import type { ApiDeps } from '../deps.js';
import { NotFoundError } from '../errors.js';
import { TASK_STATUSES } from '../task.js';
import { toTaskView } from '../views.js';
import { retryTask } from './manage-tasks.js';

export const adminTasksQuery = z.strictObject({
  status: z.enum(TASK_STATUSES).optional(),
  q: z.string().trim().min(1).max(200).optional(),
  userId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
  deleted: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export const adminUsersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** System overview: queue depths, running executions, tasks by status, and the last 24 h in hourly buckets. */
export const systemOverview = async (deps: ApiDeps) => {
  const since = new Date(deps.now().getTime() - 24 * 3_600_000);
  const [tasks, throughput, intake, deadLetter, running, admission] = await Promise.all([
    taskStats(deps.db, {}),
    taskThroughput(deps.db, { since, bucketSeconds: 3600 }),
    deps.queues?.intakeDepth() ?? null,
    deps.queues?.deadLetterDepth() ?? null,
    deps.runningExecutions?.() ?? null,
    admissionFigures(deps.db),
  ]);
  const completed = throughput.reduce((n, b) => n + b.completed, 0);
  const failed = throughput.reduce((n, b) => n + b.failed, 0);
  return {
    queue: intake,
    deadLetter,
    // Where executions cannot be listed (Express on AWS), each `processing` task is one running.
    runningExecutions: running ?? tasks.processing,
    tasks,
    throughput: throughput.map((b) => ({
      bucketStart: new Date(b.bucketStart).toISOString(),
      completed: b.completed,
      failed: b.failed,
    })),
    last24h: { completed, failed, errorRate: completed + failed === 0 ? 0 : failed / (completed + failed) },
    // Admission control in front of Textract: what is admitted (held), waiting and throttled, per
    // kind of call, next to the quotas it keeps under.
    admission: {
      quotas: deps.admissionQuotas ?? null,
      sync: viewFigures(admission.sync),
      async: viewFigures(admission.async),
    },
  };
};

export const listAllTasks = async (deps: ApiDeps, query: z.output<typeof adminTasksQuery>) => {
  const page = await listTasks(deps.db, query);
  return {
    items: page.items.map((t) => ({ ...toTaskView(t), userId: t.user_id })),
    nextCursor: page.nextCursor,
  };
};

export const listUsers = async (deps: ApiDeps, query: z.output<typeof adminUsersQuery>) => ({
  items: (await listUsersWithCounts(deps.db, query)).map((u) => ({
    id: u.id,
    email: u.email,
    isAdmin: u.is_admin,
    createdAt: new Date(u.created_at).toISOString(),
    lastSeenAt: u.last_seen_at ? new Date(u.last_seen_at).toISOString() : null,
    tasks: { total: u.taskCount, completed: u.completedCount, failed: u.failedCount },
  })),
});

export const adminRetryTask = async (deps: ApiDeps, taskId: string) => {
  const task = await findTaskById(deps.db, taskId);
  if (!task) throw new NotFoundError(`Task ${taskId} not found`);
  return retryTask(deps, task);
};

export const redriveDeadLetters = async (deps: ApiDeps) => {
  if (!deps.queues) return { moved: 0 };
  return { moved: await deps.queues.redriveDeadLetters() };
};

const viewFigures = (figures: AdmissionKindFigures) => ({
  held: figures.held,
  callsLastMinute: figures.callsLastMinute,
  waiting: figures.waiting,
  waitingAfterThrottle: figures.waitingAfterThrottle,
  throttledTotal: figures.throttledTotal,
  lastThrottledAt: figures.lastThrottledAt?.toISOString() ?? null,
  oldestWaitingSince: figures.oldestWaitingSince?.toISOString() ?? null,
});
