import { sniffContentType, SNIFF_HEAD_BYTES } from '../lambdas/core/content-type.js';
import { TextDetectionFailedError } from '../lambdas/core/errors.js';
import type { DetectedText, ObjectStore, TextDetectionJobs, TextDetector } from '../lambdas/core/ports.js';
import type { TextractCompletion } from '../lambdas/core/use-cases/async-recognition.js';
import { logger } from '../lambdas/shared/logger.js';
import type { LocalOcrEngine } from './ocr/index.js';

/**
 * `TextDetector` over the local OCR engine: reads the stored document like Textract reads its
 * S3Object and answers in the same shape.
 */
export const createLocalTextDetector = (options: {
  objects: ObjectStore;
  engine: LocalOcrEngine;
}): TextDetector => ({
  async detectDocumentText({ key, contentType }): Promise<DetectedText> {
    const bytes = await options.objects.read(key);
    return options.engine.detectDocumentText(bytes, contentType);
  },
});

/** The local asynchronous text-detection API, plus shutdown. */
export interface LocalTextDetectionJobs extends TextDetectionJobs {
  /** Jobs still running. */
  runningCount(): number;
  /** Stops announcing completions; running jobs are abandoned (their tasks are re-driven at the next start). */
  close(): void;
}

interface LocalJob {
  taskId: string;
  attempt: number;
  status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
  outputKey: string;
  statusMessage?: string;
}

/** A job's finished pages, as the local engine reports them (Textract has no such report). */
export interface LocalPageProgress {
  taskId: string;
  attempt: number;
  pagesDone: number;
  pages: number;
}

/** Page reports of one job at most this often; the first and the last page are always reported. */
export const PAGE_PROGRESS_INTERVAL_MS = 1000;

/**
 * Textract's asynchronous job API over the local OCR engine: `start` returns at once and recognizes
 * in the background, the blocks land in the bucket under the output prefix (as Textract's
 * `OutputConfig` does), and `onCompletion` receives the same message Textract publishes to SNS. So the
 * same hand-off code runs here as on AWS. Unlike Textract, finished pages are reported as they come
 * (`onProgress`), one report at a time per job, in order, and all before the completion.
 *
 * Jobs live in memory: after a restart they are gone, and so are the runs that waited on them; the
 * host re-drives tasks left `processing` at its next start.
 */
export const createLocalTextDetectionJobs = (options: {
  objects: ObjectStore;
  engine: LocalOcrEngine;
  onCompletion: (completion: TextractCompletion) => Promise<unknown>;
  onProgress?: (progress: LocalPageProgress) => Promise<unknown>;
  /** Clock of the report throttle (tests). */
  now?: () => number;
}): LocalTextDetectionJobs => {
  const now = options.now ?? Date.now;
  const jobs = new Map<string, LocalJob>();
  let closed = false;

  const run = async (jobId: string, job: LocalJob, key: string): Promise<void> => {
    // Reports go out one after another so they arrive in order, and the completion waits for them.
    let reports: Promise<unknown> = Promise.resolve();
    let lastReportAt = -Infinity;
    const onPage = (pagesDone: number, pages: number): void => {
      const { onProgress } = options;
      if (!onProgress || closed) return;
      const at = now();
      if (pagesDone !== 1 && pagesDone !== pages && at - lastReportAt < PAGE_PROGRESS_INTERVAL_MS) return;
      lastReportAt = at;
      const report = { taskId: job.taskId, attempt: job.attempt, pagesDone, pages };
      reports = reports.then(() =>
        onProgress(report).catch((error: unknown) =>
          logger.warn('Could not report page progress', { jobId, error: error as Error }),
        ),
      );
    };
    try {
      const bytes = await options.objects.read(key);
      // Textract sniffs the stored bytes itself; so does this stand-in.
      const contentType = await sniffContentType(bytes.subarray(0, SNIFF_HEAD_BYTES));
      if (!contentType) throw new Error('Unsupported document format');
      const detected = await options.engine.detectDocumentText(bytes, contentType, onPage);
      await options.objects.write(job.outputKey, JSON.stringify(detected), 'application/json');
      job.status = 'SUCCEEDED';
    } catch (error) {
      job.status = 'FAILED';
      job.statusMessage = error instanceof Error ? error.message : String(error);
    }
    await reports;
    if (closed) return;
    await options
      .onCompletion({
        JobId: jobId,
        Status: job.status,
        API: 'StartDocumentTextDetection',
        JobTag: job.taskId,
        Timestamp: Date.now(),
      })
      .catch((error: unknown) =>
        logger.error('Could not hand off a finished text-detection job', { jobId, error: error as Error }),
      );
  };

  return {
    async start({ key, taskId, attempt, outputPrefix }) {
      if (closed) throw new Error('The local text-detection service is closed');
      // Idempotent per task and attempt, like Textract's ClientRequestToken.
      const jobId = `local-${taskId}-${attempt}`;
      if (!jobs.has(jobId)) {
        const job: LocalJob = {
          taskId,
          attempt,
          status: 'IN_PROGRESS',
          outputKey: `${outputPrefix}/${jobId}/1`,
        };
        jobs.set(jobId, job);
        void run(jobId, job, key);
      }
      return jobId;
    },
    async get(jobId) {
      const job = jobs.get(jobId);
      if (!job)
        throw new TextDetectionFailedError(`Text-detection job ${jobId} is unknown (the host restarted)`);
      if (job.status === 'FAILED')
        throw new TextDetectionFailedError(job.statusMessage ?? `Text-detection job ${jobId} failed`);
      if (job.status === 'IN_PROGRESS') throw new Error(`Text-detection job ${jobId} is still running`);
      const stored = await options.objects.read(job.outputKey);
      return JSON.parse(Buffer.from(stored).toString('utf8')) as DetectedText;
    },
    runningCount: () => [...jobs.values()].filter((job) => job.status === 'IN_PROGRESS').length,
    close() {
      closed = true;
    },
  };
};
