import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { characterErrorRate } from '../fixtures/documents.js';
import {
  startTestHost,
  uploadThroughPresignedPost,
  type TestHost,
  type TestUser,
} from '../helpers/local-host.js';

/**
 * Real scanned documents from `../shared/corpus` (not part of the repository). A user's clone does
 * not have that folder, so the suite skips itself then and says why.
 */
const CORPUS = resolve(process.env.UNTXT_CORPUS_DIR ?? '../shared/corpus');
const present = existsSync(resolve(CORPUS, 'MANIFEST.tsv'));
if (!present)
  console.warn(
    `[corpus] ${CORPUS} not found: skipping the real-document suite (set UNTXT_CORPUS_DIR to run it).`,
  );

const CASES = [
  // Thresholds sit well above what the engine measures (see npm run bench) and far below garbage.
  { file: 'sroie/000.jpg', contentType: 'image/jpeg', maxCer: 0.35, pages: 1 },
  { file: 'pdf/linn.pdf', contentType: 'application/pdf', maxCer: 0.2, pages: 1 },
  { file: 'pdf/cardinal.pdf', contentType: 'application/pdf', maxCer: 0.3, pages: 4 },
];

describe.skipIf(!present)('Real documents from the corpus, through the API', () => {
  let t: TestHost;
  let user: TestUser;

  beforeAll(async () => {
    t = await startTestHost();
    user = await t.register();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it.each(CASES)(
    '$file reaches completed with its text, seen live in order',
    async ({ file, contentType, maxCer, pages }) => {
      // Prepare
      const bytes = await readFile(resolve(CORPUS, file));
      const truth = await readFile(resolve(CORPUS, file.replace(/\.[a-z]+$/, '.gt.txt')), 'utf8');
      const socket = await t.socket(user.token);
      const name = file.split('/').pop()!;

      // Act
      const created = (await (
        await t.api(user.token, '/tasks', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ filename: name, contentType, size: bytes.byteLength }),
        })
      ).json()) as { task: { id: string }; upload: { url: string; fields: Record<string, string> } };
      expect((await uploadThroughPresignedPost(created.upload, bytes, name)).status).toBe(204);
      const done = await socket.waitFor(
        (m) => m.taskId === created.task.id && (m.status === 'completed' || m.status === 'failed'),
        180_000,
      );

      // Assess
      expect(done, JSON.stringify(done)).toMatchObject({ status: 'completed' });
      const order = socket.messages
        .filter((m) => m.type === 'task_update' && m.taskId === created.task.id)
        .map((m) => m.status)
        .filter((s, i, all) => i === 0 || all[i - 1] !== s);
      expect(order).toEqual(['queued', 'processing', 'completed']);
      const link = (await (
        await t.api(user.token, `/tasks/${created.task.id}/result?format=txt`)
      ).json()) as { url: string };
      const text = await (await fetch(link.url)).text();
      const cer = characterErrorRate(text, truth);
      console.log(`[corpus] ${file}: CER ${(cer * 100).toFixed(1)} %`);
      expect(cer).toBeLessThan(maxCer);
      const detail = (await (await t.api(user.token, `/tasks/${created.task.id}`)).json()) as {
        task: { pages: number };
      };
      expect(detail.task.pages).toBe(pages);
    },
    240_000,
  );
});
