import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createFile,
  findFileById,
  findFileByStorageKey,
  findResult,
  insertResult,
  updateFile,
} from '../../../database/repositories/index.js';
import type { NewResult, User } from '../../../database/schema.js';
import { databaseBackends, seedTask, seedUser, useDatabase } from '../../helpers/databases.js';

describe.each(await databaseBackends())('Backend: $name', ({ create }) => {
  const handle = useDatabase(create);
  let user: User;

  beforeEach(async () => {
    user = await seedUser(handle.db);
  });

  describe('Function: createFile', () => {
    it('stores the file and returns size_bytes as a number', async () => {
      // Prepare
      const input = {
        user_id: user.id,
        storage_key: `uploads/${user.id}/big.tiff`,
        original_name: 'big.tiff',
        declared_content_type: 'image/tiff',
        detected_content_type: null,
        size_bytes: 5_000_000_000,
        pages: null,
      };

      // Act
      const file = await createFile(handle.db, input);

      // Assess
      expect(file).toMatchObject(input);
      expect(typeof file.size_bytes).toBe('number');
      expect(file.created_at).toBeInstanceOf(Date);
    });

    it('rejects a second file with the same storage key', async () => {
      // Prepare
      const input = { user_id: user.id, storage_key: 'uploads/same', original_name: 'a.png' };
      await createFile(handle.db, input);

      // Act
      const attempt = createFile(handle.db, input);

      // Assess
      await expect(attempt).rejects.toMatchObject({ code: '23505' });
    });
  });

  describe('Function: findFileById', () => {
    it('finds a file by id and returns undefined for unknown or malformed ids', async () => {
      // Prepare
      const file = await createFile(handle.db, {
        user_id: user.id,
        storage_key: 'k1',
        original_name: 'a.pdf',
      });

      // Act
      const found = await findFileById(handle.db, file.id);
      const unknown = await findFileById(handle.db, randomUUID());
      const malformed = await findFileById(handle.db, 'file-1');

      // Assess
      expect(found).toEqual(file);
      expect(unknown).toBeUndefined();
      expect(malformed).toBeUndefined();
    });
  });

  describe('Function: findFileByStorageKey', () => {
    it('finds a file by its storage key', async () => {
      // Prepare
      const file = await createFile(handle.db, {
        user_id: user.id,
        storage_key: 'drop/x.pdf',
        original_name: 'x.pdf',
      });

      // Act
      const found = await findFileByStorageKey(handle.db, 'drop/x.pdf');
      const missing = await findFileByStorageKey(handle.db, 'drop/y.pdf');

      // Assess
      expect(found?.id).toBe(file.id);
      expect(missing).toBeUndefined();
    });
  });

  describe('Function: updateFile', () => {
    it('patches the given columns and leaves the others', async () => {
      // Prepare
      const file = await createFile(handle.db, {
        user_id: user.id,
        storage_key: 'k2',
        original_name: 'scan',
        declared_content_type: 'application/octet-stream',
      });

      // Act
      const updated = await updateFile(handle.db, file.id, {
        detected_content_type: 'application/pdf',
        size_bytes: 2048,
        pages: 3,
      });

      // Assess
      expect(updated).toMatchObject({
        id: file.id,
        original_name: 'scan',
        declared_content_type: 'application/octet-stream',
        detected_content_type: 'application/pdf',
        size_bytes: 2048,
        pages: 3,
      });
    });

    it('returns undefined when the file does not exist', async () => {
      // Prepare: nothing

      // Act
      const updated = await updateFile(handle.db, randomUUID(), { pages: 1 });

      // Assess
      expect(updated).toBeUndefined();
    });
  });

  describe('Function: insertResult', () => {
    function resultFor(taskId: string, text: string): NewResult {
      return {
        task_id: taskId,
        user_id: user.id,
        text,
        text_key: `results/${taskId}.txt`,
        html_key: `results/${taskId}.html`,
        json_key: `results/${taskId}.json`,
        pages: 2,
        words: 4,
        lines: 2,
        confidence: 87.5,
        processing_ms: 1234,
        engine: 'tesseract',
      };
    }

    it('inserts the result once and keeps the first when written again', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id });

      // Act
      const first = await insertResult(handle.db, resultFor(task.id, 'first text'));
      const second = await insertResult(handle.db, resultFor(task.id, 'second text'));

      // Assess
      expect(first).toBe(true);
      expect(second).toBe(false);
      expect(await findResult(handle.db, task.id)).toMatchObject({
        text: 'first text',
        confidence: 87.5,
        processing_ms: 1234,
        pages: 2,
      });
    });
  });

  describe('Function: findResult', () => {
    it('returns undefined when the task has no result or the id is malformed', async () => {
      // Prepare
      const { task } = await seedTask(handle.db, { userId: user.id });

      // Act
      const none = await findResult(handle.db, task.id);
      const malformed = await findResult(handle.db, 'nope');

      // Assess
      expect(none).toBeUndefined();
      expect(malformed).toBeUndefined();
    });
  });
});
