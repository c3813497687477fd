import { z } from 'zod';
import { updateFile } from '../../../database/repositories/files.js';
import { findResult, insertResult } from '../../../database/repositories/results.js';
import { findTaskById, transitionTask, updateTaskProgress } from '../../../database/repositories/tasks.js';
import { logger } from '../../shared/logger.js';
import type { PipelineDeps } from '../deps.js';
import { convertForOcr, inspectDocument } from '../document-inspection.js';
import { DocumentRejectedError, NotFoundError } from '../errors.js';
import { resultKeys, resultPrefix } from '../keys.js';
import type { DetectedText } from '../ports.js';
import { renderResult } from '../render-result.js';
import { LIMITS, TASK_ERROR_CODES, type TaskErrorCode } from '../task.js';
import { notifyTaskUpdate } from './notify.js';

/** The execution input, as the dispatcher starts it. */
export const pipelineInput = z.object({
  taskId: z.uuid(),
  userId: z.uuid(),
  key: z.string().min(1),
  attempt: z.number().int().min(1),
});
export type PipelineInput = z.output<typeof pipelineInput>;

export const downloadOutput = pipelineInput.extend({
  mode: z.enum(['sync', 'async', 'skip']),
  documentKey: z.string(),
  contentType: z.string(),
  pages: z.number().int(),
  resultPrefix: z.string(),
});
export type DownloadOutput = z.output<typeof downloadOutput>;

export const recognizeOutput = downloadOutput.extend({ blocksKey: z.string() });
export type RecognizeOutput = z.output<typeof recognizeOutput>;

/**
 * Step 1: marks the task processing, checks the bytes (type, size, pages, encryption, pixel bombs),
 * converts what Textract cannot read, and picks sync or async text detection.
 */
export const downloadStep = async (deps: PipelineDeps, rawInput: unknown): Promise<DownloadOutput> => {
  const input = pipelineInput.parse(rawInput);
  const task = await findTaskById(deps.db, input.taskId);
  if (!task) throw new NotFoundError(`Task ${input.taskId} not found`);
  const prefix = resultPrefix(task.user_id, task.id, new Date(task.created_at));
  const skip: DownloadOutput = {
    ...input,
    mode: 'skip',
    documentKey: input.key,
    contentType: '',
    pages: 0,
    resultPrefix: prefix,
  };
  // A re-run of an execution whose task already finished (e.g. after a crash) must not redo work.
  if (task.status === 'completed' || task.status === 'failed') return skip;

  const processing =
    (await transitionTask(deps.db, {
      taskId: task.id,
      from: ['queued'],
      to: 'processing',
      stage: 'download',
      progress: 5,
    })) ?? (await updateTaskProgress(deps.db, { taskId: task.id, stage: 'download', progress: 5 }));
  if (processing) await notifyTaskUpdate(deps, processing, { message: 'Checking the document' });

  const head = await deps.objects.head(input.key);
  if (!head) throw new DocumentRejectedError('CORRUPT_DOCUMENT', 'The uploaded file no longer exists');
  if (head.size > LIMITS.maxUploadBytes)
    throw new DocumentRejectedError('FILE_TOO_LARGE', 'The file is larger than 50 MB');
  const bytes = await deps.objects.read(input.key);
  const inspection = await inspectDocument(bytes, task.declared_content_type);
  await updateFile(deps.db, task.file_id, {
    detected_content_type: inspection.contentType,
    pages: inspection.pages,
    size_bytes: bytes.byteLength,
  });

  let documentKey = input.key;
  let contentType: string = inspection.contentType;
  if (inspection.needsConversion) {
    const converted = await convertForOcr(bytes, inspection);
    documentKey = resultKeys(prefix).converted;
    contentType = converted.contentType;
    await deps.objects.write(documentKey, converted.bytes, contentType);
  }
  const progressed = await updateTaskProgress(deps.db, { taskId: task.id, stage: 'recognize', progress: 20 });
  if (progressed)
    await notifyTaskUpdate(deps, progressed, {
      message: `Recognizing text (${inspection.pages} page${inspection.pages === 1 ? '' : 's'})`,
    });
  return {
    ...input,
    mode: inspection.mode,
    documentKey,
    contentType,
    pages: inspection.pages,
    resultPrefix: prefix,
  };
};

