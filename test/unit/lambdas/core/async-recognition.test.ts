import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../../../database/connect.js';
import { migrateToLatest } from '../../../../database/migrate.js';
import { findWait } from '../../../../database/repositories/admission.js';
import { findTaskById } from '../../../../database/repositories/tasks.js';
import { findTextJob } from '../../../../database/repositories/text-jobs.js';
import type { Database } from '../../../../database/schema.js';
import { DEFAULT_ADMISSION_SETTINGS } from '../../../../lambdas/core/admission-rules.js';
import { resultPrefix } from '../../../../lambdas/core/keys.js';
import type { ObjectStore } from '../../../../lambdas/core/ports.js';
import {
  completeAsyncRecognition,
  startAsyncRecognition,
  type AsyncRecognitionDeps,
} from '../../../../lambdas/core/use-cases/async-recognition.js';
import { seedTask, seedUser, truncateAll } from '../../../helpers/databases.js';

let handle: DatabaseHandle;
let db: Kysely<Database>;

beforeAll(async () => {
  handle = await createDatabase({ inMemory: true });
  await migrateToLatest(handle.db);
  db = handle.db;
});

afterAll(async () => {
  await handle?.close();
});

beforeEach(async () => {
  await truncateAll(db);
});

/** Fake ports recording what the use-case did; the database is real. */
const createDeps = (overrides: Partial<AsyncRecognitionDeps> = {}) => {
  const deps: AsyncRecognitionDeps = {
    db,
    objects: {} as ObjectStore,
    connections: { post: vi.fn(async () => true) },
    now: () => new Date(),
    jobs: { start: vi.fn(async () => 'job-1') },
    workflow: { start: vi.fn(async () => ({ executionArn: 'arn:execution' })) },
    admission: { settings: DEFAULT_ADMISSION_SETTINGS, signal: { poke: vi.fn(async () => undefined) } },
    ...overrides,
  };
  return deps;
};

const seedAsyncTask = async () => {
  const user = await seedUser(db);
  const { task, file } = await seedTask(db, {
    userId: user.id,
    status: 'processing',
    stage: 'recognize',
    attempts: 1,
  });
  const input = {
    taskId: task.id,
    userId: user.id,
    key: file.storage_key,
    attempt: 1,
    mode: 'async' as const,
    documentKey: file.storage_key,
    contentType: 'application/pdf',
    pages: 2,
    resultPrefix: resultPrefix(user.id, task.id, new Date(task.created_at)),
  };
  const handOff = { taskId: task.id, userId: user.id, key: file.storage_key, attempt: 1, jobId: 'job-1' };
  return { task, input, handOff };
};

const completion = (taskId: string, Status: 'SUCCEEDED' | 'FAILED' | 'ERROR' = 'SUCCEEDED') => ({
  JobId: 'job-1',
  Status,
  JobTag: taskId,
});

describe('Function: startAsyncRecognition', () => {
  it('starts the job for the task and attempt and hands nothing off while the job runs', async () => {
    // Prepare
    const deps = createDeps();
    const { task, input } = await seedAsyncTask();

    // Act
    const outcome = await startAsyncRecognition(deps, input);

    // Assess
    expect(outcome).toEqual({ jobId: 'job-1', handedOff: false });
    expect(deps.jobs.start).toHaveBeenCalledWith({
      key: input.documentKey,
      taskId: task.id,
      attempt: 1,
      outputPrefix: `${input.resultPrefix}textract-output`,
    });
    expect(deps.workflow.start).not.toHaveBeenCalled();
    expect(await findTextJob(db, 'job-1')).toMatchObject({ status: 'IN_PROGRESS', attempt: 1 });
  });

  it('hands off at once when the completion arrived before the start was recorded', async () => {
    // Prepare
    const deps = createDeps();
    const { task, input, handOff } = await seedAsyncTask();
    const early = await completeAsyncRecognition(deps, completion(task.id));

    // Act
    const outcome = await startAsyncRecognition(deps, input);

    // Assess
    expect(early).toBe(false);
    expect(outcome).toMatchObject({ handedOff: true });
    expect(deps.workflow.start).toHaveBeenCalledExactlyOnceWith(handOff);
  });

  it('does not hand off twice when a retried state gets back a job that was handed off', async () => {
    // Prepare
    const deps = createDeps();
    const { task, input } = await seedAsyncTask();
    await startAsyncRecognition(deps, input);
    await completeAsyncRecognition(deps, completion(task.id));

    // Act
    const outcome = await startAsyncRecognition(deps, input);

    // Assess
    expect(outcome).toMatchObject({ handedOff: false });
    expect(deps.workflow.start).toHaveBeenCalledTimes(1);
  });

  it('rejects an input that is not a Download output, before starting anything', async () => {
    // Prepare
    const deps = createDeps();
    const { input } = await seedAsyncTask();

    // Act
    const start = startAsyncRecognition(deps, { input, taskToken: 'token-1' });

    // Assess
    await expect(start).rejects.toThrow('taskId');
    expect(deps.jobs.start).not.toHaveBeenCalled();
  });

  it('propagates an engine error other than throttling by name, so the state can retry or catch it', async () => {
    // Prepare
    const failure = Object.assign(new Error('Internal'), { name: 'InternalServerError' });
    const deps = createDeps({ jobs: { start: vi.fn(async () => Promise.reject(failure)) } });
    const { input } = await seedAsyncTask();

    // Act
    const start = startAsyncRecognition(deps, input);

    // Assess
    await expect(start).rejects.toMatchObject({ name: 'InternalServerError' });
    expect(await findTextJob(db, 'job-1')).toBeUndefined();
  });

  it('puts a throttled start back to wait for capacity instead of failing it', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const deps = createDeps({ jobs: { start: vi.fn(async () => Promise.reject(throttled)) } });
    const { task, input } = await seedAsyncTask();

    // Act
    const outcome = await startAsyncRecognition(deps, input);

    // Assess
    expect(outcome).toEqual({ jobId: null, status: 'queued' });
    expect(await findTaskById(db, task.id)).toMatchObject({ status: 'queued', stage: 'capacity' });
    expect(await findWait(db, task.id)).toMatchObject({ kind: 'async', throttles: 1 });
    expect(await findTextJob(db, 'job-1')).toBeUndefined();
  });
});

