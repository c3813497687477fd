/**
 * The local asynchronous text-detection jobs report finished pages as the engine reads them: in
 * order, at most once a second per job (first and last page always), and all before the completion
 * Textract's SNS message stands for.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ObjectStore } from '../../../lambdas/core/ports.js';
import type { LocalOcrEngine } from '../../../local/ocr/index.js';
import {
  createLocalTextDetectionJobs,
  PAGE_PROGRESS_INTERVAL_MS,
  type LocalPageProgress,
} from '../../../local/text-detector.js';
import { makePdf } from '../../fixtures/documents.js';

/** An engine that "reads" `pages` pages, advancing the fake clock by `msPerPage[i]` before page i finishes. */
const steppedEngine = (clock: { now: number }, msPerPage: number[]): LocalOcrEngine => ({
  async detectDocumentText(_bytes, _contentType, onPage) {
    for (let i = 0; i < msPerPage.length; i += 1) {
      clock.now += msPerPage[i]!;
      await Promise.resolve();
      onPage?.(i + 1, msPerPage.length);
    }
    return { DocumentMetadata: { Pages: msPerPage.length }, Blocks: [] };
  },
  close: async () => undefined,
});

const memoryObjects = async () => {
  const stored = new Map<string, Uint8Array | string>([['uploads/doc.pdf', await makePdf(1)]]);
  return {
    read: vi.fn(async (key: string) => {
      const value = stored.get(key);
      if (value === undefined) throw new Error(`no object ${key}`);
      return typeof value === 'string' ? new TextEncoder().encode(value) : value;
    }),
    write: vi.fn(async (key: string, body: Uint8Array | string) => {
      stored.set(key, body);
    }),
  } as unknown as ObjectStore;
};

describe('Function: createLocalTextDetectionJobs', () => {
  it('reports the first page, pages a second apart and the last page, in order, before the completion', async () => {
    // Prepare
    const clock = { now: 0 };
    const events: Array<string | LocalPageProgress> = [];
    let completed!: () => void;
    const done = new Promise<void>((resolve) => (completed = resolve));
    const jobs = createLocalTextDetectionJobs({
      objects: await memoryObjects(),
      // Pages 2 and 3 finish 400 ms after the one before: inside the interval, so not reported.
      engine: steppedEngine(clock, [300, 400, 400, PAGE_PROGRESS_INTERVAL_MS, 100]),
      now: () => clock.now,
      onProgress: async (report) => {
        // A slow report must not be overtaken by the next one or by the completion.
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(report);
      },
      onCompletion: async (completion) => {
        events.push(`completed:${completion.Status}`);
        completed();
      },
    });

    // Act
    await jobs.start({ key: 'uploads/doc.pdf', taskId: 'task-1', attempt: 3, outputPrefix: 'results/x' });
    await done;

    // Assess
    expect(events).toEqual([
      { taskId: 'task-1', attempt: 3, pagesDone: 1, pages: 5 },
      { taskId: 'task-1', attempt: 3, pagesDone: 4, pages: 5 },
      { taskId: 'task-1', attempt: 3, pagesDone: 5, pages: 5 },
      'completed:SUCCEEDED',
    ]);
  });

  it('completes the job even when a progress report fails', async () => {
    // Prepare
    const clock = { now: 0 };
    let status = '';
    let completed!: () => void;
    const done = new Promise<void>((resolve) => (completed = resolve));
    const jobs = createLocalTextDetectionJobs({
      objects: await memoryObjects(),
      engine: steppedEngine(clock, [10, 10]),
      now: () => clock.now,
      onProgress: async () => {
        throw new Error('database is down');
      },
      onCompletion: async (completion) => {
        status = completion.Status;
        completed();
      },
    });

    // Act
    const jobId = await jobs.start({ key: 'uploads/doc.pdf', taskId: 't', attempt: 1, outputPrefix: 'out' });
    await done;

    // Assess
    expect(status).toBe('SUCCEEDED');
    expect(await jobs.get(jobId)).toEqual({ DocumentMetadata: { Pages: 2 }, Blocks: [] });
  });
});