/** Step 2 (sync): text detection; the blocks go to the results prefix, the state carries only the key. */
export const recognizeStep = async (deps: PipelineDeps, rawInput: unknown): Promise<RecognizeOutput> => {
  const input = downloadOutput.parse(rawInput);
  const detected = await deps.detector.detectDocumentText({
    key: input.documentKey,
    contentType: input.contentType,
  });
  const blocksKey = resultKeys(input.resultPrefix).blocks;
  await deps.objects.write(blocksKey, JSON.stringify(detected), 'application/json');
  const progressed = await updateTaskProgress(deps.db, {
    taskId: input.taskId,
    stage: 'write',
    progress: 80,
  });
  if (progressed) await notifyTaskUpdate(deps, progressed, { message: 'Writing the result' });
  return { ...input, blocksKey };
};

/** Step 3: renders txt/html/json, stores them and the searchable text, marks the task completed. */
export const writeResultStep = async (deps: PipelineDeps, rawInput: unknown) => {
  const input = recognizeOutput.parse(rawInput);
  const task = await findTaskById(deps.db, input.taskId);
  if (!task) throw new NotFoundError(`Task ${input.taskId} not found`);
  if (task.status === 'completed') return { taskId: task.id, status: task.status };

  const detected = JSON.parse(
    Buffer.from(await deps.objects.read(input.blocksKey)).toString('utf8'),
  ) as DetectedText;
  const rendered = renderResult(detected);
  const keys = resultKeys(input.resultPrefix);
  await Promise.all([
    deps.objects.write(keys.text, rendered.text, 'text/plain; charset=utf-8'),
    deps.objects.write(keys.html, rendered.html, 'text/html; charset=utf-8'),
    deps.objects.write(keys.json, rendered.json, 'application/json'),
  ]);
  const startedAt = task.started_at ? new Date(task.started_at).getTime() : deps.now().getTime();
  await insertResult(deps.db, {
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
  });
  const completed = await transitionTask(deps.db, {
    taskId: task.id,
    from: ['processing', 'queued'],
    to: 'completed',
    stage: 'done',
    progress: 100,
  });
  // Only the call that made the transition notifies: a re-run after a crash stays silent.
  if (completed) await notifyTaskUpdate(deps, completed, { result: (await findResult(deps.db, task.id))! });
  return { taskId: task.id, status: 'completed' };
};

const TEXTRACT_CODES: Record<string, TaskErrorCode> = {
  BadDocumentException: 'CORRUPT_DOCUMENT',
  UnsupportedDocumentException: 'UNSUPPORTED_TYPE',
  DocumentTooLargeException: 'FILE_TOO_LARGE',
  InvalidS3ObjectException: 'CORRUPT_DOCUMENT',
  ProvisionedThroughputExceededException: 'OCR_THROTTLED',
  ThrottlingException: 'OCR_THROTTLED',
  LimitExceededException: 'OCR_THROTTLED',
  'States.Timeout': 'TIMEOUT',
  'Sandbox.Timedout': 'TIMEOUT',
  TimeoutError: 'TIMEOUT',
  'States.TaskFailed': 'OCR_FAILED',
};

const MESSAGES: Partial<Record<TaskErrorCode, string>> = {
  CORRUPT_DOCUMENT: 'The document is damaged or not readable',
  UNSUPPORTED_TYPE: 'The document type is not supported',
  FILE_TOO_LARGE: 'The document is too large to process',
  OCR_THROTTLED: 'The text recognition service was busy; retry the task',
  TIMEOUT: 'Processing took too long; retry the task',
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
  const code = TEXTRACT_CODES[error.Error ?? ''] ?? 'INTERNAL';
  return { code, message: MESSAGES[code] ?? 'Processing failed' };
};

/** Catch target: records the failure on the task (once) and tells the owner. */
export const markFailedStep = async (deps: PipelineDeps, rawInput: unknown) => {
  const input = pipelineInput
    .extend({ error: z.object({ Error: z.string().optional(), Cause: z.unknown().optional() }) })
    .parse(rawInput);
  const { code, message } = classifyFailure(input.error);
  logger.warn('Task failed', { taskId: input.taskId, code, error: input.error });
  const failed = await transitionTask(deps.db, {
    taskId: input.taskId,
    from: ['awaiting_upload', 'queued', 'processing'],
    to: 'failed',
    errorCode: code,
    errorMessage: message,
    message,
  });
  if (failed) await notifyTaskUpdate(deps, failed);
  return { taskId: input.taskId, status: 'failed', code };
};
