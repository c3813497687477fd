import middy from '@middy/core';
import type { S3Event, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { DispatchDeps } from '../core/deps.js';
import { dispatchObjectCreated } from '../core/use-cases/dispatch.js';
import { logger } from '../shared/logger.js';

/** S3 writes `+` for spaces and percent-encodes the rest of the key in event records. */
export const decodeEventKey = (key: string): string => decodeURIComponent(key.replace(/\+/g, ' '));

const recordsOf = (body: string): S3Event['Records'] => {
  const parsed = JSON.parse(body) as Partial<S3Event> & { Event?: string };
  if (parsed.Event === 's3:TestEvent') return []; // sent once when the notification is configured
  if (!Array.isArray(parsed.Records)) throw new Error('Message is not an S3 event notification');
  return parsed.Records;
};

/**
 * The intake queue's consumer. Each SQS message holds S3 `ObjectCreated` records; a message whose
 * processing throws is reported in `batchItemFailures` so only it is retried (then dead-lettered).
 */
export const createDispatcherHandler = (deps: DispatchDeps) =>
  middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const message of event.Records) {
      try {
        for (const record of recordsOf(message.body)) {
          if (!record.eventName.startsWith('ObjectCreated:')) continue;
          const outcome = await dispatchObjectCreated(deps, {
            key: decodeEventKey(record.s3.object.key),
            size: record.s3.object.size,
          });
          logger.info('Dispatched', { messageId: message.messageId, ...outcome });
        }
      } catch (error) {
        logger.error('Dispatch failed; the message will be retried', {
          messageId: message.messageId,
          error: error as Error,
        });
        batchItemFailures.push({ itemIdentifier: message.messageId });
      }
    }
    return { batchItemFailures };
  });
