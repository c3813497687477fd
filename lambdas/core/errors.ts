import type { TaskErrorCode } from './task.js';

/**
 * One base error with a stable `code`. Subclasses say what went wrong; `shared/http.ts` maps them to
 * HTTP once, and workflow handlers surface `name` so Step Functions `Retry`/`Catch` can match it.
 */
export class UntxtError extends Error {
  readonly code: string;
  readonly details?: unknown;
  constructor(code: string, message: string, options?: ErrorOptions & { details?: unknown }) {
    super(message, options);
    this.name = 'UntxtError';
    this.code = code;
    this.details = options?.details;
  }
}

export class ValidationError extends UntxtError {
  constructor(message: string, options?: ErrorOptions & { details?: unknown }) {
    super('VALIDATION_ERROR', message, options);
    this.name = 'ValidationError';
  }
}

/** A 400 with its own stable code (e.g. `UNKNOWN_ACTION` on the WebSocket). */
export class BadRequestError extends UntxtError {
  constructor(code: string, message: string, options?: ErrorOptions & { details?: unknown }) {
    super(code, message, options);
    this.name = 'BadRequestError';
  }
}

export class UnauthorizedError extends UntxtError {
  constructor(message = 'Authentication required', options?: ErrorOptions) {
    super('UNAUTHORIZED', message, options);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends UntxtError {
  constructor(message = 'You are not allowed to do this', options?: ErrorOptions) {
    super('FORBIDDEN', message, options);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends UntxtError {
  constructor(message = 'Not found', options?: ErrorOptions) {
    super('NOT_FOUND', message, options);
    this.name = 'NotFoundError';
  }
}

export class MethodNotAllowedError extends UntxtError {
  constructor(allowed: string[]) {
    super('METHOD_NOT_ALLOWED', `Method not allowed; use ${allowed.join(', ')}`);
    this.name = 'MethodNotAllowedError';
  }
}

export class ConflictError extends UntxtError {
  constructor(message: string, options?: ErrorOptions & { details?: unknown }) {
    super('CONFLICT', message, options);
    this.name = 'ConflictError';
  }
}

export class PayloadTooLargeError extends UntxtError {
  constructor(message: string, options?: ErrorOptions) {
    super('PAYLOAD_TOO_LARGE', message, options);
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends UntxtError {
  constructor(message: string, options?: ErrorOptions & { details?: unknown }) {
    super('UNSUPPORTED_MEDIA_TYPE', message, options);
    this.name = 'UnsupportedMediaTypeError';
  }
}

/**
 * A document that cannot be processed. Thrown inside the workflow; `MarkFailed` stores `taskCode`
 * and the message on the task. Never retried.
 */
export class DocumentRejectedError extends UntxtError {
  readonly taskCode: TaskErrorCode;
  constructor(taskCode: TaskErrorCode, message: string, options?: ErrorOptions) {
    super(taskCode, message, options);
    this.name = 'DocumentRejectedError';
    this.taskCode = taskCode;
  }
}

/** A text-detection job the engine gave up on (Textract `JobStatus: FAILED`); the message is its reason. */
export class TextDetectionFailedError extends UntxtError {
  constructor(message: string, options?: ErrorOptions) {
    super('OCR_FAILED', message, options);
    this.name = 'TextDetectionFailedError';
  }
}
