/** Lifecycle of a task. `deleted_at` (soft delete) is orthogonal to status. */
export const TASK_STATUSES = ['awaiting_upload', 'queued', 'processing', 'completed', 'failed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** `capacity`: waiting (status `queued`) for Textract quota; see `admission.ts`. */
export const TASK_STAGES = ['upload', 'download', 'capacity', 'recognize', 'write', 'done'] as const;
export type TaskStage = (typeof TASK_STAGES)[number];

export const PRIORITIES = ['low', 'normal', 'high'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Content types untxt accepts; decided by magic bytes, never by name or header. */
export const SUPPORTED_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/tiff',
  'image/webp',
] as const;
export type SupportedType = (typeof SUPPORTED_TYPES)[number];

export const RESULT_FORMATS = ['txt', 'html', 'json'] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];

export const LIMITS = {
  /** Largest document accepted through the presigned POST or a bucket drop. */
  maxUploadBytes: 50 * 1024 * 1024,
  /** Largest document accepted as multipart straight to the API (Lambda's payload cap is 6 MB). */
  maxInlineUploadBytes: 4 * 1024 * 1024,
  /**
   * Largest request body of a route that takes JSON (or nothing): a batch of 50 file descriptions is
   * well under 100 KB, so anything near this is not a request we serve.
   */
  maxRequestBodyBytes: 1024 * 1024,
  /** Room around an inline upload's file for the multipart envelope (boundaries, part headers, fields). */
  multipartEnvelopeBytes: 64 * 1024,
  /** Guard against decompression bombs: total pixels of one raster page. */
  maxPixelsPerPage: 100_000_000,
  /** Textract's own cap on one side of an image. */
  maxImageSide: 10_000,
  maxPages: 3_000,
  maxBatch: 50,
  presignSeconds: 900,
  restoreWindowDays: 30,
} as const;

/** Stable, client-facing failure codes of a task (`tasks.error_code`). */
export const TASK_ERROR_CODES = [
  'EMPTY_FILE',
  'FILE_TOO_LARGE',
  'UNSUPPORTED_TYPE',
  'TYPE_MISMATCH',
  'CORRUPT_DOCUMENT',
  'ENCRYPTED_PDF',
  'IMAGE_TOO_LARGE',
  'TOO_MANY_PAGES',
  'OCR_FAILED',
  'OCR_THROTTLED',
  /** Waited longer than the configured maximum for Textract capacity (admission control). */
  'CAPACITY_WAIT_EXCEEDED',
  'TIMEOUT',
  /** The file never arrived: its upload link expired and nothing is at the task's key. */
  'UPLOAD_EXPIRED',
  'INTERNAL',
] as const;
export type TaskErrorCode = (typeof TASK_ERROR_CODES)[number];
