/**
 * A pool of tesseract.js workers (one WebAssembly Tesseract per thread). Each slot pairs a text
 * recognizer with a small orientation detector and runs one page at a time; pages of all documents
 * share one queue, served round-robin per document, so several documents can be in flight and a
 * long one cannot stall the pool
 * forever. Workers start lazily on the first page (about half a second each, in parallel) and are
 * reused; a worker that dies, hangs or fails a page is replaced.
 */
import { createWorker, OEM } from 'tesseract.js';
import type { Worker as TesseractWorker, WorkerParams } from 'tesseract.js';
import type { Worker as ThreadWorker } from 'node:worker_threads';
import { OcrError, PageCancelledError } from './errors.js';
import { parseTesseractTsv } from './tsv.js';

/** What a job may do with the slot it runs on. */
export interface SlotHandle {
  /** Recognizes a PNG and returns tesseract.js's `blocks` tree. */
  recognize(png: Buffer, params?: Partial<WorkerParams>): Promise<RecognizedPage>;
  /** Orientation and script detection; `undefined` when OSD finds nothing to go on. */
  detectOrientation(png: Buffer): Promise<{ degrees: number; confidence: number } | undefined>;
}

/** The parts of tesseract.js's recognition result the engine reads. */
export interface RecognizedPage {
  confidence: number;
  blocks: TesseractBlock[];
}

export interface Bbox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
export interface TesseractWord {
  text: string;
  confidence: number;
  bbox: Bbox;
}
export interface TesseractLine {
  text: string;
  confidence: number;
  bbox: Bbox;
  words: TesseractWord[];
}
export interface TesseractBlock {
  paragraphs: { lines: TesseractLine[] }[];
}

export interface PoolOptions {
  size: number;
  /** `eng+deu` style language list. */
  languages: string;
  /** Directory with an uncompressed `<lang>.traineddata` for every language. */
  langPath: string;
  /** Directory with `osd.traineddata.gz`; no orientation detection without it. */
  osdLangPath?: string;
  /** Tesseract parameters set once on each orientation detector. */
  osdParams?: Partial<WorkerParams>;
  /** Tesseract parameters set once on each recognizer. */
  params: Partial<WorkerParams>;
  /** Parameters only read when Tesseract initialises (such as `load_system_dawg`). */
  initConfig?: Record<string, string>;
  /** A page running longer than this is abandoned and its worker replaced. */
  pageTimeoutMs: number;
  /** Starting a worker longer than this counts as a failure. */
  startTimeoutMs: number;
}

/** One unit of work: `prepare` runs on the main thread (rendering), `run` on a slot. */
export interface PoolJob<I, O> {
  prepare(): Promise<I>;
  run(slot: SlotHandle, input: I): Promise<O>;
  /** Checked before the job starts: a job of a failed document is skipped. */
  cancelled?(): boolean;
  /** Jobs of one group (the pages of a document) run in order; groups take turns. */
  group?: object;
}

class WorkerDiedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerDiedError';
  }
}

interface Slot {
  ocr: TesseractWorker;
  osd: TesseractWorker | undefined;
  threads: ThreadWorker[];
  /** Rejects when one of the slot's threads exits or errors. */
  died: Promise<never>;
  dead: boolean;
}

interface QueuedJob {
  group: object;
  prepared?: Promise<unknown>;
  attempts: number;
  job: PoolJob<unknown, unknown>;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

/** How many times a page is tried when its worker dies under it. */
const MAX_ATTEMPTS = 2;

/**
 * Waiting jobs in one lane per group, served round-robin: a 300-page PDF submitted first does not
 * make a one-page receipt submitted after it wait for all 300 pages.
 */
class FairQueue {
  /** Map order is the rotation order. */
  private lanes = new Map<object, QueuedJob[]>();
  size = 0;

  push(job: QueuedJob): void {
    const lane = this.lanes.get(job.group);
    if (lane === undefined) this.lanes.set(job.group, [job]);
    else lane.push(job);
    this.size += 1;
  }

  /** Puts a job back at the very front (a retry goes next). */
  unshift(job: QueuedJob): void {
    const lane = this.lanes.get(job.group) ?? [];
    this.lanes.delete(job.group);
    this.lanes = new Map([[job.group, [job, ...lane]], ...this.lanes]);
    this.size += 1;
  }

