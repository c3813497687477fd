/**
 * A simulated Textract for load tests of the whole platform (real handlers, real ASL, local runner):
 *
 * - **Quotas.** With `UNTXT_SIM_*` set, calls over a quota fail the way Textract fails them:
 *   `ProvisionedThroughputExceededException` past a TPS quota, `LimitExceededException` when the
 *   concurrent-job quota is used up. Admission control (`lambdas/core/use-cases/admission.ts`) is
 *   supposed to keep every call under them; the simulator is what proves it.
 * - **Fake recognition** (`UNTXT_OCR_ENGINE=fake`): no Tesseract. Each page "takes" a fixed time and
 *   yields one line of text naming the page, so thousands of documents run in minutes on 2 cores.
 * - **A call log** (`UNTXT_SIM_CALL_LOG`): one JSON line per call and per job end, appended as it
 *   happens, so a benchmark can measure peaks itself and the log survives a `kill -9` of the host.
 */
import { appendFileSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import type { Block } from '@aws-sdk/client-textract';
import { inspectDocument } from '../lambdas/core/document-inspection.js';
import type { DetectedText, TextDetectionJobs, TextDetector } from '../lambdas/core/ports.js';
import type { LocalOcrEngine } from './ocr/index.js';

/** Textract's quotas as the simulator enforces them; an absent one is not enforced. */
export interface SimulatedQuotas {
  syncTps?: number;
  asyncStartTps?: number;
  maxConcurrentJobs?: number;
}

/** One line of the call log. `t` is epoch ms; `outcome` is `ok` or Textract's error name. */
export type SimulatorEvent =
  | { t: number; op: 'DetectDocumentText'; outcome: string; key: string; inFlight: number }
  | { t: number; op: 'DetectDocumentText.end'; key: string }
  | { t: number; op: 'StartDocumentTextDetection'; outcome: string; key: string; jobs: number }
  | { t: number; op: 'job.end'; key: string; jobs: number };

/** A Textract-named error, as the SDK raises it (`name` is what Retry rules and admission match). */
export class SimulatedTextractError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Counts events in a sliding window of one second (Textract's TPS is per second). */
const slidingWindow = (windowMs = 1_000) => {
  const times: number[] = [];
  return {
    /** Records a call at `now` if fewer than `limit` happened in the window before it. */
    tryTake(now: number, limit: number | undefined): boolean {
      while (times.length > 0 && times[0]! <= now - windowMs) times.shift();
      if (limit !== undefined && times.length >= limit) return false;
      times.push(now);
      return true;
    },
  };
};

export interface TextractSimulator {
  /** Wraps the synchronous detector: quota check, log, then the real (or fake) recognition. */
  wrapDetector(detector: TextDetector): TextDetector;
  /** Wraps job starts: quota checks (rate, concurrent jobs) and the log. */
  wrapJobs<J extends Pick<TextDetectionJobs, 'start'>>(jobs: J): J;
  /** A job finished (its completion is about to be announced): its slot is free. */
  jobEnded(key: string): void;
  /** Calls answered with a throttling error so far. */
  throttled(): number;
}

/**
 * Creates the quota simulator. Time comes from `now` so tests can drive it.
 *
 * @param options.log - Path of the JSON-lines call log; none when absent.
 */
export const createTextractSimulator = (options: {
  quotas: SimulatedQuotas;
  log?: string;
  now?: () => number;
}): TextractSimulator => {
  const now = options.now ?? Date.now;
  const sync = slidingWindow();
  const starts = slidingWindow();
  let inFlight = 0;
  let runningJobs = 0;
  let throttledCount = 0;
  const record = (event: SimulatorEvent) => {
    if (options.log) appendFileSync(options.log, `${JSON.stringify(event)}\n`);
  };

  return {
    wrapDetector: (detector) => ({
      async detectDocumentText(input) {
        const t = now();
        if (!sync.tryTake(t, options.quotas.syncTps)) {
          throttledCount += 1;
          record({
            t,
            op: 'DetectDocumentText',
            outcome: 'ProvisionedThroughputExceededException',
            key: input.key,
            inFlight,
          });
          throw new SimulatedTextractError(
            'ProvisionedThroughputExceededException',
            'Provisioned rate exceeded (simulated DetectDocumentText quota)',
          );
        }
        inFlight += 1;
        record({ t, op: 'DetectDocumentText', outcome: 'ok', key: input.key, inFlight });
        try {
          return await detector.detectDocumentText(input);
        } finally {
          inFlight -= 1;
          record({ t: now(), op: 'DetectDocumentText.end', key: input.key });
        }
      },
    }),
    wrapJobs: (jobs) => ({
      ...jobs,
      async start(input) {
        const t = now();
        const fail = (name: string, message: string): never => {
          throttledCount += 1;
          record({ t, op: 'StartDocumentTextDetection', outcome: name, key: input.key, jobs: runningJobs });
          throw new SimulatedTextractError(name, message);
        };
        const limit = options.quotas.maxConcurrentJobs;
        if (limit !== undefined && runningJobs >= limit)
          fail('LimitExceededException', 'Too many concurrent jobs (simulated quota)');
        if (!starts.tryTake(t, options.quotas.asyncStartTps))
          fail(
            'ProvisionedThroughputExceededException',
            'Provisioned rate exceeded (simulated StartDocumentTextDetection quota)',
          );
        runningJobs += 1;
        record({ t, op: 'StartDocumentTextDetection', outcome: 'ok', key: input.key, jobs: runningJobs });
        try {
          return await jobs.start(input);
        } catch (error) {
          runningJobs -= 1;
          throw error;
        }
      },
    }),
    jobEnded(key) {
      runningJobs = Math.max(0, runningJobs - 1);
      record({ t: now(), op: 'job.end', key, jobs: runningJobs });
    },
    throttled: () => throttledCount,
  };
};

/**
 * A recognition engine that reads nothing: each page takes `pageMs` and yields one line, "untxt
 * simulated text page N of …" with a fingerprint of the document, in Textract's block shape. Pages
 * are counted the way Download counts them.
 */
export const createFakeOcrEngine = (options: { pageMs: number }): LocalOcrEngine => {
  let closed = false;
  return {
    async detectDocumentText(bytes, contentType, onPage) {
      if (closed) throw new Error('The OCR engine is closed');
      const { pages } = await inspectDocument(bytes, contentType);
      const fingerprint = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
      const blocks: Block[] = [];
      for (let page = 1; page <= pages; page += 1) {
        if (options.pageMs > 0) await new Promise((resolve) => setTimeout(resolve, options.pageMs));
        const words = ['untxt', 'simulated', 'text', 'page', String(page), 'of', fingerprint];
        const wordBlocks: Block[] = words.map((text, index) => ({
          BlockType: 'WORD',
          Confidence: 99,
          Text: text,
          TextType: 'PRINTED',
          Geometry: box(0.1 + index * 0.1, 0.1, 0.09, 0.03),
          Id: randomUUID(),
          Page: page,
        }));
        const line: Block = {
          BlockType: 'LINE',
          Confidence: 99,
          Text: words.join(' '),
          Geometry: box(0.1, 0.1, 0.7, 0.03),
          Id: randomUUID(),
          Relationships: [{ Type: 'CHILD', Ids: wordBlocks.map((word) => word.Id!) }],
          Page: page,
        };
        blocks.push(
          {
            BlockType: 'PAGE',
            Geometry: box(0, 0, 1, 1),
            Id: randomUUID(),
            Relationships: [{ Type: 'CHILD', Ids: [line.Id!] }],
            Page: page,
          },
          line,
          ...wordBlocks,
        );
        onPage?.(page, pages);
      }
      return { DocumentMetadata: { Pages: pages }, Blocks: blocks } satisfies DetectedText;
    },
    async close() {
      closed = true;
    },
  };
};

const box = (left: number, top: number, width: number, height: number) => ({
  BoundingBox: { Left: left, Top: top, Width: width, Height: height },
  Polygon: [
    { X: left, Y: top },
    { X: left + width, Y: top },
    { X: left + width, Y: top + height },
    { X: left, Y: top + height },
  ],
});
