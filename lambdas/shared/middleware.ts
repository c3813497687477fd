import type middy from '@middy/core';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { DocumentRejectedError, TextDetectionFailedError } from '../core/errors.js';
import { errorResponse } from './http.js';
import { logger } from './logger.js';

/** Any error thrown by an HTTP handler becomes the one JSON error shape; 5xx never leak details. */
export const httpErrors = (): middy.MiddlewareObj<unknown, APIGatewayProxyResult> => ({
  onError: async (request) => {
    request.response = errorResponse(request.error);
  },
});

/**
 * Workflow steps run as Lambda tasks: Step Functions sees `errorType` (the error's name) in `Error` and
 * the message in `Cause`. A rejected document carries its stable code as `CODE: message` so MarkFailed
 * can store it; everything else keeps its own name (Textract's names drive the Retry rules).
 */
export const workflowErrors = (): middy.MiddlewareObj => ({
  onError: async (request) => {
    const error = request.error;
    if (error instanceof DocumentRejectedError) {
      const rejected = new Error(`${error.taskCode}: ${error.message}`);
      rejected.name = 'DocumentRejectedError';
      request.error = rejected;
      logger.info('Document rejected', { code: error.taskCode, reason: error.message });
      return;
    }
    // The engine gave up on the document: its reason is for MarkFailed, not a fault of ours.
    if (error instanceof TextDetectionFailedError) {
      logger.warn('Text detection failed', { reason: error.message });
      return;
    }
    logger.error('Workflow step failed', { error: error as Error });
  },
});
