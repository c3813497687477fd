/**
 * The workflow steps on a real database: each run acts only for the task's current attempt, so the
 * duplicate and stale runs an at-least-once (Express) workflow produces change nothing.
 */
import { describe, expect, it, vi } from 'vitest';
import { findResult, findTaskById, listTaskEvents } from '../../../database/repositories/index.js';
import { DEFAULT_ADMISSION_SETTINGS } from '../../../lambdas/core/admission-rules.js';
import type { PipelineDeps } from '../../../lambdas/core/deps.js';
import type { ObjectStore } from '../../../lambdas/core/ports.js';
import { downloadStep } from '../../../lambdas/core/use-cases/download.js';
import {
  markFailedStep,
  recognizeStep,
  writeResultStep,
  type DownloadOutput,
} from '../../../lambdas/core/use-cases/pipeline.js';
import { makePdf } from '../../fixtures/documents.js';
import { twoPageDocument } from '../../fixtures/textract/two-page-document.js';
import { databaseBackends, seedTask, seedUser, useDatabase } from '../../helpers/databases.js';

describe.each(await databaseBackends())('Backend: $name', ({ create }) => {
  const handle = useDatabase(create);

  /** An in-memory bucket holding `document` under every key read, and ports that record. */
  const createDeps = (document: Uint8Array) => {
    const written = new Map<string, string>();
    const objects = {
      head: vi.fn(async () => ({ size: document.byteLength })),
      read: vi.fn(async () => document),
      write: vi.fn(async (key: string, body: Uint8Array | string) => {
        written.set(key, typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
      }),
    } as unknown as ObjectStore;
    const pushed: Array<{ status: string; message: string }> = [];
    const deps: PipelineDeps = {
      db: handle.db,
      objects,
      connections: {
        post: vi.fn(async (_id: string, message: unknown) => {
          pushed.push(message as { status: string; message: string });
          return true;
        }),
      },
      now: () => new Date(),
      detector: { detectDocumentText: vi.fn(async () => twoPageDocument) },
      jobs: { get: vi.fn(async () => twoPageDocument) },
      engineName: 'test-engine',
      admission: { settings: DEFAULT_ADMISSION_SETTINGS, signal: { poke: vi.fn(async () => undefined) } },
    };
    return { deps, written, pushed };
  };

  /** A queued task on its first attempt, with a live connection of its owner. */
  const seedQueued = async (attempts = 1) => {
    const user = await seedUser(handle.db);
    const { task, file } = await seedTask(handle.db, { userId: user.id, status: 'queued', attempts });
    await handle.db
      .insertInto('connections')
      .values({ id: `conn-${task.id}`, user_id: user.id })
      .execute();
    const input = { taskId: task.id, userId: user.id, key: file.storage_key, attempt: attempts };
    return { user, task, file, input };
  };

  describe('Function: downloadStep', () => {
    it('claims the queued task for its attempt and execution, inspects the document and picks the sync path', async () => {
      // Prepare
      const { deps, pushed } = createDeps(await makePdf(1));
      const { task, input } = await seedQueued();

      // Act
      const output = await downloadStep(deps, { ...input, executionArn: 'arn:aws:states:x:1:express:m:n:u' });

      // Assess
      expect(output).toMatchObject({ ...input, mode: 'sync', contentType: 'application/pdf', pages: 1 });
      expect(await findTaskById(handle.db, task.id)).toMatchObject({
        status: 'processing',
        detected_content_type: 'application/pdf',
        execution_arn: 'arn:aws:states:x:1:express:m:n:u',
      });
      expect(pushed.map((m) => m.status)).toEqual(['processing']);
    });

    it('takes the async path and says how many pages when the document has several', async () => {
      // Prepare
      const { deps, pushed } = createDeps(await makePdf(3));
      const { input } = await seedQueued();

      // Act
      const output = await downloadStep(deps, input);

      // Assess
      expect(output).toMatchObject({ mode: 'async', pages: 3 });
      expect(pushed.at(-1)).toMatchObject({
        status: 'processing',
        progress: 20,
        progressMessage: 'Recognizing 3 pages',
        message: 'Recognizing 3 pages',
      });
      expect(await findTaskById(handle.db, input.taskId)).toMatchObject({
        progress_message: 'Recognizing 3 pages',
      });
    });

    it('lets only one of two runs of the same attempt through; the other ends with skip', async () => {
      // Prepare
      const { deps, pushed } = createDeps(await makePdf(1));
      const { input } = await seedQueued();

      // Act
      const [first, second] = await Promise.all([downloadStep(deps, input), downloadStep(deps, input)]);

      // Assess
      expect([first.mode, second.mode].sort()).toEqual(['skip', 'sync']);
      expect(pushed.filter((m) => m.status === 'processing')).toHaveLength(1);
    });

    it('skips a run left over from an earlier attempt without touching the task', async () => {
      // Prepare
      const { deps } = createDeps(await makePdf(1));
      const { task, input } = await seedQueued(2);

      // Act
      const output = await downloadStep(deps, { ...input, attempt: 1 });

      // Assess
      expect(output.mode).toBe('skip');
      expect(await findTaskById(handle.db, task.id)).toMatchObject({ status: 'queued', attempts: 2 });
      expect(deps.objects.read).not.toHaveBeenCalled();
    });
  });

  /** The task as Download leaves it, and the output it hands on. */
  const seedProcessing = async (deps: PipelineDeps) => {
    const { task, input } = await seedQueued();
    const output: DownloadOutput = await downloadStep(deps, input);
    return { task, input, output };
  };

  describe('Function: recognizeStep', () => {
    it('stores txt, html and json, the searchable text, and completes the task with the result', async () => {
      // Prepare
      const { deps, written, pushed } = createDeps(await makePdf(1));
      const { task, output } = await seedProcessing(deps);

      // Act
      const outcome = await recognizeStep(deps, output);

      // Assess
      expect(outcome).toEqual({ taskId: task.id, status: 'completed' });
      expect([...written.keys()].map((key) => key.split('/').at(-1)).sort()).toEqual([
        'result.html',
        'result.json',
        'result.txt',
      ]);
      expect((await findResult(handle.db, task.id))?.text).toMatch(/Invoice 2024-001/);
      expect(pushed.at(-1)).toMatchObject({
        status: 'completed',
        result: { pages: 2, engine: 'test-engine' },
      });
    });

    it('changes nothing and tells nobody when the step runs again', async () => {
      // Prepare
      const { deps, pushed } = createDeps(await makePdf(1));
      const { task, output } = await seedProcessing(deps);
      await recognizeStep(deps, output);
      const pushedBefore = pushed.length;

      // Act
      await recognizeStep(deps, output);

      // Assess
      const events = await listTaskEvents(handle.db, task.id);
      expect(events.filter((e) => e.to_status === 'completed')).toHaveLength(1);
      expect(pushed).toHaveLength(pushedBefore);
    });

    it('stores nothing for a run whose attempt is no longer the task’s', async () => {
      // Prepare
      const { deps, written } = createDeps(await makePdf(1));
      const { task, output } = await seedProcessing(deps);
      await handle.db.updateTable('tasks').set({ attempts: 2 }).where('id', '=', task.id).execute();

      // Act
      const outcome = await recognizeStep(deps, output);

      // Assess
      expect(outcome).toEqual({ taskId: task.id, status: 'processing' });
      expect(written.size).toBe(0);
      expect(await findResult(handle.db, task.id)).toBeUndefined();
    });
  });

  describe('Function: writeResultStep', () => {
    it('collects the finished job and completes the task', async () => {
      // Prepare
      const { deps } = createDeps(await makePdf(2));
      const { task, input } = await seedProcessing(deps);

      // Act
      const outcome = await writeResultStep(deps, { ...input, jobId: 'job-1' });

      // Assess
      expect(outcome).toEqual({ taskId: task.id, status: 'completed' });
      expect(deps.jobs.get).toHaveBeenCalledWith('job-1');
      expect((await findResult(handle.db, task.id))?.pages).toBe(2);
    });

    it('refuses an input without a job id', async () => {
      // Prepare
      const { deps } = createDeps(await makePdf(2));
      const { input } = await seedProcessing(deps);

      // Act / Assess
      await expect(writeResultStep(deps, input)).rejects.toThrow('jobId');
    });
  });

  describe('Function: markFailedStep', () => {
    it('fails the task with a stable code and tells the owner', async () => {
      // Prepare
      const { deps, pushed } = createDeps(await makePdf(2));
      const { task, input } = await seedProcessing(deps);

      // Act
      const outcome = await markFailedStep(deps, {
        ...input,
        error: { Error: 'TextDetectionFailedError', Cause: 'Unsupported document format' },
      });

      // Assess
      expect(outcome).toEqual({ taskId: task.id, status: 'failed', code: 'UNSUPPORTED_TYPE' });
      expect(await findTaskById(handle.db, task.id)).toMatchObject({
        status: 'failed',
        error_code: 'UNSUPPORTED_TYPE',
      });
      expect(pushed.at(-1)).toMatchObject({ status: 'failed' });
    });

    it('leaves a newer attempt alone when a stale run fails', async () => {
      // Prepare
      const { deps } = createDeps(await makePdf(2));
      const { task, input } = await seedProcessing(deps);
      await handle.db.updateTable('tasks').set({ attempts: 2 }).where('id', '=', task.id).execute();

      // Act
      await markFailedStep(deps, { ...input, error: { Error: 'States.Timeout' } });

      // Assess
      expect(await findTaskById(handle.db, task.id)).toMatchObject({ status: 'processing', attempts: 2 });
    });
  });
});
