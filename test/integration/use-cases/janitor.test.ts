import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import {
  findTaskById,
  insertResult,
  listTaskEvents,
  saveConnection,
  softDeleteTask,
} from '../../../database/repositories/index.js';
import type { DispatchDeps } from '../../../lambdas/core/deps.js';
import type { ObjectStore, WorkflowInput } from '../../../lambdas/core/ports.js';
import { ConflictError } from '../../../lambdas/core/errors.js';
import { runJanitor } from '../../../lambdas/core/use-cases/janitor.js';
import { retryTask } from '../../../lambdas/core/use-cases/manage-tasks.js';
import { databaseBackends, seedTask, seedUser, useDatabase } from '../../helpers/databases.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(await databaseBackends())('Backend: $name', ({ create }) => {
  const handle = useDatabase(create);

  /** The janitor running `aheadMs` in the future: every row written now looks that old. */
  const createDeps = (aheadMs: number, bucket = new Map<string, Uint8Array>()) => {
    const started: WorkflowInput[] = [];
    // The two reads the janitor makes of an upload: is it there, and what are its first bytes.
    const objects = {
      head: vi.fn(async (key: string) => {
        const bytes = bucket.get(key);
        return bytes && { size: bytes.byteLength, contentType: 'application/octet-stream' };
      }),
      readRange: vi.fn(async (key: string, start: number, end: number) => {
        const bytes = bucket.get(key);
        if (!bytes) throw new Error(`no object ${key}`);
        return bytes.subarray(start, end + 1);
      }),
    } as Partial<ObjectStore> as ObjectStore;
    const deps: DispatchDeps = {
      db: handle.db,
      objects,
      connections: { post: vi.fn(async () => true) },
      now: () => new Date(Date.now() + aheadMs),
      workflow: {
        start: vi.fn(async (input: WorkflowInput) => {
          started.push(input);
          return { executionArn: `arn:execution:${input.taskId}-${input.attempt}` };
        }),
      },
    };
    return { deps, started };
  };

  const setAttempts = (taskId: string, attempts: number) =>
    handle.db.updateTable('tasks').set({ attempts }).where('id', '=', taskId).execute();

  describe('Function: runJanitor', () => {
    it('restarts a task stuck in processing with its next attempt', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      const { task, file } = await seedTask(handle.db, {
        userId: user.id,
        status: 'processing',
        stage: 'recognize',
      });
      await setAttempts(task.id, 1);
      const { deps, started } = createDeps(2 * HOUR);

      // Act
      const report = await runJanitor(deps);

      // Assess
      expect(report).toEqual({
        redriven: 1,
        timedOut: 0,
        uploadsRecovered: 0,
        uploadsExpired: 0,
        purged: 0,
        connectionsDeleted: 0,
        countsRepaired: 0,
      });
      expect(started).toEqual([{ taskId: task.id, userId: user.id, key: file.storage_key, attempt: 2 }]);
      expect(await findTaskById(handle.db, task.id)).toMatchObject({
        status: 'queued',
        stage: 'download',
        progress: 0,
        attempts: 2,
      });
      const events = await listTaskEvents(handle.db, task.id);
      expect(events.at(-1)).toMatchObject({
        from_status: 'processing',
        to_status: 'queued',
        message: 'Restarted after stalling',
      });
    });

    it('fails a stuck task with TIMEOUT when it is out of attempts', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      const { task } = await seedTask(handle.db, { userId: user.id, status: 'queued' });
      await setAttempts(task.id, 3);
      const { deps, started } = createDeps(2 * HOUR);

      // Act
      const report = await runJanitor(deps, { maxAttempts: 3 });

      // Assess
      expect(report.timedOut).toBe(1);
      expect(started).toEqual([]);
      expect(await findTaskById(handle.db, task.id)).toMatchObject({
        status: 'failed',
        error_code: 'TIMEOUT',
      });
    });

    it('leaves alone tasks that moved recently and tasks that are not running', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      await seedTask(handle.db, { userId: user.id, status: 'processing' });
      const { task: completed } = await seedTask(handle.db, { userId: user.id, status: 'completed' });
      const { deps, started } = createDeps(10 * 60_000);

      // Act
      const report = await runJanitor(deps, { stuckAfterMs: 90 * 60_000 });

      // Assess
      expect(report).toEqual({
        redriven: 0,
        timedOut: 0,
        uploadsRecovered: 0,
        uploadsExpired: 0,
        purged: 0,
        connectionsDeleted: 0,
        countsRepaired: 0,
      });
      expect(started).toEqual([]);
      expect((await findTaskById(handle.db, completed.id))?.status).toBe('completed');
    });

    it('fails with UPLOAD_EXPIRED a task whose file never arrived, and tells its owner', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      const { task } = await seedTask(handle.db, { userId: user.id, status: 'awaiting_upload' });
      await saveConnection(handle.db, { id: 'owner-socket', userId: user.id });
      const { deps, started } = createDeps(2 * HOUR);

      // Act
      const report = await runJanitor(deps);

      // Assess
      expect(report).toMatchObject({ uploadsExpired: 1, uploadsRecovered: 0, redriven: 0 });
      expect(started).toEqual([]);
      expect(await findTaskById(handle.db, task.id)).toMatchObject({
        status: 'failed',
        error_code: 'UPLOAD_EXPIRED',
        error_message: 'The file did not arrive before its upload link expired; upload it again',
      });
      // Nothing to read again: a retry is refused with the way out.
      const expired = (await findTaskById(handle.db, task.id))!;
      await expect(retryTask({ ...deps, version: 'test' }, expired)).rejects.toThrow(
        new ConflictError('The file never arrived, so there is nothing to retry; upload it again'),
      );
      const pushed = vi.mocked(deps.connections.post).mock.calls.map(([id, message]) => ({ id, message }));
      expect(pushed).toContainEqual({
        id: 'owner-socket',
        message: expect.objectContaining({
          type: 'task_update',
          taskId: task.id,
          status: 'failed',
          error: { code: 'UPLOAD_EXPIRED', message: expect.stringContaining('upload it again') },
        }),
      });
    });

    it('dispatches a task whose file is in the bucket although its event never came', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      const { task, file } = await seedTask(handle.db, { userId: user.id, status: 'awaiting_upload' });
      const pdf = new TextEncoder().encode('%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n<<>>\nendobj\n');
      const { deps, started } = createDeps(2 * HOUR, new Map([[file.storage_key, pdf]]));

      // Act
      const report = await runJanitor(deps);

      // Assess
      expect(report).toMatchObject({ uploadsRecovered: 1, uploadsExpired: 0 });
      expect(started).toEqual([{ taskId: task.id, userId: user.id, key: file.storage_key, attempt: 1 }]);
      expect(await findTaskById(handle.db, task.id)).toMatchObject({ status: 'queued', stage: 'download' });
    });

    it('leaves a task awaiting its upload alone while its upload may still be on its way', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      const { task } = await seedTask(handle.db, { userId: user.id, status: 'awaiting_upload' });
      const { deps } = createDeps(30 * 60_000);

      // Act
      const report = await runJanitor(deps);

      // Assess
      expect(report).toMatchObject({ uploadsExpired: 0, uploadsRecovered: 0 });
      expect(deps.objects.head).not.toHaveBeenCalled();
      expect((await findTaskById(handle.db, task.id))?.status).toBe('awaiting_upload');
    });

    it('purges tasks deleted before the restore window with their file, result and events', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      const { task: old, file: oldFile } = await seedTask(handle.db, {
        userId: user.id,
        status: 'completed',
      });
      await insertResult(handle.db, {
        task_id: old.id,
        user_id: user.id,
        text: 'old text',
        text_key: 'k.txt',
        html_key: 'k.html',
        json_key: 'k.json',
        pages: 1,
        words: 2,
        lines: 1,
        confidence: 99,
        processing_ms: 10,
        engine: 'textract',
      });
      await softDeleteTask(handle.db, { taskId: old.id, userId: user.id });
      const { task: recent } = await seedTask(handle.db, { userId: user.id, status: 'completed' });
      await softDeleteTask(handle.db, { taskId: recent.id, userId: user.id });
      await handle.db
        .updateTable('tasks')
        .set({ deleted_at: sql<Date>`now() - interval '29 days'` })
        .where('id', '=', recent.id)
        .execute();
      await handle.db
        .updateTable('tasks')
        .set({ deleted_at: sql<Date>`now() - interval '31 days'` })
        .where('id', '=', old.id)
        .execute();
      const { deps } = createDeps(0);

      // Act
      const report = await runJanitor(deps);

      // Assess
      expect(report.purged).toBe(1);
      expect(await findTaskById(handle.db, old.id)).toBeUndefined();
      expect(await findTaskById(handle.db, recent.id)).toBeDefined();
      const leftovers = await handle.db
        .selectFrom('files')
        .select('id')
        .where('id', '=', oldFile.id)
        .union(handle.db.selectFrom('results').select('task_id as id').where('task_id', '=', old.id))
        .union(handle.db.selectFrom('task_events').select('task_id as id').where('task_id', '=', old.id))
        .execute();
      expect(leftovers).toEqual([]);
    });

    it('deletes connections opened more than two hours ago and keeps newer ones', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      await saveConnection(handle.db, { id: 'old-connection', userId: user.id });
      await saveConnection(handle.db, { id: 'new-connection', userId: user.id });
      await handle.db
        .updateTable('connections')
        .set({ connected_at: new Date(Date.now() - 3 * HOUR) })
        .where('id', '=', 'old-connection')
        .execute();
      const { deps } = createDeps(0);

      // Act
      const report = await runJanitor(deps);

      // Assess
      expect(report.connectionsDeleted).toBe(1);
      const left = await handle.db.selectFrom('connections').select('id').execute();
      expect(left).toEqual([{ id: 'new-connection' }]);
    });

    it('keeps going and counts only what worked when restarting one task fails', async () => {
      // Prepare
      const user = await seedUser(handle.db);
      const { task: first } = await seedTask(handle.db, { userId: user.id, status: 'processing' });
      const { task: second } = await seedTask(handle.db, { userId: user.id, status: 'processing' });
      await setAttempts(first.id, 1);
      await setAttempts(second.id, 1);
      const { deps } = createDeps(DAY);
      vi.mocked(deps.workflow.start).mockRejectedValueOnce(new Error('StateMachineDoesNotExist'));

      // Act
      const report = await runJanitor(deps);

      // Assess
      expect(report.redriven).toBe(1);
      expect(deps.workflow.start).toHaveBeenCalledTimes(2);
    });
  });
});
