import { isUuid } from '../../database/repositories/shared.js';
import { ValidationError } from './errors.js';
import { hasControlCharacters } from './text.js';

export { isUuid };

/**
 * Validates a user-supplied filename. It becomes the last segment of an object key and the
 * Content-Disposition of downloads, so separators, `..` and control characters are refused outright
 * rather than silently rewritten (the user should know the name we store).
 */
export const validateFilename = (raw: string): string => {
  const name = raw.normalize('NFC').trim();
  if (name.length === 0) throw new ValidationError('filename must not be empty');
  if (hasControlCharacters(name)) throw new ValidationError('filename must not contain control characters');
  if (name.includes('/') || name.includes('\\'))
    throw new ValidationError('filename must not contain path separators');
  if (name === '.' || name === '..' || name.includes('..'))
    throw new ValidationError("filename must not contain '..'");
  if (Buffer.byteLength(name, 'utf8') > 255) throw new ValidationError('filename must be at most 255 bytes');
  return name;
};

/** `uploads/{userId}/{uploadId}/{filename}`: the owner is always the second segment. */
export const uploadKey = (userId: string, uploadId: string, filename: string): string =>
  `uploads/${userId}/${uploadId}/${filename}`;

/** Owner and filename of an uploads key, or `undefined` when the key is not a valid upload path. */
export const parseUploadKey = (key: string): { userId: string; filename: string } | undefined => {
  const parts = key.split('/');
  if (parts.length < 3 || parts[0] !== 'uploads') return undefined;
  const userId = parts[1] ?? '';
  const filename = parts[parts.length - 1] ?? '';
  if (!isUuid(userId) || filename.length === 0 || parts.some((p) => p === '..' || p === '')) return undefined;
  return { userId: userId.toLowerCase(), filename };
};

/** `results/{userId}/{yyyy-mm}/{taskId}/` — grouped by month so lifecycle and listing stay cheap. */
export const resultPrefix = (userId: string, taskId: string, createdAt: Date): string => {
  const month = createdAt.toISOString().slice(0, 7);
  return `results/${userId}/${month}/${taskId}/`;
};

export const resultKeys = (prefix: string) => ({
  text: `${prefix}result.txt`,
  html: `${prefix}result.html`,
  json: `${prefix}result.json`,
  blocks: `${prefix}textract.json`,
  converted: `${prefix}converted.png`,
});

/**
 * Workflow execution name of a task's attempt: `{taskId}` for the first run, `{taskId}-{attempt}` for
 * retries, and `-write` appended for the run a finished text-detection job starts. Execution logs are
 * found by it; it is not an idempotency key (Express workflows run a repeated name again).
 */
export const executionName = (
  taskId: string,
  attempt: number,
  phase: 'run' | 'write' | 'admit' = 'run',
): string => `${attempt <= 1 ? taskId : `${taskId}-${attempt}`}${phase === 'run' ? '' : `-${phase}`}`;
