import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../../../database/connect.js';
import { migrateToLatest } from '../../../../database/migrate.js';
import { findTextJob } from '../../../../database/repositories/text-jobs.js';
import type { Database } from '../../../../database/schema.js';
import { resultKeys, resultPrefix } from '../../../../lambdas/core/keys.js';
import type { DetectedText, ObjectStore } from '../../../../lambdas/core/ports.js';
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

const DETECTED: DetectedText = {
  DocumentMetadata: { Pages: 2 },
  Blocks: [
    { BlockType: 'PAGE', Id: 'p1', Page: 1 },
    { BlockType: 'PAGE', Id: 'p2', Page: 2 },
  ],
};

/** Fake ports recording what the use-case did; the database is real. */
const createDeps = (overrides: Partial<AsyncRecognitionDeps> = {}) => {
  const written = new Map<string, string>();
  const objects = {
    write: vi.fn(async (key: string, body: Uint8Array | string) => {
      written.set(key, String(body));
    }),
  } as unknown as ObjectStore;
  const deps: AsyncRecognitionDeps = {
    db,
    objects,
    connections: { post: vi.fn(async () => true) },
    now: () => new Date(),
    engineName: 'textract',
    textract: {
      startTextDetection: vi.fn(async () => 'job-1'),
      getTextDetection: vi.fn(async () => DETECTED),
    },
    callbacks: {
      succeed: vi.fn(async () => true),
      fail: vi.fn(async () => true),
    },
    ...overrides,
  };
  return { deps, written };
};

const seedAsyncTask = async () => {
  const user = await seedUser(db);
  const { task, file } = await seedTask(db, { userId: user.id, status: 'processing', stage: 'recognize' });
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
  return { task, input };
};

const completion = (taskId: string, Status: 'SUCCEEDED' | 'FAILED' | 'ERROR' = 'SUCCEEDED') => ({
  JobId: 'job-1',
  Status,
  JobTag: taskId,
});

describe('Function: startAsyncRecognition', () => {
  it('starts the job for the task and attempt and waits when the job is still running', async () => {
    // Prepare
    const { deps } = createDeps();
    const { task, input } = await seedAsyncTask();

    // Act
    const outcome = await startAsyncRecognition(deps, { input, taskToken: 'token-1' });

    // Assess
    expect(outcome).toEqual({ jobId: 'job-1', answered: false });
    expect(deps.textract.startTextDetection).toHaveBeenCalledWith({
      key: input.documentKey,
      taskId: task.id,
      attempt: 1,
      outputPrefix: `${input.resultPrefix}textract-output`,
    });
    expect(deps.callbacks.succeed).not.toHaveBeenCalled();
  });

  it('answers at once when the completion arrived before the start was recorded', async () => {
    // Prepare
    const { deps } = createDeps();
    const { task, input } = await seedAsyncTask();
    const early = await completeAsyncRecognition(deps, completion(task.id));

    // Act
    const outcome = await startAsyncRecognition(deps, { input, taskToken: 'token-1' });

    // Assess
    expect(early).toBe(false);
    expect(outcome.answered).toBe(true);
    expect(deps.callbacks.succeed).toHaveBeenCalledExactlyOnceWith('token-1', {
      ...input,
      blocksKey: resultKeys(input.resultPrefix).blocks,
    });
  });

  it('answers the new token when a retried state gets back a job that already finished', async () => {
    // Prepare
    const { deps } = createDeps();
    const { task, input } = await seedAsyncTask();
    await startAsyncRecognition(deps, { input, taskToken: 'token-1' });
    await completeAsyncRecognition(deps, completion(task.id, 'ERROR'));

    // Act
    const outcome = await startAsyncRecognition(deps, { input, taskToken: 'token-2' });

    // Assess
    expect(outcome.answered).toBe(true);
    expect(deps.callbacks.fail).toHaveBeenNthCalledWith(
      1,
      'token-1',
      'InternalServerError',
      expect.any(String),
    );
    expect(deps.callbacks.fail).toHaveBeenNthCalledWith(
      2,
      'token-2',
      'InternalServerError',
      expect.any(String),
    );
  });

  it('rejects a payload without a task token', async () => {
    // Prepare
    const { deps } = createDeps();
    const { input } = await seedAsyncTask();

    // Act
    const start = startAsyncRecognition(deps, { input });

    // Assess
    await expect(start).rejects.toThrow('taskToken');
    expect(deps.textract.startTextDetection).not.toHaveBeenCalled();
  });
});

