/**
 * The workflow's steps after `Download` (see `lib/workflow/ocr-workflow.asl.json`):
 *
 * - `Recognize` — one page: synchronous text detection, then the result is stored in the same step.
 * - `RecognizeAsync` — several pages: starts a text-detection job and ends the run (`async-recognition.ts`);
 *   the job's completion starts a new run that goes straight to…
 * - `WriteResult` — collects the finished job's blocks and stores the result.
 * - `MarkFailed` — the `Catch` target of every step.
 *
 * Runs are at least once (Express workflows, redelivered starts), so every step acts only for the
 * task's current attempt and while the task is `processing`; a duplicate or stale run changes nothing.
 * Nothing here imports an image library: these functions run on arm64 (see `download.ts`).
 */
import * as z from 'zod';
import { findResult, insertResult } from '../../../database/repositories/results.js';
import { findTaskById, transitionTask } from '../../../database/repositories/tasks.js';
import { logger } from '../../shared/logger.js';
import type { CoreDeps, PipelineDeps } from '../deps.js';
import { NotFoundError } from '../errors.js';
import { resultKeys, resultPrefix } from '../keys.js';
import type { DetectedText, TextDetectionJobs } from '../ports.js';
import { renderResult } from '../render-result.js';
import { TASK_ERROR_CODES, type TaskErrorCode } from '../task.js';
import type { ResultFacts } from '../views.js';
import { isThrottlingError } from '../admission-rules.js';
import { admitCall, releaseCall, waitAfterThrottle } from './admission.js';
import { failTask } from './fail-task.js';
import { notifyTaskUpdate } from './notify.js';

/** The execution input: from the dispatcher (a new attempt) or from a finished text-detection job. */
export const pipelineInput = z.object({
  taskId: z.uuid(),
  userId: z.uuid(),
  key: z.string().min(1),
  attempt: z.number().int().min(1),
  jobId: z.string().min(1).optional(),
  /** The run's own execution, which Download records with its claim (`$$.Execution.Id`). */
  executionArn: z.string().min(1).optional(),
  /** A run admitted after waiting for Textract capacity: the grant it turns into its call. */
  admission: z.object({ leaseId: z.uuid(), waitingSince: z.iso.datetime() }).optional(),
});
export type PipelineInput = z.output<typeof pipelineInput>;

/** What `Download` hands on; `ChooseMode` branches on `mode`. */
export const downloadOutput = pipelineInput.extend({
  mode: z.enum(['sync', 'async', 'skip']),
  documentKey: z.string(),
  contentType: z.string(),
  pages: z.number().int(),
  resultPrefix: z.string(),
});
export type DownloadOutput = z.output<typeof downloadOutput>;

/** `WriteResult`'s input: the run a finished job started (`Route` sends it there by `jobId`). */
export const writeResultInput = pipelineInput.extend({ jobId: z.string().min(1) });

/** What the storing steps return (the execution's output). */
export interface StepOutcome {
  taskId: string;
  status: string;
}

/**
 * Step 2, one page: detects the text and stores the result in the same invocation. The call is
 * admitted first; a task that has to wait for capacity ends this run `queued`, and a throttled call
 * puts it back to wait (see `admission.ts`).
 */
export const recognizeStep = async (deps: PipelineDeps, rawInput: unknown): Promise<StepOutcome> => {
  const input = downloadOutput.parse(rawInput);
  const admission = await admitCall(deps, input);
  if (!admission.admitted) return { taskId: input.taskId, status: admission.status };
  let detected: DetectedText;
  try {
    detected = await deps.detector.detectDocumentText({
      key: input.documentKey,
      contentType: input.contentType,
    });
  } catch (error) {
    if (isThrottlingError(error)) {
      await waitAfterThrottle(deps, input, admission.leaseId, error as Error);
      return { taskId: input.taskId, status: 'queued' };
    }
    await releaseCall(deps, admission.leaseId);
    throw error;
  }
  await releaseCall(deps, admission.leaseId);
  return storeResult(deps, input, detected);
};

