/**
 * The workflow's first step, `Download`. It is the only step that decodes documents (sharp, pdf.js),
 * so it lives apart from the other steps: the function that runs it carries the native image library
 * (x86_64 on AWS), the others stay small and run on arm64.
 */
import { updateFile } from '../../../database/repositories/files.js';
import { findTaskById, transitionTask, updateTaskProgress } from '../../../database/repositories/tasks.js';
import { logger } from '../../shared/logger.js';
import type { CoreDeps } from '../deps.js';
import { convertForOcr, inspectDocument } from '../document-inspection.js';
import { DocumentRejectedError, NotFoundError } from '../errors.js';
import { resultKeys, resultPrefix } from '../keys.js';
import { LIMITS } from '../task.js';
import { notifyTaskUpdate } from './notify.js';
import { pipelineInput, type DownloadOutput } from './pipeline.js';
import { RECOGNITION_PROGRESS, recognizingPagesMessage } from './recognition-progress.js';

/**
 * Claims the task for this run (`queued` → `processing` on the run's attempt), checks the bytes (type,
 * size, pages, encryption, pixel bombs), converts what Textract cannot read, and picks sync or async
 * text detection.
 *
 * @returns `mode: 'skip'` when another run owns the attempt or the task moved on (a duplicate start of
 *   an at-least-once workflow, or a run left over from an earlier attempt): that run ends at once.
 */
export const downloadStep = async (deps: CoreDeps, rawInput: unknown): Promise<DownloadOutput> => {
  const input = pipelineInput.parse(rawInput);
  const processing = await transitionTask(deps.db, {
    taskId: input.taskId,
    from: ['queued'],
    attempt: input.attempt,
    // A task waiting for capacity already went through Download; a repeated start must not redo it.
    notWaiting: true,
    to: 'processing',
    stage: 'download',
    progress: 5,
    ...(input.executionArn === undefined ? {} : { executionArn: input.executionArn }),
  });
  if (!processing) {
    logger.info('Another run owns this task, or it moved on; nothing to do', {
      taskId: input.taskId,
      attempt: input.attempt,
    });
    return { ...input, mode: 'skip', documentKey: input.key, contentType: '', pages: 0, resultPrefix: '' };
  }
  const prefix = resultPrefix(processing.user_id, processing.id, new Date(processing.created_at));

  // The push goes out while the task's file row and the object's size are read: all three wait on
  // I/O, none needs the others.
  const [task, head] = await Promise.all([
    findTaskById(deps.db, input.taskId),
    deps.objects.head(input.key),
    notifyTaskUpdate(deps, processing, { message: 'Checking the document' }),
  ]);
  if (!task) throw new NotFoundError(`Task ${input.taskId} not found`);
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
  // A one-page document is done within seconds; a long one is worth a progress message.
  if (inspection.pages > 1) {
    const message = recognizingPagesMessage(inspection.pages);
    const progressed = await updateTaskProgress(deps.db, {
      taskId: task.id,
      stage: 'recognize',
      progress: RECOGNITION_PROGRESS.start,
      message,
    });
    if (progressed) await notifyTaskUpdate(deps, progressed);
  }
  return {
    ...input,
    mode: inspection.mode,
    documentKey,
    contentType,
    pages: inspection.pages,
    resultPrefix: prefix,
  };
};
