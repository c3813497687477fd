/**
 * Asynchronous (multi-page) text detection as a hand-off, not a wait. The `RecognizeAsync` state
 * starts the job, records it and ends its run; when the job's completion is announced (SNS on AWS),
 * the task is handed back to the workflow as a new run with the job's id, which `Route` sends straight
 * to `WriteResult`. Nothing waits for hours with a task token, which is what lets the workflow be an
 * Express workflow (see docs/aws.md, "Standard or Express").
 *
 * Either side may run first (a small job can finish before its start is recorded) and either may run
 * twice (Step Functions retries, SNS redelivery). Both record what they know, then try to claim the
 * hand-off; the one that finds the job finished and its start recorded hands off, once.
 */
import * as z from 'zod';
import {
  claimTextJobHandOff,
  recordTextJobCompletion,
  releaseTextJobHandOff,
  saveTextJobStart,
  TEXT_JOB_STATUSES,
} from '../../../database/repositories/text-jobs.js';
import { logger } from '../../shared/logger.js';
import { isThrottlingError } from '../admission-rules.js';
import {
  admitCall,
  releaseCall,
  releaseJobSlot,
  waitAfterThrottle,
  type AdmissionDeps,
} from './admission.js';
import type { TextDetectionJobs, Workflow } from '../ports.js';
import { downloadOutput } from './pipeline.js';

export interface AsyncRecognitionDeps extends AdmissionDeps {
  jobs: Pick<TextDetectionJobs, 'start'>;
  /** Where a finished job's task goes next. */
  workflow: Workflow;
}

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

export type AsyncStartOutcome =
  | { jobId: string; handedOff: boolean }
  /** No job started: the task waits for capacity (`queued`), or another run owns it (`skipped`). */
  | { jobId: null; status: string };

/**
 * `RecognizeAsync`: takes a job slot (admission control), starts the job and records it. The slot is
 * held until the job's completion arrives. A throttled start puts the task back to wait; other errors
 * propagate with Textract's names, so the state's `Retry` and `Catch` apply as for the sync path.
 */
export const startAsyncRecognition = async (
  deps: AsyncRecognitionDeps,
  rawInput: unknown,
): Promise<AsyncStartOutcome> => {
  const input = downloadOutput.parse(rawInput);
  const admission = await admitCall(deps, input);
  if (!admission.admitted) return { jobId: null, status: admission.status };
  let jobId: string;
  try {
    jobId = await deps.jobs.start({
      key: input.documentKey,
      taskId: input.taskId,
      attempt: input.attempt,
      outputPrefix: textractOutputPrefix(input.resultPrefix),
    });
  } catch (error) {
    if (isThrottlingError(error)) {
      await waitAfterThrottle(deps, input, admission.leaseId, error as Error);
      return { jobId: null, status: 'queued' };
    }
    await releaseCall(deps, admission.leaseId);
    throw error;
  }
  const job = await saveTextJobStart(deps.db, { jobId, taskId: input.taskId, attempt: input.attempt, input });
  logger.info('Text detection started', { taskId: input.taskId, jobId, status: job.status });
  // The job may have finished before its start was recorded (or this is a retried state that got the
  // finished job back for the same ClientRequestToken): its notification found nothing to hand off.
  return { jobId, handedOff: await handOffIfReady(deps, jobId) };
};

/**
 * The completion notification: records the job's status and, when its start is recorded, hands the
 * task back to the workflow.
 *
 * @returns Whether this call handed off (`false` for a duplicate, a job not started by us, or one
 *   whose start is not recorded yet — the start hands off then).
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
  // The job no longer runs at Textract: its slot is free whatever happens to the hand-off.
  await releaseJobSlot(deps, job.task_id);
  return handOffIfReady(deps, job.job_id);
};

/** Claims the hand-off and starts the run; gives the claim back when the start fails, then rethrows. */
const handOffIfReady = async (deps: AsyncRecognitionDeps, jobId: string): Promise<boolean> => {
  const job = await claimTextJobHandOff(deps.db, jobId);
  if (!job) return false;
  // Stored by saveTextJobStart from a validated state input; parsed again, as anything read back.
  const input = downloadOutput.parse(job.input);
  try {
    // A failed job is handed off too: WriteResult asks for its blocks, gets the job's reason as
    // TextDetectionFailedError, and the workflow's Catch records it like any other failure.
    await deps.workflow.start({
      taskId: input.taskId,
      userId: input.userId,
      key: input.key,
      attempt: input.attempt,
      jobId,
    });
  } catch (error) {
    await releaseTextJobHandOff(deps.db, jobId);
    throw error;
  }
  logger.info('Text detection finished; the task goes on to WriteResult', {
    taskId: input.taskId,
    jobId,
    status: job.status,
  });
  return true;
};
