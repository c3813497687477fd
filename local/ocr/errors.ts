/**
 * Failures of the local OCR engine. `name` mirrors the exception names of Amazon Textract, so
 * callers (and Step Functions `Catch` rules) treat both engines alike; `code` is the task error code
 * stored on a failed task.
 */
import { UntxtError } from '../../lambdas/core/errors.js';
import type { TaskErrorCode } from '../../lambdas/core/task.js';

/** Textract exception names the local engine can raise. */
export type OcrErrorName =
  | 'BadDocumentException'
  | 'DocumentTooLargeException'
  | 'UnsupportedDocumentException'
  | 'InternalServerError';

/** Task error codes the local engine can raise. */
export type OcrErrorCode = Extract<
  TaskErrorCode,
  | 'CORRUPT_DOCUMENT'
  | 'ENCRYPTED_PDF'
  | 'IMAGE_TOO_LARGE'
  | 'TOO_MANY_PAGES'
  | 'UNSUPPORTED_TYPE'
  | 'OCR_FAILED'
>;

/** A document the local engine could not read, or an engine failure, with Textract's name. */
export class OcrError extends UntxtError {
  declare readonly code: OcrErrorCode;
  constructor(name: OcrErrorName, code: OcrErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = name;
  }
}

/**
 * A document that cannot be parsed or decoded.
 *
 * @param message - What is wrong, for the user.
 * @param cause - The parser's own error.
 * @returns An `OcrError` named `BadDocumentException` with code `CORRUPT_DOCUMENT`.
 */
export function corruptDocument(message: string, cause?: unknown): OcrError {
  return new OcrError('BadDocumentException', 'CORRUPT_DOCUMENT', message, { cause });
}

/**
 * A PDF that needs a password to open.
 *
 * @param cause - pdf.js's `PasswordException`.
 * @returns An `OcrError` named `BadDocumentException` with code `ENCRYPTED_PDF`.
 */
export function encryptedPdf(cause?: unknown): OcrError {
  return new OcrError(
    'BadDocumentException',
    'ENCRYPTED_PDF',
    'The PDF is encrypted (password-protected) and cannot be read; upload an unprotected copy',
    { cause },
  );
}

/** Failure raised when a document's queued pages are dropped because another page already failed. */
export class PageCancelledError extends Error {
  constructor() {
    super('Page skipped: another page of the document failed');
    this.name = 'PageCancelledError';
  }
}