/**
 * Step 3, after an asynchronous job: collects its blocks (every page) and stores the result. A job
 * that failed surfaces as `TextDetectionFailedError`; `Catch` → `MarkFailed` turns its reason into a
 * stable code.
 */
export const writeResultStep = async (
  deps: CoreDeps & { jobs: Pick<TextDetectionJobs, 'get'>; engineName: string },
  rawInput: unknown,
): Promise<StepOutcome> => {
  const input = writeResultInput.parse(rawInput);
  return storeResult(deps, input, await deps.jobs.get(input.jobId));
};

/**
 * Renders txt/html/json, stores them and the searchable text, and completes the task — only for the
 * run that owns the task's current attempt. The writes are idempotent (same keys; the first result
 * row wins), so a step repeated after a crash changes nothing and notifies nobody.
 */
const storeResult = async (
  deps: CoreDeps & { engineName: string },
  input: { taskId: string; attempt: number },
  detected: DetectedText,
): Promise<StepOutcome> => {
  const task = await findTaskById(deps.db, input.taskId);
  if (!task) throw new NotFoundError(`Task ${input.taskId} not found`);
  if (task.status !== 'processing' || task.attempts !== input.attempt) {
    logger.info('Not storing the result of a run that no longer owns the task', {
      taskId: task.id,
      status: task.status,
      attempt: input.attempt,
      currentAttempt: task.attempts,
    });
    return { taskId: task.id, status: task.status };
  }

  const rendered = renderResult(detected);
  const keys = resultKeys(resultPrefix(task.user_id, task.id, new Date(task.created_at)));
  const startedAt = task.started_at ? new Date(task.started_at).getTime() : deps.now().getTime();
  const result = {
    task_id: task.id,
    user_id: task.user_id,
    text: rendered.text,
    text_key: keys.text,
    html_key: keys.html,
    json_key: keys.json,
    pages: rendered.pages,
    words: rendered.words,
    lines: rendered.lines,
    confidence: rendered.confidence,
    processing_ms: Math.max(0, deps.now().getTime() - startedAt),
    engine: deps.engineName,
  };
  // The row and the objects are written side by side: nobody reads either before the task is
  // `completed` (read-tasks.ts checks the status), and that comes after both.
  const [inserted] = await Promise.all([
    insertResult(deps.db, result),
    deps.objects.write(keys.text, rendered.text, 'text/plain; charset=utf-8'),
    deps.objects.write(keys.html, rendered.html, 'text/html; charset=utf-8'),
    deps.objects.write(keys.json, rendered.json, 'application/json'),
  ]);
  const completed = await transitionTask(deps.db, {
    taskId: task.id,
    from: ['processing'],
    attempt: input.attempt,
    to: 'completed',
    stage: 'done',
    progress: 100,
  });
  // Only the call that made the transition notifies: a repeated step stays silent.
  if (completed) {
    const stored: ResultFacts | undefined = inserted ? result : await findResult(deps.db, task.id);
    await notifyTaskUpdate(deps, completed, stored ? { result: stored } : {});
  }
  return { taskId: task.id, status: 'completed' };
};

const ERROR_CODES: Record<string, TaskErrorCode> = {
  BadDocumentException: 'CORRUPT_DOCUMENT',
  UnsupportedDocumentException: 'UNSUPPORTED_TYPE',
  DocumentTooLargeException: 'FILE_TOO_LARGE',
  InvalidS3ObjectException: 'CORRUPT_DOCUMENT',
  // Admitted calls that are throttled wait again instead (admission.ts); these remain for
  // GetDocumentTextDetection, whose retries are the state's own.
  ProvisionedThroughputExceededException: 'OCR_THROTTLED',
  ThrottlingException: 'OCR_THROTTLED',
  LimitExceededException: 'OCR_THROTTLED',
  TextDetectionFailedError: 'OCR_FAILED',
  'States.Timeout': 'TIMEOUT',
  'Sandbox.Timedout': 'TIMEOUT',
  TimeoutError: 'TIMEOUT',
  'States.TaskFailed': 'OCR_FAILED',
};

