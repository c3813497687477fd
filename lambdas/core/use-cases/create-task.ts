import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { createFile } from '../../../database/repositories/files.js';
import { createTask, findTaskById } from '../../../database/repositories/tasks.js';
import { ensureUser } from '../../../database/repositories/users.js';
import type { CoreDeps } from '../deps.js';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors.js';
import { uploadKey, validateFilename } from '../keys.js';
import type { Identity, PresignedUpload } from '../ports.js';
import { LIMITS, PRIORITIES, SUPPORTED_TYPES, type Priority, type SupportedType } from '../task.js';
import { toTaskView, type TaskView } from '../views.js';
import { sniffContentType } from '../content-type.js';

export const createTaskRequest = z.strictObject({
  // Examples go into the OpenAPI document (and give the fuzz suite values that reach deep paths).
  filename: z
    .string()
    .max(1024)
    .meta({ examples: ['scan.pdf', 'receipt.png'] }),
  contentType: z
    .string()
    .max(255)
    .meta({ examples: [...SUPPORTED_TYPES] }),
  size: z
    .number()
    .int()
    .meta({ examples: [48_213, LIMITS.maxUploadBytes] }),
  priority: z.enum(PRIORITIES).default('normal'),
});
export type CreateTaskRequest = z.input<typeof createTaskRequest>;

export const batchCreateRequest = z.strictObject({
  files: z.array(createTaskRequest).min(1).max(LIMITS.maxBatch),
});

export interface CreatedUpload {
  task: TaskView;
  upload: PresignedUpload & { method: 'POST' };
}

const isSupported = (type: string): type is SupportedType =>
  (SUPPORTED_TYPES as readonly string[]).includes(type);

/** Checks one file description; throws the error a client can act on (400, 413 or 415). */
const checkFile = (
  file: z.output<typeof createTaskRequest>,
): { filename: string; contentType: SupportedType } => {
  const filename = validateFilename(file.filename);
  const contentType = file.contentType.toLowerCase().split(';')[0]!.trim();
  if (!isSupported(contentType))
    throw new UnsupportedMediaTypeError(
      `Content type '${file.contentType}' is not supported; use one of ${SUPPORTED_TYPES.join(', ')}`,
    );
  if (file.size < 1) throw new ValidationError('size must be at least 1 byte (the file is empty)');
  if (file.size > LIMITS.maxUploadBytes)
    throw new PayloadTooLargeError(
      `The file is ${file.size} bytes; the limit is ${LIMITS.maxUploadBytes} bytes (50 MB)`,
    );
  return { filename, contentType };
};

const insertTask = async (
  deps: Pick<CoreDeps, 'db'>,
  identity: Identity,
  input: {
    filename: string;
    contentType: string;
    size: number;
    priority: Priority;
    source: 'api' | 'drop';
    key?: string;
  },
) =>
  deps.db.transaction().execute(async (trx) => {
    const key = input.key ?? uploadKey(identity.userId, randomUUID(), input.filename);
    const file = await createFile(trx, {
      user_id: identity.userId,
      storage_key: key,
      original_name: input.filename,
      declared_content_type: input.contentType,
      size_bytes: input.size,
    });
    const task = await createTask(trx, {
      userId: identity.userId,
      fileId: file.id,
      status: 'awaiting_upload',
      stage: 'upload',
      priority: input.priority,
      source: input.source,
    });
    return { key, taskId: task.id };
  });

const ensureCaller = (deps: Pick<CoreDeps, 'db'>, identity: Identity) =>
  ensureUser(deps.db, {
    id: identity.userId,
    email: identity.email,
    isAdmin: identity.groups.includes('admins'),
  });

/** `POST /tasks` (JSON): a task awaiting upload and a presigned POST limited to its exact key, type and size. */
export const createUploadTask = async (
  deps: CoreDeps,
  identity: Identity,
  request: z.output<typeof createTaskRequest>,
): Promise<CreatedUpload> => {
  const [created] = await createUploadTasks(deps, identity, [request]);
  return created!;
};

/** `POST /tasks/batch`: validates every file first, so one bad entry creates nothing. */
export const createUploadTasks = async (
  deps: CoreDeps,
  identity: Identity,
  requests: Array<z.output<typeof createTaskRequest>>,
): Promise<CreatedUpload[]> => {
  const checked = requests.map((request, index) => {
    try {
      return { ...checkFile(request), size: request.size, priority: request.priority };
    } catch (error) {
      if (requests.length > 1 && error instanceof Error)
        (error as Error & { message: string }).message = `files[${index}]: ${error.message}`;
      throw error;
    }
  });
  await ensureCaller(deps, identity);
  const out: CreatedUpload[] = [];
  for (const file of checked) {
    const { key, taskId } = await insertTask(deps, identity, { ...file, source: 'api' });
    const upload = await deps.objects.presignUpload({
      key,
      contentType: file.contentType,
      maxBytes: LIMITS.maxUploadBytes,
      expiresInSeconds: LIMITS.presignSeconds,
    });
    const task = await findTaskById(deps.db, taskId);
    out.push({ task: toTaskView(task!), upload: { ...upload, method: 'POST' } });
  }
  return out;
};

/**
 * `POST /tasks` (multipart, ≤ 4 MB) for curl users: the bytes are checked by magic number before
 * anything is stored, then written to the uploads prefix — from there the same S3 event path runs.
 */
export const createInlineTask = async (
  deps: CoreDeps,
  identity: Identity,
  input: { filename: string; bytes: Uint8Array; priority: Priority },
): Promise<TaskView> => {
  const filename = validateFilename(input.filename);
  if (input.bytes.byteLength === 0) throw new ValidationError('The uploaded file is empty');
  if (input.bytes.byteLength > LIMITS.maxInlineUploadBytes)
    throw new PayloadTooLargeError(
      `Inline uploads are limited to ${LIMITS.maxInlineUploadBytes} bytes; create the task with JSON and upload through the presigned POST instead`,
    );
  const contentType = await sniffContentType(input.bytes.subarray(0, 4100));
  if (!contentType)
    throw new UnsupportedMediaTypeError(
      `The file is not a PDF, PNG, JPEG, TIFF or WEBP document (checked by its content)`,
    );
  await ensureCaller(deps, identity);
  const { key, taskId } = await insertTask(deps, identity, {
    filename,
    contentType,
    size: input.bytes.byteLength,
    priority: input.priority,
    source: 'api',
  });
  await deps.objects.write(key, input.bytes, contentType);
  const task = await findTaskById(deps.db, taskId);
  return toTaskView(task!);
};

/** For the dispatcher: a task for a file that arrived in the bucket without an API call. */
export const createDroppedTask = async (
  deps: Pick<CoreDeps, 'db'>,
  input: { userId: string; key: string; filename: string; size: number },
): Promise<string> => {
  const { taskId } = await insertTask(
    deps,
    { userId: input.userId, email: '', groups: [] },
    {
      filename: input.filename,
      contentType: 'application/octet-stream',
      size: input.size,
      priority: 'normal',
      source: 'drop',
      key: input.key,
    },
  );
  return taskId;
};
