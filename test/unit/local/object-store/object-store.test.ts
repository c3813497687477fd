import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../../../lambdas/core/errors.js';
import { BUCKET, startStore } from './helpers.js';
import type { StoreHarness } from './helpers.js';

describe('Function: createLocalObjectStore', () => {
  let harness: StoreHarness;
  beforeEach(async () => {
    harness = await startStore();
  });
  afterEach(async () => {
    await harness.close();
  });

  describe('Function: write', () => {
    it('stores the bytes under rootDir/bucket/key and the metadata in a separate tree', async () => {
      // Prepare
      const key = 'results/user-1/2024-05/task-1/text.txt';

      // Act
      await harness.store.write(key, 'Hello', 'text/plain');

      // Assess
      expect(await readFile(path.join(harness.rootDir, BUCKET, key), 'utf8')).toBe('Hello');
      const meta = JSON.parse(await readFile(path.join(harness.rootDir, '.meta', BUCKET, key), 'utf8'));
      expect(meta).toMatchObject({
        contentType: 'text/plain',
        size: 5,
        etag: '8b1a9953c4611296a827abf8c47804d7',
      });
      expect(await readdir(path.join(harness.rootDir, BUCKET, 'results/user-1/2024-05/task-1'))).toEqual([
        'text.txt',
      ]);
    });

    it('does not emit an event when the key is a result', async () => {
      // Prepare
      const key = 'results/user-1/2024-05/task-1/text.json';

      // Act
      await harness.store.write(key, '{}', 'application/json');

      // Assess
      expect(harness.events).toHaveLength(0);
    });

    it('emits one ObjectCreated:Put when the key is under uploads/', async () => {
      // Prepare
      const key = 'uploads/user-1/file-1/scan.png';

      // Act
      await harness.store.write(key, new Uint8Array([1, 2, 3]), 'image/png');

      // Assess
      expect(harness.events).toHaveLength(1);
      expect(harness.events[0]?.Records[0]).toMatchObject({
        eventName: 'ObjectCreated:Put',
        s3: { object: { key, size: 3, eTag: '5289df737df57326fcdd22597afb1fac' } },
      });
    });

    it('rejects keys that could escape the root and writes nothing', async () => {
      // Prepare
      const keys = [
        '../outside.txt',
        'uploads/../../outside.txt',
        '/etc/passwd',
        'uploads/./x',
        'uploads//x',
        'uploads/x/',
        'uploads\\..\\x',
        'uploads/\u0001x',
        'a'.repeat(1025),
        `uploads/${'n'.repeat(256)}`,
        '',
      ];

      // Act
      const results = await Promise.allSettled(
        keys.map((key) => harness.store.write(key, 'x', 'text/plain')),
      );

      // Assess
      for (const result of results) {
        expect(result.status).toBe('rejected');
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ValidationError);
      }
      expect(await readdir(harness.rootDir)).toEqual(expect.arrayContaining([BUCKET, '.meta', '.tmp']));
      expect(await readdir(path.join(harness.rootDir, BUCKET))).toEqual([]);
      await expect(stat(path.join(path.dirname(harness.rootDir), 'outside.txt'))).rejects.toThrow();
    });

    it('accepts a 1024-byte key with unicode and spaces', async () => {
      // Prepare
      const segment = 'ä ö'.repeat(40); // 200 bytes
      const head = ['uploads', ...Array.from({ length: 4 }, () => segment)].join('/'); // 815 bytes
      const key = `${head}/${'x'.repeat(1024 - Buffer.byteLength(head) - 1)}`;

      // Act
      await harness.store.write(key, 'x', 'text/plain');

      // Assess
      expect(Buffer.byteLength(key)).toBe(1024);
      expect(await harness.store.head(key)).toMatchObject({ size: 1 });
    });

    it('answers a HEAD for a key it cannot hold as no such object, as S3 does for a key never stored', async () => {
      // Prepare: names S3 could hold but this store refuses (backslash, control character, 300-byte segment)
      const keys = ['uploads/u/a\\b.png', 'uploads/u/a\u0000.png', `uploads/u/${'x'.repeat(300)}.png`];

      // Act
      const heads = await Promise.all(keys.map((key) => harness.store.head(key)));

      // Assess
      expect(heads).toEqual([undefined, undefined, undefined]);
      await expect(harness.store.read(keys[0] as string)).rejects.toBeInstanceOf(ValidationError);
    });

    it('throws ConflictError when a key would need an existing object as its folder', async () => {
      // Prepare
      await harness.store.write('results/u/a', 'file', 'text/plain');

      // Act
      const writing = harness.store.write('results/u/a/b', 'nested', 'text/plain');

      // Assess
      await expect(writing).rejects.toBeInstanceOf(ConflictError);
      expect(await harness.tempFiles()).toEqual([]);
      expect(new TextDecoder().decode(await harness.store.read('results/u/a'))).toBe('file');
    });

    it('keeps sidecars apart when one key looks like another key plus a suffix', async () => {
      // Prepare
      await harness.store.write('results/u/x', 'plain', 'text/plain');

      // Act
      await harness.store.write('results/u/x.json', '{}', 'application/json');

      // Assess
      expect(await harness.store.head('results/u/x')).toMatchObject({ contentType: 'text/plain', size: 5 });
      expect(await harness.store.head('results/u/x.json')).toMatchObject({
        contentType: 'application/json',
        size: 2,
      });
    });

    it('leaves no temp file behind when writing many objects concurrently', async () => {
      // Prepare
      const keys = Array.from({ length: 20 }, (_, i) => `results/user-1/2024-05/task-${i}/text.txt`);

      // Act
      await Promise.all(keys.map((key, i) => harness.store.write(key, `text ${i}`, 'text/plain')));

      // Assess
      expect(await harness.tempFiles()).toEqual([]);
      expect(new TextDecoder().decode(await harness.store.read(keys[7] ?? ''))).toBe('text 7');
    });
  });

  describe('Function: head', () => {
    it('returns size, content type and last modified when the object exists', async () => {
      // Prepare
      await harness.store.write('results/u/a.html', '<p>hi</p>', 'text/html');

      // Act
      const head = await harness.store.head('results/u/a.html');

      // Assess
      expect(head).toEqual({ size: 9, contentType: 'text/html', lastModified: expect.any(Date) });
    });

    it('returns undefined when the object does not exist', async () => {
      // Prepare
      const key = 'results/u/missing.html';

      // Act
      const head = await harness.store.head(key);

      // Assess
      expect(head).toBeUndefined();
    });
  });

  describe('Function: readRange', () => {
    const key = 'uploads/u/f/digits.bin';
    beforeEach(async () => {
      await harness.store.write(key, '0123456789', 'application/octet-stream');
    });

    it('returns bytes start..endInclusive when the range is inside the object', async () => {
      // Prepare
      const [start, end] = [2, 5];

      // Act
      const bytes = await harness.store.readRange(key, start, end);

      // Assess
      expect(new TextDecoder().decode(bytes)).toBe('2345');
    });

    it('clamps to the object size when the range runs past the end', async () => {
      // Prepare
      const [start, end] = [8, 1000];

      // Act
      const bytes = await harness.store.readRange(key, start, end);

      // Assess
      expect(new TextDecoder().decode(bytes)).toBe('89');
    });

    it('returns no bytes when the range starts after the end', async () => {
      // Prepare
      const [start, end] = [50, 60];

      // Act
      const bytes = await harness.store.readRange(key, start, end);

      // Assess
      expect(bytes).toHaveLength(0);
    });

    it('throws NotFoundError when the object does not exist', async () => {
      // Prepare
      const missing = 'uploads/u/f/missing.bin';

      // Act
      const reading = harness.store.readRange(missing, 0, 10);

      // Assess
      await expect(reading).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('Function: setTags', () => {
    const key = 'uploads/u/f/scan.pdf';
    beforeEach(async () => {
      await harness.store.write(key, '%PDF', 'application/pdf');
    });

    it('replaces the whole tag set when called again', async () => {
      // Prepare
      await harness.store.setTags(key, { status: 'processing', owner: 'u' });

      // Act
      await harness.store.setTags(key, { status: 'done' });

      // Assess
      expect(await harness.store.getTags(key)).toEqual({ status: 'done' });
      expect(await harness.store.head(key)).toMatchObject({ contentType: 'application/pdf', size: 4 });
    });

    it('clears the tags when the object is overwritten, as on S3', async () => {
      // Prepare
      await harness.store.setTags(key, { status: 'done' });

      // Act
      await harness.store.write(key, '%PDF-2', 'application/pdf');

      // Assess
      expect(await harness.store.getTags(key)).toEqual({});
    });

    it('throws ValidationError when the tags break S3 rules', async () => {
      // Prepare
      const tooMany = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));

      // Act
      const attempts = [
        harness.store.setTags(key, tooMany),
        harness.store.setTags(key, { '': 'v' }),
        harness.store.setTags(key, { k: 'x'.repeat(257) }),
        harness.store.setTags(key, { k: 'a<b' }),
      ];

      // Assess
      for (const attempt of attempts) await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    });

    it('throws NotFoundError when the object does not exist', async () => {
      // Prepare
      const missing = 'uploads/u/f/missing.pdf';

      // Act
      const tagging = harness.store.setTags(missing, { a: 'b' });

      // Assess
      await expect(tagging).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('Function: read', () => {
    it('throws NotFoundError when the object does not exist', async () => {
      // Prepare
      const key = 'results/u/none.txt';

      // Act
      const reading = harness.store.read(key);

      // Assess
      await expect(reading).rejects.toBeInstanceOf(NotFoundError);
    });
  });
});
