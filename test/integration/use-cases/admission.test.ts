/**
 * Admission control on a real database: concurrent admitters never hand out more than the quotas,
 * waiting tasks are admitted in fair order, and nothing a crashed holder had is leaked or counted twice.
 */
import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { countLeases, findWait, voidGrants } from '../../../database/repositories/admission.js';
import { findTaskById, listTaskEvents, saveConnection } from '../../../database/repositories/index.js';
import { DEFAULT_ADMISSION_SETTINGS, type AdmissionSettings } from '../../../lambdas/core/admission-rules.js';
import type { WorkflowInput } from '../../../lambdas/core/ports.js';
import {
  admitCall,
  releaseCall,
  releaseJobSlot,
  runAdmissionPump,
  runAdmissionRound,
  waitAfterThrottle,
  type PumpDeps,
} from '../../../lambdas/core/use-cases/admission.js';
import type { DownloadOutput } from '../../../lambdas/core/use-cases/pipeline.js';
import { databaseBackends, seedTask, seedUser, useDatabase } from '../../helpers/databases.js';

describe.each(await databaseBackends())('Backend: $name', ({ create }) => {
  const handle = useDatabase(create);

  const createDeps = (
    settings: Partial<AdmissionSettings> = {},
    quotas = { syncTps: 5, asyncStartTps: 2, maxConcurrentJobs: 3 },
  ) => {
    const started: WorkflowInput[] = [];
    const deps: PumpDeps = {
      db: handle.db,
      objects: {} as PumpDeps['objects'],
      connections: { post: vi.fn(async () => true) },
      now: () => new Date(),
      workflow: {
        start: vi.fn(async (input: WorkflowInput) => {
          started.push(input);
          return { executionArn: `arn:${input.taskId}` };
        }),
      },
      admission: {
        settings: { ...DEFAULT_ADMISSION_SETTINGS, ...settings, quotas },
        signal: { poke: vi.fn(async () => undefined) },
        random: () => 0.5,
      },
    };
    return { deps, started };
  };

  /** A task that went through Download (`processing`), with the output Download hands on. */
  const seedDownloaded = async (userId: string, mode: 'sync' | 'async' = 'sync'): Promise<DownloadOutput> => {
    const { task, file } = await seedTask(handle.db, {
      userId,
      status: 'processing',
      stage: 'download',
      attempts: 1,
    });
    return {
      taskId: task.id,
      userId,
      key: file.storage_key,
      attempt: 1,
      mode,
      documentKey: file.storage_key,
      contentType: 'image/png',
      pages: mode === 'async' ? 3 : 1,
      resultPrefix: `results/${userId}/2026-12/${task.id}/`,
    };
  };

  /**
   * One call a minute: a first task took it, a second (`waiting`) waits. Tests then raise the quota
   * or let time pass to see how the waiting task is admitted.
   */
  const oneCallTakenOneWaiting = async (settings: Partial<AdmissionSettings> = {}) => {
    const created = createDeps(
      { rateWindowMs: 60_000, ...settings },
      { syncTps: 1, asyncStartTps: 1, maxConcurrentJobs: 1 },
    );
    const user = await seedUser(handle.db);
    await admitCall(created.deps, await seedDownloaded(user.id));
    const waiting = await seedDownloaded(user.id);
    await admitCall(created.deps, waiting);
    return { ...created, user, waiting };
  };

  const resumedInput = (started: WorkflowInput): DownloadOutput => ({
    taskId: started.taskId,
    userId: started.userId,
    key: started.key,
    attempt: started.attempt,
    ...started.resume!,
  });

  describe('Function: admitCall', () => {
    it('never admits more calls within the rate window than the quota, however many admit at once', async () => {
      // Prepare
      const { deps } = createDeps();
      const user = await seedUser(handle.db);
      const inputs = await Promise.all(Array.from({ length: 20 }, () => seedDownloaded(user.id)));

      // Act
      const outcomes = await Promise.all(inputs.map((input) => admitCall(deps, input)));

      // Assess
      expect(outcomes.filter((outcome) => outcome.admitted)).toHaveLength(5);
      const counts = await countLeases(handle.db, { kind: 'sync', now: new Date(), rateWindowMs: 1_050 });
      expect(counts.recentCalls).toBe(5);
      const parked = outcomes.filter((outcome) => !outcome.admitted);
      expect(parked).toHaveLength(15);
      expect(parked.every((outcome) => outcome.status === 'queued')).toBe(true);
    });

    it('never holds more job slots than the concurrent-job quota', async () => {
      // Prepare: a high start rate, so only the job quota (3) limits
      const { deps } = createDeps({}, { syncTps: 5, asyncStartTps: 100, maxConcurrentJobs: 3 });
      const user = await seedUser(handle.db);
      const inputs = await Promise.all(Array.from({ length: 12 }, () => seedDownloaded(user.id, 'async')));

      // Act
      const outcomes = await Promise.all(inputs.map((input) => admitCall(deps, input)));

      // Assess
      expect(outcomes.filter((outcome) => outcome.admitted)).toHaveLength(3);
      const counts = await countLeases(handle.db, { kind: 'async', now: new Date(), rateWindowMs: 1_050 });
      expect(counts.held).toBe(3);
    });

    it('makes a task wait as queued in the capacity stage, with the message and the run input kept', async () => {
      // Prepare: the quota is used up
      const { deps } = createDeps({}, { syncTps: 1, asyncStartTps: 1, maxConcurrentJobs: 1 });
      const user = await seedUser(handle.db);
      await admitCall(deps, await seedDownloaded(user.id));
      const input = await seedDownloaded(user.id);

      // Act
      const outcome = await admitCall(deps, input);

      // Assess
      expect(outcome).toEqual({ admitted: false, status: 'queued' });
      expect(await findTaskById(handle.db, input.taskId)).toMatchObject({
        status: 'queued',
        stage: 'capacity',
      });
      const events = await listTaskEvents(handle.db, input.taskId);
      expect(events.at(-1)).toMatchObject({
        to_status: 'queued',
        message: 'Waiting for text-recognition capacity',
      });
      expect(await findWait(handle.db, input.taskId)).toMatchObject({
        kind: 'sync',
        input: { documentKey: input.documentKey },
      });
      expect(deps.admission.signal.poke).toHaveBeenCalledWith('task waiting');
    });

    it('sends a new arrival to wait behind tasks already waiting, even when capacity is free', async () => {
      // Prepare: one task waits (quota 1 used), then the window passes
      const { deps } = createDeps(
        { rateWindowMs: 200 },
        { syncTps: 1, asyncStartTps: 1, maxConcurrentJobs: 1 },
      );
      const user = await seedUser(handle.db);
      await admitCall(deps, await seedDownloaded(user.id));
      await admitCall(deps, await seedDownloaded(user.id));
      await new Promise((resolve) => setTimeout(resolve, 250));

      // Act
      const late = await admitCall(deps, await seedDownloaded(user.id));

      // Assess
      expect(late.admitted).toBe(false);
    });
  });

  describe('Function: runAdmissionRound', () => {
    it('admits a light user ahead of a heavy user’s backlog', async () => {
      // Prepare: the heavy user fills the waiting list first, then three light users wait too
      const { deps, started } = createDeps(
        { rateWindowMs: 60_000 },
        { syncTps: 1, asyncStartTps: 1, maxConcurrentJobs: 1 },
      );
      const heavy = await seedUser(handle.db);
      await admitCall(deps, await seedDownloaded(heavy.id));
      for (let i = 0; i < 10; i += 1) await admitCall(deps, await seedDownloaded(heavy.id));
      const light = await Promise.all([seedUser(handle.db), seedUser(handle.db), seedUser(handle.db)]);
      for (const user of light) await admitCall(deps, await seedDownloaded(user.id));
      // The quota frees up: 4 calls may be granted now
      deps.admission.settings.quotas.syncTps = 5;

      // Act
      const round = await runAdmissionRound(deps);

      // Assess: 5 per window − 1 call made = 4 grants: the three light users first, then the heavy one
      expect(round.granted).toBe(4);
      expect(
        started
          .map((input) => input.userId)
          .slice(0, 3)
          .sort(),
      ).toEqual(light.map((user) => user.id).sort());
      expect(started[3]!.userId).toBe(heavy.id);
      expect(round.waiting).toBe(9);
    });

    it('admits a light user ahead of a heavy user whose calls have already returned', async () => {
      // Prepare: two calls per window; the heavy user's call was made and is over (a sync call
      // lasts a fraction of a second), its backlog waits, then a light user's task waits too
      const { deps, started } = createDeps(
        { rateWindowMs: 60_000 },
        { syncTps: 1, asyncStartTps: 1, maxConcurrentJobs: 1 },
      );
      const heavy = await seedUser(handle.db);
      const first = await admitCall(deps, await seedDownloaded(heavy.id));
      if (!first.admitted) throw new Error('the first call should go ahead at once');
      await releaseCall(deps, first.leaseId);
      for (let i = 0; i < 3; i += 1) await admitCall(deps, await seedDownloaded(heavy.id));
      const light = await seedUser(handle.db);
      await admitCall(deps, await seedDownloaded(light.id));
      deps.admission.settings.quotas.syncTps = 2;

      // Act: one more call fits in the window
      const round = await runAdmissionRound(deps);

      // Assess: it goes to the light user, not to the oldest task of the heavy user's backlog
      expect(round.granted).toBe(1);
      expect(started.map((input) => input.userId)).toEqual([light.id]);
    });

    it('orders one user’s own waiting tasks by priority, then age', async () => {
      // Prepare
      const { deps, started } = createDeps(
        { rateWindowMs: 60_000 },
        { syncTps: 1, asyncStartTps: 1, maxConcurrentJobs: 1 },
      );
      const user = await seedUser(handle.db);
      await admitCall(deps, await seedDownloaded(user.id));
      const first = await seedDownloaded(user.id);
      const urgent = await seedDownloaded(user.id);
      await handle.db
        .updateTable('tasks')
        .set({ priority: 'high' })
        .where('id', '=', urgent.taskId)
        .execute();
      await admitCall(deps, first);
      await admitCall(deps, urgent);
      deps.admission.settings.quotas.syncTps = 2;

      // Act
      await runAdmissionRound(deps);

      // Assess
      expect(started.map((input) => input.taskId)).toEqual([urgent.taskId]);
    });

    it('resumes an admitted task after Download, and the grant becomes its call exactly once', async () => {
      // Prepare
      const { deps, started, waiting } = await oneCallTakenOneWaiting();
      deps.admission.settings.quotas.syncTps = 2;
      await runAdmissionRound(deps);
      const resumed = resumedInput(started[0]!);

      // Act
      const first = await admitCall(deps, resumed);
      const again = await admitCall(deps, resumed);

      // Assess
      expect(started[0]).toMatchObject({
        taskId: waiting.taskId,
        resume: { mode: 'sync', documentKey: waiting.documentKey },
      });
      expect(first.admitted).toBe(true);
      expect(again.admitted).toBe(false);
      expect(await findTaskById(handle.db, waiting.taskId)).toMatchObject({
        status: 'processing',
        stage: 'recognize',
      });
      expect(await findWait(handle.db, waiting.taskId)).toBeUndefined();
      const counts = await countLeases(handle.db, { kind: 'sync', now: new Date(), rateWindowMs: 60_000 });
      expect(counts).toMatchObject({ recentCalls: 2, reserved: 0 });
    });

    it('tells the owner how many pages an admitted multi-page task is reading', async () => {
      // Prepare: one job at a time; a second three-page document waits for the first
      const { deps, started } = createDeps(
        { rateWindowMs: 60_000 },
        { syncTps: 1, asyncStartTps: 1, maxConcurrentJobs: 1 },
      );
      const user = await seedUser(handle.db);
      await handle.db
        .insertInto('connections')
        .values({ id: `conn-${user.id}`, user_id: user.id })
        .execute();
      await admitCall(deps, await seedDownloaded(user.id, 'async'));
      const waiting = await seedDownloaded(user.id, 'async');
      await admitCall(deps, waiting);
      deps.admission.settings.quotas = { syncTps: 1, asyncStartTps: 2, maxConcurrentJobs: 2 };
      await runAdmissionRound(deps);
      vi.mocked(deps.connections.post).mockClear();

      // Act
      const admitted = await admitCall(deps, resumedInput(started[0]!));

      // Assess
      expect(admitted.admitted).toBe(true);
      expect(await findTaskById(handle.db, waiting.taskId)).toMatchObject({
        status: 'processing',
        progress: 20,
        progress_message: 'Recognizing 3 pages',
      });
      expect(vi.mocked(deps.connections.post).mock.calls.map(([, message]) => message)).toEqual([
        expect.objectContaining({ status: 'processing', progressMessage: 'Recognizing 3 pages' }),
      ]);
    });

    it('counts an admitted call in the rate window from when it is made, after the owner was told', async () => {
      // Prepare: the owner has a socket, and telling them takes 300 ms
      const { deps, started, user } = await oneCallTakenOneWaiting();
      await saveConnection(handle.db, { id: 'conn-slow', userId: user.id });
      let toldAt = 0;
      deps.connections.post = vi.fn(async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        toldAt = Date.now();
        return true;
      });
      deps.admission.settings.quotas.syncTps = 2;
      await runAdmissionRound(deps);

      // Act
      const admitted = await admitCall(deps, resumedInput(started[0]!));

      // Assess
      expect(admitted.admitted).toBe(true);
      const lease = await sql<{ called_at: Date }>`
        SELECT called_at FROM textract_leases WHERE id = ${admitted.admitted ? admitted.leaseId : ''}`.execute(
        handle.db,
      );
      expect(new Date(lease.rows[0]!.called_at).getTime()).toBeGreaterThanOrEqual(toldAt - 5);
    });

    it('gives a grant whose run never came back to the task after it expires, without counting it twice', async () => {
      // Prepare: a grant is made, its run "crashes" (never calls), and the grant expires
      const { deps, started, waiting } = await oneCallTakenOneWaiting({ grantTtlMs: 100 });
      deps.admission.settings.quotas.syncTps = 2;
      await runAdmissionRound(deps);
      const immediately = await runAdmissionRound(deps);
      await new Promise((resolve) => setTimeout(resolve, 150));

      // Act
      const afterExpiry = await runAdmissionRound(deps);

      // Assess: not granted twice while the first grant held; granted again after it ran out
      expect(immediately.granted).toBe(0);
      expect(afterExpiry.granted).toBe(1);
      expect(started.map((input) => input.taskId)).toEqual([waiting.taskId, waiting.taskId]);
      const stale = await admitCall(deps, resumedInput(started[0]!));
      expect(stale.admitted).toBe(false);
      expect((await admitCall(deps, resumedInput(started[1]!))).admitted).toBe(true);
    });

    it('takes a grant back at once when its run could not be started, and grants the task again', async () => {
      // Prepare: one call a minute is free; the first start of the admitted run fails
      const { deps, started, waiting } = await oneCallTakenOneWaiting();
      deps.admission.settings.quotas.syncTps = 2;
      vi.mocked(deps.workflow.start).mockRejectedValueOnce(new Error('StartExecution failed'));

      // Act
      const failedStart = await runAdmissionRound(deps);
      const next = await runAdmissionRound(deps);

      // Assess: the capacity came back without waiting for the grant to expire
      expect(failedStart.granted).toBe(0);
      expect(next.granted).toBe(1);
      expect(started.map((input) => input.taskId)).toEqual([waiting.taskId]);
      expect((await admitCall(deps, resumedInput(started[0]!))).admitted).toBe(true);
    });

    it('voids every grant not yet called, as the local host does when it starts again', async () => {
      // Prepare: a grant whose run died with the host
      const { deps, started } = await oneCallTakenOneWaiting();
      deps.admission.settings.quotas.syncTps = 2;
      expect((await runAdmissionRound(deps)).granted).toBe(1);

      // Act
      const voided = await voidGrants(handle.db);
      const again = await runAdmissionRound(deps);

      // Assess: granted again at once; the dead run's grant can no longer be called
      expect(voided).toBe(1);
      expect(again.granted).toBe(1);
      expect((await admitCall(deps, resumedInput(started[0]!))).admitted).toBe(false);
      expect((await admitCall(deps, resumedInput(started[1]!))).admitted).toBe(true);
    });

    it('fails a task that waited longer than the maximum, with CAPACITY_WAIT_EXCEEDED', async () => {
      // Prepare
      const { deps, waiting } = await oneCallTakenOneWaiting({ maxWaitMs: 60_000 });
      await sql`UPDATE admission_waits SET waiting_since = now() - interval '2 minutes'`.execute(handle.db);

      // Act
      const round = await runAdmissionRound(deps);

      // Assess
      expect(round.overdue).toBe(1);
      expect(await findTaskById(handle.db, waiting.taskId)).toMatchObject({
        status: 'failed',
        error_code: 'CAPACITY_WAIT_EXCEEDED',
      });
      expect(await findWait(handle.db, waiting.taskId)).toBeUndefined();
    });

    it('does not count a call or a job slot whose holder died once its lease expired', async () => {
      // Prepare: the only job slot is held by a run that died; its lease has run out
      const { deps } = createDeps({}, { syncTps: 5, asyncStartTps: 5, maxConcurrentJobs: 1 });
      const user = await seedUser(handle.db);
      expect((await admitCall(deps, await seedDownloaded(user.id, 'async'))).admitted).toBe(true);
      expect((await admitCall(deps, await seedDownloaded(user.id, 'async'))).admitted).toBe(false);
      await sql`UPDATE textract_leases SET expires_at = now() - interval '1 second'`.execute(handle.db);

      // Act
      const round = await runAdmissionRound(deps);

      // Assess
      expect(round.granted).toBe(1);
    });
  });

  describe('Function: waitAfterThrottle', () => {
    it('puts a throttled task back to wait with backoff, keeping when it first waited', async () => {
      // Prepare
      const { deps } = createDeps({ backoffBaseMs: 10_000 });
      const user = await seedUser(handle.db);
      const input = await seedDownloaded(user.id);
      const admission = await admitCall(deps, input);
      if (!admission.admitted) throw new Error('expected an admitted call');
      const waitingSince = '2026-12-06T00:00:00.000Z';

      // Act
      await waitAfterThrottle(
        deps,
        { ...input, admission: { leaseId: admission.leaseId, waitingSince } },
        admission.leaseId,
        Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }),
      );

      // Assess: random 0.5 of a 10 s cap → not before ~5 s from now
      const wait = await findWait(handle.db, input.taskId);
      expect(wait).toMatchObject({ throttles: 1 });
      expect(new Date(wait!.waiting_since).toISOString()).toBe(waitingSince);
      const delay = new Date(wait!.not_before).getTime() - new Date(wait!.enqueued_at).getTime();
      expect(delay).toBe(5_000);
      const counts = await countLeases(handle.db, { kind: 'sync', now: new Date(), rateWindowMs: 1_050 });
      expect(counts).toMatchObject({ held: 0, recentCalls: 1 });
      expect(await findTaskById(handle.db, input.taskId)).toMatchObject({
        status: 'queued',
        stage: 'capacity',
      });
    });
  });

  describe('Function: releaseJobSlot', () => {
    it('frees the slot of a finished job and wakes the loop when a task waits for one', async () => {
      // Prepare
      const { deps } = createDeps({}, { syncTps: 5, asyncStartTps: 5, maxConcurrentJobs: 1 });
      const user = await seedUser(handle.db);
      const running = await seedDownloaded(user.id, 'async');
      await admitCall(deps, running);
      await admitCall(deps, await seedDownloaded(user.id, 'async'));
      vi.mocked(deps.admission.signal.poke).mockClear();

      // Act
      await releaseJobSlot(deps, running.taskId);

      // Assess
      const counts = await countLeases(handle.db, { kind: 'async', now: new Date(), rateWindowMs: 1_050 });
      expect(counts.held).toBe(0);
      expect(deps.admission.signal.poke).toHaveBeenCalledWith('job finished');
    });
  });

  describe('Function: runAdmissionPump', () => {
    it('runs the loop in one admitter only and admits every waiting task as the window frees', async () => {
      // Prepare: 6 tasks, 2 per 300 ms window
      const { deps, started } = createDeps(
        { rateWindowMs: 300 },
        { syncTps: 2, asyncStartTps: 1, maxConcurrentJobs: 1 },
      );
      const user = await seedUser(handle.db);
      const inputs = await Promise.all(Array.from({ length: 6 }, () => seedDownloaded(user.id)));
      for (const input of inputs) await admitCall(deps, input);
      // Every admitted run calls at once (what Recognize does with its grant)
      vi.mocked(deps.workflow.start).mockImplementation(async (input) => {
        started.push(input);
        await admitCall(deps, resumedInput(input));
        return { executionArn: 'arn' };
      });
      const deadline = new Date(Date.now() + 10_000);

      // Act
      const [first, second] = await Promise.all([
        runAdmissionPump(deps, { deadline, pollMs: 50 }),
        new Promise((resolve) => setTimeout(resolve, 20)).then(() =>
          runAdmissionPump(deps, { deadline, pollMs: 50 }),
        ),
      ]);

      // Assess
      expect([first.led, second.led].filter(Boolean)).toHaveLength(1);
      expect(started).toHaveLength(4);
      const statuses = await Promise.all(inputs.map((input) => findTaskById(handle.db, input.taskId)));
      expect(statuses.filter((task) => task?.status === 'processing')).toHaveLength(6);
    });

    it('holds the loop on a short lease it renews every round, so a dead admitter blocks the next briefly', async () => {
      // Prepare: one call a 400 ms window; two tasks wait behind the first
      const { deps } = createDeps(
        { rateWindowMs: 400 },
        { syncTps: 1, asyncStartTps: 1, maxConcurrentJobs: 1 },
      );
      const user = await seedUser(handle.db);
      for (let i = 0; i < 3; i += 1) await admitCall(deps, await seedDownloaded(user.id));
      // Every admitted run calls at once (what Recognize does with its grant)
      vi.mocked(deps.workflow.start).mockImplementation(async (input) => {
        await admitCall(deps, resumedInput(input));
        return { executionArn: 'arn' };
      });
      const leaseAhead: number[] = [];
      const sleep = async (ms: number) => {
        const { rows } = await sql<{ ahead: number }>`
          SELECT extract(epoch FROM lease_until - clock_timestamp()) * 1000 AS ahead FROM admission_pump`.execute(
          handle.db,
        );
        leaseAhead.push(Number(rows[0]!.ahead));
        await new Promise((resolve) => setTimeout(resolve, ms));
      };

      // Act
      const report = await runAdmissionPump(deps, {
        deadline: new Date(Date.now() + 60_000),
        pollMs: 50,
        leaseMs: 300,
        sleep,
      });

      // Assess: many rounds, the lease never more than its length ahead, gone when the loop left
      expect(report).toMatchObject({ led: true, granted: 2, waiting: 0 });
      expect(leaseAhead.length).toBeGreaterThan(3);
      expect(Math.max(...leaseAhead)).toBeLessThanOrEqual(300);
      expect(Math.min(...leaseAhead)).toBeGreaterThan(0);
      const { rows } = await sql<{ owner: string | null }>`SELECT owner FROM admission_pump`.execute(
        handle.db,
      );
      expect(rows[0]!.owner).toBeNull();
    });
  });
});
