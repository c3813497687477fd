/**
 * Asynchronous (multi-page) text detection. The `RecognizeAsync` state invokes the start with a task
 * token and waits; the job's completion notification later answers that token with exactly what the
 * synchronous `Recognize` state returns, so `WriteResult` cannot tell the two paths apart.
 *
 * Either side may run first (a small job can finish before its start is recorded) and either may run
 * twice (Step Functions retries, SNS redelivery). Both record what they know, then try to claim the
 * callback; the one that finds the job finished, with a token, answers it, once.
 */
import { z } from 'zod';
import {
  claimTextJobCallback,
  recordTextJobCompletion,
  releaseTextJobCallback,
  saveTextJobStart,
  TEXT_JOB_STATUSES,
  type TextJob,
} from '../../../database/repositories/text-jobs.js';
import { logger } from '../../shared/logger.js';
import type { CoreDeps } from '../deps.js';
import type { DetectedText } from '../ports.js';
import { downloadOutput, recognizeStep, type RecognizeOutput } from './pipeline.js';

/** Textract's asynchronous job API, with the notification channel and output settings bound. */
export interface AsyncTextDetector {
  /** Starts (or, for the same task and attempt, finds) the job; returns its JobId. */
  startTextDetection(input: {
    key: string;
    taskId: string;
    attempt: number;
    outputPrefix: string;
  }): Promise<string>;
  /** Every block of a finished job, all pages. */
  getTextDetection(jobId: string): Promise<DetectedText>;
}

/** Answers a `.waitForTaskToken` state; `false` when the state stopped waiting for the token. */
export interface TaskCallbacks {
  succeed(taskToken: string, output: unknown): Promise<boolean>;
  fail(taskToken: string, error: string, cause: string): Promise<boolean>;
}

export interface AsyncRecognitionDeps extends CoreDeps {
  textract: AsyncTextDetector;
  callbacks: TaskCallbacks;
  /** Stored with the result, as for the synchronous path. */
  engineName: string;
}

/** The `RecognizeAsync` state's Lambda payload (see `lib/workflow/ocr-workflow.asl.json`). */
export const startRequest = z.object({ input: downloadOutput, taskToken: z.string().min(1) });

/** The SNS message Textract publishes when a job ends. */
export const textractCompletion = z.object({
  JobId: z.string().min(1),
  Status: z.enum(TEXT_JOB_STATUSES),
  API: z.string().optional(),
  JobTag: z.string().optional(),
  Timestamp: z.number().optional(),
});
export type TextractCompletion = z.output<typeof textractCompletion>;

/** Where Textract writes its own raw output (it appends `/{JobId}/{n}`). */
export const textractOutputPrefix = (resultPrefix: string): string => `${resultPrefix}textract-output`;

export type AsyncStartOutcome = { jobId: string; answered: boolean };

/**
 * `RecognizeAsync`: starts the job and records its token. Errors propagate with Textract's names, so
 * the state's `Retry` (throttling) and `Catch` (everything else) apply as for the sync path.
 */
export const startAsyncRecognition = async (
  deps: AsyncRecognitionDeps,
  rawRequest: unknown,
): Promise<AsyncStartOutcome> => {
  const { input, taskToken } = startRequest.parse(rawRequest);
  const jobId = await deps.textract.startTextDetection({
    key: input.documentKey,
    taskId: input.taskId,
    attempt: input.attempt,
    outputPrefix: textractOutputPrefix(input.resultPrefix),
  });
  const job = await saveTextJobStart(deps.db, {
    jobId,
    taskId: input.taskId,
    attempt: input.attempt,
    taskToken,
    input,
  });
  logger.info('Text detection started', { taskId: input.taskId, jobId, status: job.status });
  // A retried state gets the job Textract already finished (same ClientRequestToken): answer now,
  // because its notification will not come again.
  return { jobId, answered: await answerIfReady(deps, jobId) };
};

