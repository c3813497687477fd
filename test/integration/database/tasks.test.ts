import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createTask,
  findTaskById,
  findTaskByStorageKey,
  findTaskForUser,
  findTasksInStatus,
  listTaskEvents,
  softDeleteTask,
  transitionTask,
  updateTaskProgress,
} from '../../../database/repositories/index.js';
import type { User } from '../../../database/schema.js';
import { databaseBackends, seedTask, seedUser, useDatabase } from '../../helpers/databases.js';

describe.each(await databaseBackends())('Backend: $name', ({ create }) => {
  const handle = useDatabase(create);
  let user: User;

  beforeEach(async () => {
    user = await seedUser(handle.db);
  });

  describe('Function: createTask', () => {
    it('creates a task with defaults and a first event from no status', async () => {
      // Prepare
      const { file } = await seedTask(handle.db, { userId: user.id });

      // Act
      const task = await createTask(handle.db, {
        userId: user.id,
        fileId: file.id,
        status: 'awaiting_upload',
        stage: 'upload',
      });

      // Assess
      expect(task).toMatchObject({
        user_id: user.id,
        file_id: file.id,
        status: 'awaiting_upload',
        stage: 'upload',
        progress: 0,
        priority: 'normal',
        source: 'api',
        attempts: 0,
        queued_at: null,
        deleted_at: null,
      });
      const events = await listTaskEvents(handle.db, task.id);
      expect(events).toMatchObject([{ from_status: null, to_status: 'awaiting_upload', stage: 'upload' }]);
    });

    it('sets queued_at, priority and source when given', async () => {
      // Prepare
      const { file } = await seedTask(handle.db, { userId: user.id });

      // Act
      const task = await createTask(handle.db, {
        userId: user.id,
        fileId: file.id,
        status: 'queued',
        stage: 'upload',
        priority: 'high',
        source: 'drop',
      });

      // Assess
      expect(task).toMatchObject({ priority: 'high', source: 'drop' });
      expect(task.queued_at).toBeInstanceOf(Date);
    });
  });

  describe('Function: findTaskById', () => {
    it('returns the task with its file metadata', async () => {
      // Prepare
      const { task, file } = await seedTask(handle.db, { userId: user.id, originalName: 'scan.pdf' });

      // Act
      const found = await findTaskById(handle.db, task.id);

      // Assess
      expect(found).toEqual({
        ...task,
        original_name: 'scan.pdf',
        storage_key: file.storage_key,
        detected_content_type: 'application/pdf',
        declared_content_type: 'application/pdf',
        size_bytes: 1024,
        pages: 1,
      });
    });

    it('returns undefined when the id is not a UUID', async () => {
      // Prepare: nothing

      // Act
      const found = await findTaskById(handle.db, "1' OR '1'='1");

      // Assess
      expect(found).toBeUndefined();
    });
  });

  describe('Function: findTaskForUser', () => {
    it('finds the task of its owner', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id });

      // Act
      const found = await findTaskForUser(handle.db, { taskId: task.id, userId: user.id });

      // Assess
      expect(found?.id).toBe(task.id);
    });

    it('returns undefined when another user asks', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id });
      const other = await seedUser(handle.db);

      // Act
      const found = await findTaskForUser(handle.db, { taskId: task.id, userId: other.id });

      // Assess
      expect(found).toBeUndefined();
    });

    it('returns undefined for a non-UUID task id instead of a database error', async () => {
      // Prepare: nothing

      // Act
      const found = await findTaskForUser(handle.db, { taskId: 'abc', userId: user.id });

      // Assess
      expect(found).toBeUndefined();
    });

    it('hides a soft-deleted task unless includeDeleted is set', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id });
      await softDeleteTask(handle.db, { taskId: task.id, userId: user.id });

      // Act
      const hidden = await findTaskForUser(handle.db, { taskId: task.id, userId: user.id });
      const shown = await findTaskForUser(handle.db, {
        taskId: task.id,
        userId: user.id,
        includeDeleted: true,
      });

      // Assess
      expect(hidden).toBeUndefined();
      expect(shown?.deleted_at).toBeInstanceOf(Date);
    });
  });

  describe('Function: findTaskByStorageKey', () => {
    it('finds the task of the file stored under the key', async () => {
      // Prepare
      const { task, file } = await seedTask(handle.db, { userId: user.id });

      // Act
      const found = await findTaskByStorageKey(handle.db, file.storage_key);

      // Assess
      expect(found?.id).toBe(task.id);
    });

    it('returns undefined when no file has the key', async () => {
      // Prepare: nothing

      // Act
      const found = await findTaskByStorageKey(handle.db, 'uploads/missing');

      // Assess
      expect(found).toBeUndefined();
    });
  });

  describe('Function: transitionTask', () => {
    it('moves the task, stamps started_at and records the event when it is in a from state', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id, status: 'queued' });

      // Act
      const moved = await transitionTask(handle.db, {
        taskId: task.id,
        from: ['queued'],
        to: 'processing',
        stage: 'download',
        progress: 5,
        executionArn: 'arn:aws:states:local:execution:1',
        incrementAttempts: true,
        message: 'Workflow started',
      });

      // Assess
      expect(moved).toMatchObject({
        status: 'processing',
        stage: 'download',
        progress: 5,
        attempts: 1,
        execution_arn: 'arn:aws:states:local:execution:1',
      });
      expect(moved?.started_at).toBeInstanceOf(Date);
      expect(moved!.updated_at.getTime()).toBeGreaterThanOrEqual(task.updated_at.getTime());
      const events = await listTaskEvents(handle.db, task.id);
      expect(events.map((event) => [event.from_status, event.to_status, event.stage, event.message])).toEqual(
        [
          [null, 'queued', 'upload', null],
          ['queued', 'processing', 'download', 'Workflow started'],
        ],
      );
    });

    it('returns undefined and writes no event when the task is not in a from state', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id, status: 'queued' });

      // Act
      const moved = await transitionTask(handle.db, {
        taskId: task.id,
        from: ['processing'],
        to: 'completed',
      });

      // Assess
      expect(moved).toBeUndefined();
      expect(await findTaskById(handle.db, task.id)).toMatchObject({ status: 'queued', completed_at: null });
      expect(await listTaskEvents(handle.db, task.id)).toHaveLength(1);
    });

    it('is idempotent when the same step runs twice', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id, status: 'queued' });
      const step = () => transitionTask(handle.db, { taskId: task.id, from: ['queued'], to: 'processing' });

      // Act
      const first = await step();
      const second = await step();

      // Assess
      expect(first?.status).toBe('processing');
      expect(second).toBeUndefined();
      expect(await listTaskEvents(handle.db, task.id)).toHaveLength(2);
    });

    it('lets exactly one of two racing transitions win', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id, status: 'queued' });

      // Act
      const outcomes = await Promise.all(
        ['a', 'b', 'c'].map((message) =>
          transitionTask(handle.db, { taskId: task.id, from: ['queued'], to: 'processing', message }),
        ),
      );

      // Assess
      expect(outcomes.filter((outcome) => outcome !== undefined)).toHaveLength(1);
      expect(await listTaskEvents(handle.db, task.id)).toHaveLength(2);
    });

    it('stores the error and completed_at when the task fails', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id, status: 'processing' });

      // Act
      const failed = await transitionTask(handle.db, {
        taskId: task.id,
        from: ['queued', 'processing'],
        to: 'failed',
        errorCode: 'OCR_FAILED',
        errorMessage: 'The engine crashed',
      });

      // Assess
      expect(failed).toMatchObject({
        status: 'failed',
        error_code: 'OCR_FAILED',
        error_message: 'The engine crashed',
      });
      expect(failed?.completed_at).toBeInstanceOf(Date);
      const events = await listTaskEvents(handle.db, task.id);
      expect(events.at(-1)).toMatchObject({ from_status: 'processing', to_status: 'failed' });
    });

    it('clears the error and completed_at when a failed task is queued again', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id, status: 'processing' });
      await transitionTask(handle.db, {
        taskId: task.id,
        from: ['processing'],
        to: 'failed',
        errorCode: 'TIMEOUT',
        errorMessage: 'Too slow',
      });

      // Act
      const retried = await transitionTask(handle.db, { taskId: task.id, from: ['failed'], to: 'queued' });

      // Assess
      expect(retried).toMatchObject({
        status: 'queued',
        error_code: null,
        error_message: null,
        completed_at: null,
      });
      expect(retried?.queued_at).toBeInstanceOf(Date);
    });

    it('joins the caller transaction and rolls back with it', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id, status: 'queued' });

      // Act
      const attempt = handle.db.transaction().execute(async (trx) => {
        await transitionTask(trx, { taskId: task.id, from: ['queued'], to: 'processing' });
        throw new Error('abort');
      });

      // Assess
      await expect(attempt).rejects.toThrow('abort');
      expect(await findTaskById(handle.db, task.id)).toMatchObject({ status: 'queued' });
      expect(await listTaskEvents(handle.db, task.id)).toHaveLength(1);
    });

    it('returns undefined when the task does not exist or the id is malformed', async () => {
      // Prepare: nothing

      // Act
      const missing = await transitionTask(handle.db, {
        taskId: randomUUID(),
        from: ['queued'],
        to: 'processing',
      });
      const malformed = await transitionTask(handle.db, {
        taskId: 'nope',
        from: ['queued'],
        to: 'processing',
      });

      // Assess
      expect(missing).toBeUndefined();
      expect(malformed).toBeUndefined();
    });
  });

  describe('Function: updateTaskProgress', () => {
    it('updates stage and progress of a processing task without an event', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id, status: 'processing' });

      // Act
      const updated = await updateTaskProgress(handle.db, {
        taskId: task.id,
        stage: 'recognize',
        progress: 40,
      });

      // Assess
      expect(updated).toMatchObject({ status: 'processing', stage: 'recognize', progress: 40 });
      expect(await listTaskEvents(handle.db, task.id)).toHaveLength(1);
    });

    it('returns undefined when the task is not processing', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id, status: 'queued' });

      // Act
      const updated = await updateTaskProgress(handle.db, {
        taskId: task.id,
        stage: 'recognize',
        progress: 40,
      });

      // Assess
      expect(updated).toBeUndefined();
      expect(await findTaskById(handle.db, task.id)).toMatchObject({ stage: 'upload', progress: 0 });
    });
  });

  describe('Function: findTasksInStatus', () => {
    it('returns tasks in the given statuses, least recently updated first', async () => {
      // Prepare
      const queued = await seedTask(handle.db, { userId: user.id, status: 'queued' });
      const processing = await seedTask(handle.db, { userId: user.id, status: 'processing' });
      await seedTask(handle.db, { userId: user.id, status: 'awaiting_upload' });
      await handle.db
        .updateTable('tasks')
        .set({ updated_at: new Date('2026-01-01T00:00:00Z') })
        .where('id', '=', processing.task.id)
        .execute();

      // Act
      const found = await findTasksInStatus(handle.db, { statuses: ['queued', 'processing'] });

      // Assess
      expect(found.map((task) => task.id)).toEqual([processing.task.id, queued.task.id]);
      expect(found[0]?.storage_key).toBe(processing.file.storage_key);
    });

    it('returns only tasks untouched since updatedBefore, up to limit', async () => {
      // Prepare
      const stale = await seedTask(handle.db, { userId: user.id, status: 'processing' });
      const staler = await seedTask(handle.db, { userId: user.id, status: 'processing' });
      await seedTask(handle.db, { userId: user.id, status: 'processing' });
      await handle.db
        .updateTable('tasks')
        .set({ updated_at: new Date('2026-01-02T00:00:00Z') })
        .where('id', '=', stale.task.id)
        .execute();
      await handle.db
        .updateTable('tasks')
        .set({ updated_at: new Date('2026-01-01T00:00:00Z') })
        .where('id', '=', staler.task.id)
        .execute();

      // Act
      const all = await findTasksInStatus(handle.db, {
        statuses: ['processing'],
        updatedBefore: new Date('2026-02-01T00:00:00Z'),
      });
      const limited = await findTasksInStatus(handle.db, {
        statuses: ['processing'],
        updatedBefore: new Date('2026-02-01T00:00:00Z'),
        limit: 1,
      });

      // Assess
      expect(all.map((task) => task.id)).toEqual([staler.task.id, stale.task.id]);
      expect(limited.map((task) => task.id)).toEqual([staler.task.id]);
    });

    it('returns nothing when no status is asked for', async () => {
      // Prepare
      await seedTask(handle.db, { userId: user.id, status: 'queued' });

      // Act
      const found = await findTasksInStatus(handle.db, { statuses: [] });

      // Assess
      expect(found).toEqual([]);
    });
  });

  describe('Function: listTaskEvents', () => {
    it('returns events in the order they happened, even within one transaction', async () => {
      // Prepare
      const { file } = await seedTask(handle.db, { userId: user.id });

      // Act
      const taskId = await handle.db.transaction().execute(async (trx) => {
        const task = await createTask(trx, {
          userId: user.id,
          fileId: file.id,
          status: 'queued',
          stage: 'upload',
        });
        await transitionTask(trx, { taskId: task.id, from: ['queued'], to: 'processing' });
        await transitionTask(trx, { taskId: task.id, from: ['processing'], to: 'completed', stage: 'done' });
        return task.id;
      });
      const events = await listTaskEvents(handle.db, taskId);

      // Assess
      expect(events.map((event) => event.to_status)).toEqual(['queued', 'processing', 'completed']);
    });

    it('returns an empty list when the id is not a UUID', async () => {
      // Prepare: nothing

      // Act
      const events = await listTaskEvents(handle.db, 'x');

      // Assess
      expect(events).toEqual([]);
    });
  });
});