describe('Function: completeAsyncRecognition', () => {
  it('hands the task back to the workflow with the job id', async () => {
    // Prepare
    const deps = createDeps();
    const { task, input, handOff } = await seedAsyncTask();
    await startAsyncRecognition(deps, input);

    // Act
    const handedOff = await completeAsyncRecognition(deps, completion(task.id));

    // Assess
    expect(handedOff).toBe(true);
    expect(deps.workflow.start).toHaveBeenCalledExactlyOnceWith(handOff);
    expect(await findTextJob(db, 'job-1')).toMatchObject({
      status: 'SUCCEEDED',
      handed_off_at: expect.any(Date),
    });
  });

  it('hands a failed job off too, so the workflow records its failure', async () => {
    // Prepare
    const deps = createDeps();
    const { task, input, handOff } = await seedAsyncTask();
    await startAsyncRecognition(deps, input);

    // Act
    const handedOff = await completeAsyncRecognition(deps, completion(task.id, 'FAILED'));

    // Assess
    expect(handedOff).toBe(true);
    expect(deps.workflow.start).toHaveBeenCalledExactlyOnceWith(handOff);
    expect(await findTextJob(db, 'job-1')).toMatchObject({ status: 'FAILED' });
  });

  it('hands off once when the notification is delivered twice', async () => {
    // Prepare
    const deps = createDeps();
    const { task, input } = await seedAsyncTask();
    await startAsyncRecognition(deps, input);

    // Act
    const first = await completeAsyncRecognition(deps, completion(task.id));
    const second = await completeAsyncRecognition(deps, completion(task.id));

    // Assess
    expect([first, second]).toEqual([true, false]);
    expect(deps.workflow.start).toHaveBeenCalledTimes(1);
  });

  it('gives the claim back so a redelivery can hand off when starting the workflow fails', async () => {
    // Prepare
    const deps = createDeps();
    vi.mocked(deps.workflow.start).mockRejectedValueOnce(new Error('network down'));
    const { task, input } = await seedAsyncTask();
    await startAsyncRecognition(deps, input);

    // Act
    const first = completeAsyncRecognition(deps, completion(task.id));
    await expect(first).rejects.toThrow('network down');
    const redelivered = await completeAsyncRecognition(deps, completion(task.id));

    // Assess
    expect(redelivered).toBe(true);
    expect(deps.workflow.start).toHaveBeenCalledTimes(2);
  });

  it('ignores the completion of a job whose tag is not a task', async () => {
    // Prepare
    const deps = createDeps();

    // Act
    const handedOff = await completeAsyncRecognition(deps, {
      JobId: 'job-x',
      Status: 'SUCCEEDED',
      JobTag: 'other-app',
    });

    // Assess
    expect(handedOff).toBe(false);
    expect(await findTextJob(db, 'job-x')).toBeUndefined();
    expect(deps.workflow.start).not.toHaveBeenCalled();
  });
});
