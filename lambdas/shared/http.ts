import type { APIGatewayProxyResult } from 'aws-lambda';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  UntxtError,
  ValidationError,
} from '../core/errors.js';
import { logger } from './logger.js';

const BASE_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Access-Control-Allow-Origin': '*',
} as const;

/** A JSON response with the headers every API answer carries. */
export const json = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult => ({
  statusCode,
  headers: { ...BASE_HEADERS, ...headers },
  body: JSON.stringify(body),
});

export const noContent = (): APIGatewayProxyResult => ({
  statusCode: 204,
  headers: { ...BASE_HEADERS },
  body: '',
});

/** The one mapping from domain errors to HTTP statuses. */
const STATUS_BY_ERROR: Array<[abstract new (...args: never[]) => UntxtError, number]> = [
  [ValidationError, 400],
  [BadRequestError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [MethodNotAllowedError, 405],
  [ConflictError, 409],
  [PayloadTooLargeError, 413],
  [UnsupportedMediaTypeError, 415],
];

export const statusForError = (error: unknown): number => {
  for (const [type, status] of STATUS_BY_ERROR) if (error instanceof type) return status;
  return 500;
};

/**
 * Maps any thrown value to `{ error: { code, message, details? } }`. Client errors keep their message;
 * anything else is logged with its stack and answered with a generic 500 (no internals leak).
 */
export const errorResponse = (error: unknown): APIGatewayProxyResult => {
  const status = statusForError(error);
  if (status < 500 && error instanceof UntxtError) {
    const body: { code: string; message: string; details?: unknown } = {
      code: error.code,
      message: error.message,
    };
    if (error.details !== undefined) body.details = error.details;
    return json(status, { error: body });
  }
  logger.error('Unhandled error', { error: error as Error });
  return json(500, {
    error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side. Please retry later.' },
  });
};
