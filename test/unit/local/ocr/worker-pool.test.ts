import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLanguageDir } from '../../../../local/ocr/assets.js';
import type { LanguageDir } from '../../../../local/ocr/assets.js';
import { OcrWorkerPool } from '../../../../local/ocr/worker-pool.js';
import type { SlotHandle } from '../../../../local/ocr/worker-pool.js';
import { renderTextPng } from '../../../fixtures/documents.js';

let langDir: LanguageDir;
let pool: OcrWorkerPool;

beforeAll(async () => {
  langDir = await createLanguageDir(['eng'], 'fast');
  pool = new OcrWorkerPool({
    size: 1,
    languages: 'eng',
    langPath: langDir.path,
    params: { tessedit_pageseg_mode: '6' as never },
    pageTimeoutMs: 1500,
    startTimeoutMs: 60_000,
  });
});

afterAll(async () => {
  await pool.close();
  langDir.remove();
});

describe('Function: OcrWorkerPool.submit', () => {
  it('replaces a hung worker and fails the page with OCR_FAILED when every attempt times out', async () => {
    // Prepare
    const hang = { prepare: async () => undefined, run: () => new Promise<never>(() => undefined) };

    // Act
    const error = await pool.submit(hang).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'InternalServerError', code: 'OCR_FAILED' });
    expect((error as Error).message).toMatch(/longer than 1500 ms/u);
  });

  it('recognizes on a fresh worker when the previous one was retired', async () => {
    // Prepare
    const png = await renderTextPng(['Replacement worker']);

    // Act
    const text = await pool.submit({
      prepare: async () => png,
      run: async (slot, input) => {
        const page = await slot.recognize(input);
        return page.blocks.flatMap((b) => b.paragraphs.flatMap((p) => p.lines.map((l) => l.text.trim())));
      },
    });

    // Assess
    expect(text).toEqual(['Replacement worker']);
  });

  it('retries the page on a new worker when the worker thread dies under it', async () => {
    // Prepare
    const png = await renderTextPng(['Survived a crash']);
    let attempts = 0;
    const crashOnce = {
      prepare: async () => png,
      run: async (slot: SlotHandle, input: Buffer) => {
        attempts += 1;
        if (attempts === 1) {
          // Reach into the pool to kill the thread the page runs on, as a WebAssembly abort would.
          const slots = (pool as unknown as { all: Set<{ threads: { terminate(): Promise<number> }[] }> })
            .all;
          for (const s of slots) for (const thread of s.threads) void thread.terminate();
          return new Promise<never>(() => undefined);
        }
        return slot.recognize(input);
      },
    };

    // Act
    const page = await pool.submit(crashOnce);

    // Assess
    expect(attempts).toBe(2);
    const text = page.blocks.flatMap((b) => b.paragraphs.flatMap((p) => p.lines.map((l) => l.text.trim())));
    expect(text).toEqual(['Survived a crash']);
  });

  it('rejects the page but stays usable when Tesseract cannot read the image', async () => {
    // Prepare
    const garbage = Buffer.from('not an image at all');
    const png = await renderTextPng(['Next page']);
    const recognize = (input: Buffer) =>
      pool.submit({ prepare: async () => input, run: (slot, image) => slot.recognize(image) });

    // Act
    const error = await recognize(garbage).catch((e: unknown) => e);
    const next = await recognize(png);

    // Assess
    expect(error).toMatchObject({ name: 'InternalServerError', code: 'OCR_FAILED' });
    expect(next.blocks.length).toBeGreaterThan(0);
  });

  it('lets documents take turns when a long document was queued first', async () => {
    // Prepare
    const order: string[] = [];
    let open = (): void => undefined;
    const opened = new Promise<void>((resolve) => (open = resolve));
    // Keeps the only worker busy until every job is queued.
    const gate = pool.submit({ prepare: async () => undefined, run: () => opened });
    const job = (group: object, name: string) =>
      pool.submit({ group, prepare: async () => name, run: async (_slot, input) => void order.push(input) });
    const [long, short] = [{}, {}];
    const jobs = [job(long, 'long-1'), job(long, 'long-2'), job(long, 'long-3'), job(short, 'short-1')];

    // Act
    open();
    await Promise.all([gate, ...jobs]);

    // Assess
    expect(order).toEqual(['long-1', 'short-1', 'long-2', 'long-3']);
  });

  it('rejects queued and new jobs when the pool is closed', async () => {
    // Prepare
    const closing = new OcrWorkerPool({
      size: 1,
      languages: 'eng',
      langPath: langDir.path,
      params: {},
      pageTimeoutMs: 10_000,
      startTimeoutMs: 60_000,
    });
    const queued = closing.submit({ prepare: async () => undefined, run: async () => 'never' });

    // Act
    await closing.close();
    const after = closing.submit({ prepare: async () => undefined, run: async () => 'never' });

    // Assess
    await expect(queued).rejects.toThrow(/closed/u);
    await expect(after).rejects.toThrow(/closed/u);
  });
});