/**
 * The completion notification: records the job's status and, when the start was recorded, answers
 * the waiting state.
 *
 * @returns Whether this call answered the state (`false` for a duplicate, a job not started by us,
 *   or one whose start is not recorded yet — the start answers it then).
 */
export const completeAsyncRecognition = async (
  deps: AsyncRecognitionDeps,
  completion: TextractCompletion,
): Promise<boolean> => {
  const job = await recordTextJobCompletion(deps.db, {
    jobId: completion.JobId,
    taskId: completion.JobTag ?? '',
    status: completion.Status,
  });
  if (!job) {
    logger.warn('Ignoring the completion of a job that is not ours', {
      jobId: completion.JobId,
      jobTag: completion.JobTag,
    });
    return false;
  }
  return answerIfReady(deps, job.job_id);
};

/** Claims the callback and answers it; gives the claim back when answering fails, then rethrows. */
const answerIfReady = async (deps: AsyncRecognitionDeps, jobId: string): Promise<boolean> => {
  const job = await claimTextJobCallback(deps.db, jobId);
  if (!job || job.task_token === null) return false;
  try {
    await answer(deps, job, job.task_token);
    return true;
  } catch (error) {
    await releaseTextJobCallback(deps.db, jobId);
    throw error;
  }
};

const answer = async (deps: AsyncRecognitionDeps, job: TextJob, taskToken: string): Promise<void> => {
  if (job.status === 'FAILED' || job.status === 'ERROR') {
    const failure = await describeFailure(deps, job);
    logger.warn('Text detection failed', { taskId: job.task_id, jobId: job.job_id, ...failure });
    await deps.callbacks.fail(taskToken, failure.error, failure.cause);
    return;
  }
  let output: RecognizeOutput;
  try {
    // The sync step, with the job's blocks as its "detection": same blocks object, same key, same
    // progress update and notification, same output shape.
    output = await recognizeStep(
      { ...deps, detector: { detectDocumentText: () => deps.textract.getTextDetection(job.job_id) } },
      job.input,
    );
  } catch (error) {
    // Reported to the state rather than thrown: SNS would redeliver, but the state's Retry (on
    // Textract's throttling names) restarts the job lookup with backoff, and Catch records the rest.
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    logger.warn('Collecting the text detection failed', {
      taskId: job.task_id,
      jobId: job.job_id,
      error: error as Error,
    });
    await deps.callbacks.fail(taskToken, name, message);
    return;
  }
  const delivered = await deps.callbacks.succeed(taskToken, output);
  if (!delivered)
    logger.warn('The workflow stopped waiting for this job', { taskId: job.task_id, jobId: job.job_id });
};

/**
 * Textract's own exception names for a failed job, from its status message: `Catch` → MarkFailed
 * maps them to stable task error codes. `ERROR` is Textract's internal failure, which the state retries.
 */
const FAILURE_NAMES: Array<[RegExp, string]> = [
  [/unsupported|format/i, 'UnsupportedDocumentException'],
  [/too large|size|too many pages|page limit/i, 'DocumentTooLargeException'],
  [/kms/i, 'InvalidKMSKeyException'],
  [/access denied|not authori[sz]ed|permission/i, 'AccessDeniedException'],
  [/s3|object/i, 'InvalidS3ObjectException'],
];

/** The error name and cause to fail the state with. */
const describeFailure = async (
  deps: AsyncRecognitionDeps,
  job: TextJob,
): Promise<{ error: string; cause: string }> => {
  if (job.status === 'ERROR') {
    return { error: 'InternalServerError', cause: `Textract job ${job.job_id} ended with an internal error` };
  }
  // The notification carries no reason; the job's StatusMessage does (the adapter throws it).
  let message = job.status_message ?? '';
  if (!message) {
    try {
      await deps.textract.getTextDetection(job.job_id);
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
  }
  const name = FAILURE_NAMES.find(([pattern]) => pattern.test(message))?.[1] ?? 'BadDocumentException';
  return { error: name, cause: message || `Textract job ${job.job_id} failed` };
};