describe('Function: completeAsyncRecognition', () => {
  it('writes the blocks where Recognize writes them and answers with the same output shape', async () => {
    // Prepare
    const { deps, written } = createDeps();
    const { task, input } = await seedAsyncTask();
    await startAsyncRecognition(deps, { input, taskToken: 'token-1' });

    // Act
    const answered = await completeAsyncRecognition(deps, completion(task.id));

    // Assess
    const blocksKey = resultKeys(input.resultPrefix).blocks;
    expect(answered).toBe(true);
    expect(JSON.parse(written.get(blocksKey) ?? 'null')).toEqual(DETECTED);
    expect(deps.callbacks.succeed).toHaveBeenCalledExactlyOnceWith('token-1', { ...input, blocksKey });
    expect(await findTextJob(db, 'job-1')).toMatchObject({
      status: 'SUCCEEDED',
      callback_at: expect.any(Date),
    });
  });

  it('answers once when the notification is delivered twice', async () => {
    // Prepare
    const { deps } = createDeps();
    const { task, input } = await seedAsyncTask();
    await startAsyncRecognition(deps, { input, taskToken: 'token-1' });

    // Act
    const first = await completeAsyncRecognition(deps, completion(task.id));
    const second = await completeAsyncRecognition(deps, completion(task.id));

    // Assess
    expect([first, second]).toEqual([true, false]);
    expect(deps.callbacks.succeed).toHaveBeenCalledTimes(1);
  });

  it('fails the state with the error name when collecting the blocks fails', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const { deps } = createDeps();
    vi.mocked(deps.textract.getTextDetection).mockRejectedValue(throttled);
    const { task, input } = await seedAsyncTask();
    await startAsyncRecognition(deps, { input, taskToken: 'token-1' });

    // Act
    await completeAsyncRecognition(deps, completion(task.id));

    // Assess
    expect(deps.callbacks.fail).toHaveBeenCalledExactlyOnceWith(
      'token-1',
      'ThrottlingException',
      'Rate exceeded',
    );
    expect(deps.callbacks.succeed).not.toHaveBeenCalled();
  });

  it.each([
    ['The document is too large', 'DocumentTooLargeException'],
    ['Unable to get the object from S3', 'InvalidS3ObjectException'],
    ['Something odd', 'BadDocumentException'],
  ])('fails a failed job with a Textract exception name (%s → %s)', async (statusMessage, name) => {
    // Prepare
    const { deps } = createDeps();
    vi.mocked(deps.textract.getTextDetection).mockRejectedValue(new Error(statusMessage));
    const { task, input } = await seedAsyncTask();
    await startAsyncRecognition(deps, { input, taskToken: 'token-1' });

    // Act
    await completeAsyncRecognition(deps, completion(task.id, 'FAILED'));

    // Assess
    expect(deps.callbacks.fail).toHaveBeenCalledExactlyOnceWith('token-1', name, statusMessage);
  });

  it('gives the claim back so a redelivery can answer when sending the callback fails', async () => {
    // Prepare
    const { deps } = createDeps();
    vi.mocked(deps.callbacks.succeed).mockRejectedValueOnce(new Error('network down'));
    const { task, input } = await seedAsyncTask();
    await startAsyncRecognition(deps, { input, taskToken: 'token-1' });

    // Act
    const first = completeAsyncRecognition(deps, completion(task.id));
    await expect(first).rejects.toThrow('network down');
    const redelivered = await completeAsyncRecognition(deps, completion(task.id));

    // Assess
    expect(redelivered).toBe(true);
    expect(deps.callbacks.succeed).toHaveBeenCalledTimes(2);
  });

  it('ignores the completion of a job whose tag is not a task', async () => {
    // Prepare
    const { deps } = createDeps();

    // Act
    const answered = await completeAsyncRecognition(deps, {
      JobId: 'job-x',
      Status: 'SUCCEEDED',
      JobTag: 'other-app',
    });

    // Assess
    expect(answered).toBe(false);
    expect(await findTextJob(db, 'job-x')).toBeUndefined();
  });
});