  peek(): QueuedJob | undefined {
    return this.lanes.values().next().value?.[0];
  }

  shift(): QueuedJob | undefined {
    const entry = this.lanes.entries().next();
    if (entry.done === true) return undefined;
    const [group, lane] = entry.value;
    const job = lane.shift();
    this.lanes.delete(group);
    // The lane goes to the back of the rotation.
    if (lane.length > 0) this.lanes.set(group, lane);
    this.size -= 1;
    return job;
  }

  drain(): QueuedJob[] {
    const all = [...this.lanes.values()].flat();
    this.lanes.clear();
    this.size = 0;
    return all;
  }
}

/** Fixed-size pool of recognizer slots with a shared, per-document round-robin queue. */
export class OcrWorkerPool {
  private readonly idle: Slot[] = [];
  private readonly queue = new FairQueue();
  private live = 0;
  private starting = 0;
  private closed = false;
  private readonly all = new Set<Slot>();

  constructor(private readonly options: PoolOptions) {}

  /**
   * Queues a job and resolves with its result.
   *
   * @param job - Rendering step and recognition step of one page.
   * @returns The job's result.
   */
  submit<I, O>(job: PoolJob<I, O>): Promise<O> {
    if (this.closed) return Promise.reject(new Error('The OCR engine is closed'));
    return new Promise<O>((resolve, reject) => {
      this.queue.push({
        group: job.group ?? {},
        attempts: 0,
        job: job as PoolJob<unknown, unknown>,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.pump();
    });
  }

  /** Terminates every worker and rejects queued jobs. */
  async close(): Promise<void> {
    this.closed = true;
    for (const queued of this.queue.drain()) queued.reject(new Error('The OCR engine was closed'));
    await Promise.all([...this.all].map((slot) => this.destroy(slot)));
  }

  private pump(): void {
    if (this.closed) return;
    while (this.queue.size > 0 && this.idle.length > 0) {
      const slot = this.idle.pop() as Slot;
      const queued = this.queue.shift() as QueuedJob;
      void this.execute(slot, queued);
    }
    // Grow up to the pool size while pages are waiting.
    while (this.queue.size > this.starting && this.live + this.starting < this.options.size) {
      this.starting += 1;
      void this.spawn();
    }
  }

  private async spawn(): Promise<void> {
    try {
      const slot = await this.createSlot();
      this.starting -= 1;
      if (this.closed) {
        await this.destroy(slot);
        return;
      }
      this.live += 1;
      this.release(slot);
    } catch (error) {
      this.starting -= 1;
      // Without any worker the queue would wait forever: fail what is queued instead.
      if (this.live + this.starting === 0) {
        const failure = new OcrError(
          'InternalServerError',
          'OCR_FAILED',
          `The OCR worker failed to start: ${message(error)}`,
          {
            cause: error,
          },
        );
        for (const queued of this.queue.drain()) queued.reject(failure);
      }
    }
  }

  private release(slot: Slot): void {
    if (slot.dead || this.closed) return;
    // An idle pool must not keep the process alive; a busy one must.
    for (const thread of slot.threads) thread.unref();
    this.idle.push(slot);
    this.pump();
  }

  private async execute(slot: Slot, queued: QueuedJob): Promise<void> {
    const { job } = queued;
    if (job.cancelled?.()) {
      queued.reject(new PageCancelledError());
      this.release(slot);
      return;
    }
    for (const thread of slot.threads) thread.ref();
    queued.prepared ??= job.prepare();
    // Render the next waiting page while this one is recognized.
    const next = this.queue.peek();
    if (next !== undefined && !next.job.cancelled?.()) {
      next.prepared ??= next.job.prepare();
      next.prepared.catch(() => undefined);
    }
    let input: unknown;
    try {
      input = await queued.prepared;
    } catch (error) {
      queued.reject(error);
      this.release(slot);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new WorkerDiedError(`OCR of one page took longer than ${this.options.pageTimeoutMs} ms`)),
        this.options.pageTimeoutMs,
      );
    });
    try {
      const result = await Promise.race([job.run(this.handle(slot), input), slot.died, timeout]);
      queued.resolve(result);
      this.release(slot);
    } catch (error) {
      // Whatever failed inside Tesseract may have left the worker in a bad state: replace it.
      this.retire(slot);
      if (error instanceof WorkerDiedError && queued.attempts + 1 < MAX_ATTEMPTS && !this.closed) {
        queued.attempts += 1;
        this.queue.unshift(queued);
        this.pump();
        return;
      }
      queued.reject(
        error instanceof OcrError
          ? error
          : new OcrError('InternalServerError', 'OCR_FAILED', `OCR failed: ${message(error)}`, {
              cause: error,
            }),
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Takes a slot out of service and starts a replacement if pages are waiting. */
  private retire(slot: Slot): void {
    if (!slot.dead) {
      slot.dead = true;
      this.live -= 1;
    }
    void this.destroy(slot);
    this.pump();
  }

  private async destroy(slot: Slot): Promise<void> {
    this.all.delete(slot);
    await Promise.all([slot.ocr.terminate(), slot.osd?.terminate()].map((p) => p?.catch(() => undefined)));
  }

  private handle(slot: Slot): SlotHandle {
    return {
      async recognize(png, params) {
        if (params !== undefined) await slot.ocr.setParameters(params);
        // TSV, not tesseract.js's `blocks` JSON: same words and boxes, far less to build and copy.
        const { data } = await slot.ocr.recognize(png, {}, { tsv: true, text: false, blocks: false });
        return { confidence: data.confidence, blocks: parseTesseractTsv(data.tsv ?? '') };
      },
      async detectOrientation(png) {
        if (slot.osd === undefined) return undefined;
        const { data } = await slot.osd.detect(png);
        if (data.orientation_degrees === null || data.orientation_confidence === null) return undefined;
        return { degrees: data.orientation_degrees, confidence: data.orientation_confidence };
      },
    };
  }

  private async createSlot(): Promise<Slot> {
    const { languages, langPath, osdLangPath, osdParams, params, initConfig, startTimeoutMs } = this.options;
    // tesseract.js throws from its message handler (an uncaught exception) when a job fails and no
    // errorHandler is set; the job's promise rejects either way, so the handler only swallows.
    const errorHandler = (): void => undefined;
    const start = <T>(promise: Promise<T>): Promise<T> =>
      withTimeout(promise, startTimeoutMs, 'OCR worker start');
    const settled = await Promise.allSettled([
      start(
        createWorker(
          languages,
          OEM.LSTM_ONLY,
          { langPath, cacheMethod: 'none', gzip: false, errorHandler },
          initConfig ?? {},
        ),
      ),
      osdLangPath === undefined
        ? Promise.resolve(undefined)
        : start(
            createWorker('osd', OEM.TESSERACT_ONLY, {
              langPath: osdLangPath,
              cacheMethod: 'none',
              gzip: true,
              legacyCore: true,
              legacyLang: true,
              errorHandler,
            }),
          ),
    ]);
    const [ocrResult, osdResult] = settled;
    if (ocrResult?.status !== 'fulfilled' || osdResult?.status !== 'fulfilled') {
      // Do not leak the half that did start.
      for (const result of settled)
        if (result.status === 'fulfilled') await result.value?.terminate().catch(() => undefined);
      const failed = settled.find((result) => result.status === 'rejected');
      throw failed?.reason ?? new Error('OCR worker start failed');
    }
    const ocr = ocrResult.value;
    const osd = osdResult.value;
    // Tesseract prints warnings (such as "Invalid resolution 0 dpi") through its debug file.
    await ocr.setParameters({ debug_file: '/dev/null', ...params });
    await osd?.setParameters({ debug_file: '/dev/null', ...osdParams });
    const threads = [ocr, osd].flatMap((w) => {
      const thread = (w as unknown as { worker?: ThreadWorker } | undefined)?.worker;
      return thread === undefined ? [] : [thread];
    });
    const slot: Slot = { ocr, osd, threads, dead: false, died: undefined as unknown as Promise<never> };
    slot.died = new Promise<never>((_, reject) => {
      const onDeath = (reason: string): void => {
        reject(new WorkerDiedError(reason));
        if (!slot.dead && this.all.has(slot)) this.retire(slot);
      };
      for (const thread of threads) {
        thread.once('error', (error) => onDeath(`OCR worker crashed: ${message(error)}`));
        thread.once('exit', (code) => onDeath(`OCR worker exited with code ${code}`));
      }
    });
    // Nobody may be racing against it right now; the rejection is still observed by later races.
    slot.died.catch(() => undefined);
    this.all.add(slot);
    return slot;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