/**
 * A failed job's reason (Textract's `StatusMessage`, or the local engine's) → the code it deserves.
 * Textract gives no error name for an asynchronous job, only this text.
 */
const JOB_FAILURE_CODES: Array<[RegExp, TaskErrorCode]> = [
  [/password|encrypt/i, 'ENCRYPTED_PDF'],
  [/unsupported|format/i, 'UNSUPPORTED_TYPE'],
  [/too many pages|page limit/i, 'TOO_MANY_PAGES'],
  [/too large|size/i, 'FILE_TOO_LARGE'],
  [/damaged|corrupt|invalid|cannot be read/i, 'CORRUPT_DOCUMENT'],
];

const MESSAGES: Partial<Record<TaskErrorCode, string>> = {
  CORRUPT_DOCUMENT: 'The document is damaged or not readable',
  UNSUPPORTED_TYPE: 'The document type is not supported',
  FILE_TOO_LARGE: 'The document is too large to process',
  TOO_MANY_PAGES: 'The document has too many pages to process',
  ENCRYPTED_PDF: 'The PDF is password-protected; upload an unprotected copy',
  OCR_THROTTLED: 'The text recognition service was busy; retry the task',
  TIMEOUT: 'Processing took too long; retry the task',
  CAPACITY_WAIT_EXCEEDED: 'Waited too long for text-recognition capacity; retry the task',
  OCR_FAILED: 'Text recognition failed',
  INTERNAL: 'Processing failed because of an internal error; retry the task',
};

/**
 * Turns a Step Functions `{ Error, Cause }` into a stable error code and a message for the user.
 * On AWS, Lambda puts `{"errorType","errorMessage"}` JSON in Cause; the local runner puts the message.
 */
export const classifyFailure = (error: {
  Error?: string;
  Cause?: unknown;
}): { code: TaskErrorCode; message: string } => {
  let cause = typeof error.Cause === 'string' ? error.Cause : '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (typeof parsed.errorMessage === 'string') cause = parsed.errorMessage;
  } catch {
    // Cause is plain text (local runner, or a service error)
  }
  if (error.Error === 'DocumentRejectedError') {
    const match = /^([A-Z_]+): (.*)$/s.exec(cause);
    if (match && (TASK_ERROR_CODES as readonly string[]).includes(match[1]!))
      return { code: match[1] as TaskErrorCode, message: match[2]! };
  }
  if (error.Error === 'TextDetectionFailedError') {
    const code = JOB_FAILURE_CODES.find(([pattern]) => pattern.test(cause))?.[1] ?? 'OCR_FAILED';
    return { code, message: MESSAGES[code]! };
  }
  const code = ERROR_CODES[error.Error ?? ''] ?? 'INTERNAL';
  return { code, message: MESSAGES[code] ?? 'Processing failed' };
};

/** Catch target: records the failure on the task (once, for the current attempt) and tells the owner. */
export const markFailedStep = async (deps: CoreDeps, rawInput: unknown) => {
  const input = pipelineInput
    .extend({ error: z.object({ Error: z.string().optional(), Cause: z.unknown().optional() }) })
    .parse(rawInput);
  const { code, message } = classifyFailure(input.error);
  logger.warn('Task failed', { taskId: input.taskId, attempt: input.attempt, code, error: input.error });
  await failTask(deps, {
    taskId: input.taskId,
    from: ['awaiting_upload', 'queued', 'processing'],
    attempt: input.attempt,
    code,
    message,
  });
  return { taskId: input.taskId, status: 'failed', code };
};
