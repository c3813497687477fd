import { beforeEach, describe, expect, it } from 'vitest';
import {
  claimTextJobHandOff,
  findTextJob,
  recordTextJobCompletion,
  releaseTextJobHandOff,
  saveTextJobStart,
} from '../../../database/repositories/index.js';
import type { Task } from '../../../database/schema.js';
import { databaseBackends, seedTask, seedUser, truncateAll, useDatabase } from '../../helpers/databases.js';

describe.each(await databaseBackends())('Backend: $name', ({ create }) => {
  const handle = useDatabase(create);
  let task: Task;

  beforeEach(async () => {
    const user = await seedUser(handle.db);
    ({ task } = await seedTask(handle.db, { userId: user.id, status: 'processing' }));
  });

  const start = (pages = 3) =>
    saveTextJobStart(handle.db, {
      jobId: 'job-1',
      taskId: task.id,
      attempt: 1,
      input: { taskId: task.id, pages },
    });

  describe('Function: saveTextJobStart', () => {
    it('stores the attempt and the state input as JSON', async () => {
      // Act
      const job = await start();

      // Assess
      expect(job).toMatchObject({
        job_id: 'job-1',
        task_id: task.id,
        attempt: 1,
        input: { taskId: task.id, pages: 3 },
        status: 'IN_PROGRESS',
        handed_off_at: null,
      });
    });

    it('keeps a hand-off already made when the state starts the same job again', async () => {
      // Prepare
      await start();
      await recordTextJobCompletion(handle.db, { jobId: 'job-1', taskId: task.id, status: 'SUCCEEDED' });
      await claimTextJobHandOff(handle.db, 'job-1');

      // Act
      const job = await start(4);

      // Assess
      expect(job).toMatchObject({
        status: 'SUCCEEDED',
        input: { pages: 4 },
        handed_off_at: expect.any(Date),
      });
    });
  });

  describe('Function: recordTextJobCompletion', () => {
    it('records a completion that arrives before the start', async () => {
      // Act
      const job = await recordTextJobCompletion(handle.db, {
        jobId: 'job-1',
        taskId: task.id,
        status: 'FAILED',
        statusMessage: 'bad',
      });

      // Assess
      expect(job).toMatchObject({ status: 'FAILED', status_message: 'bad', input: null });
      expect(job?.completed_at).toBeInstanceOf(Date);
    });

    it('records nothing when the tag is not a task', async () => {
      // Act
      const job = await recordTextJobCompletion(handle.db, {
        jobId: 'job-2',
        taskId: '00000000-0000-4000-8000-000000000000',
        status: 'SUCCEEDED',
      });

      // Assess
      expect(job).toBeUndefined();
      expect(await findTextJob(handle.db, 'job-2')).toBeUndefined();
    });
  });

  describe('Function: claimTextJobHandOff', () => {
    it('claims nothing while the job runs or before its start is recorded', async () => {
      // Prepare
      await start();
      const running = await claimTextJobHandOff(handle.db, 'job-1');
      await truncateAll(handle.db);
      const user = await seedUser(handle.db);
      ({ task } = await seedTask(handle.db, { userId: user.id, status: 'processing' }));
      await recordTextJobCompletion(handle.db, { jobId: 'job-1', taskId: task.id, status: 'SUCCEEDED' });

      // Act
      const startless = await claimTextJobHandOff(handle.db, 'job-1');

      // Assess
      expect(running).toBeUndefined();
      expect(startless).toBeUndefined();
    });

    it('lets exactly one caller claim a finished job, and again after a release', async () => {
      // Prepare
      await start();
      await recordTextJobCompletion(handle.db, { jobId: 'job-1', taskId: task.id, status: 'SUCCEEDED' });

      // Act
      const claims = await Promise.all([
        claimTextJobHandOff(handle.db, 'job-1'),
        claimTextJobHandOff(handle.db, 'job-1'),
      ]);
      await releaseTextJobHandOff(handle.db, 'job-1');
      const again = await claimTextJobHandOff(handle.db, 'job-1');

      // Assess
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(again?.handed_off_at).toBeInstanceOf(Date);
    });
  });
});
