import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import type { DispatchDeps } from '../core/deps.js';
import { dispatchObjectCreated } from '../core/use-cases/dispatch.js';
import { logger } from '../shared/logger.js';

/** S3 writes `+` for spaces and percent-encodes the rest of the key in event records. */
export const decodeEventKey = (key: string): string => decodeURIComponent(key.replace(/\+/g, ' '));

/**
 * The parts of an S3 event notification the dispatcher reads. S3 always sends them; a message
 * without them was not written by S3 and is reported, never guessed at.
 */
const objectRecord = z.looseObject({
  eventName: z.string(),
  s3: z.looseObject({
    object: z.looseObject({
      key: z.string().min(1),
      // Only `ObjectCreated` records carry a size; S3's objects are at most 5 TB.
      size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
    }),
  }),
});
/** Sent once when the notification is configured; nothing to do. */
const testEvent = z.looseObject({ Event: z.literal('s3:TestEvent') });
const notification = z.looseObject({ Records: z.array(objectRecord) });

/** The message body is not an S3 event notification (or not one the dispatcher can act on). */
export class MalformedNotificationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MalformedNotificationError';
  }
}

/** The `ObjectCreated` records of a message, keys decoded. */
const objectsCreated = (body: string): Array<{ key: string; size: number }> => {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new MalformedNotificationError('Message is not JSON', { cause: error });
  }
  if (testEvent.safeParse(value).success) return [];
  const parsed = notification.safeParse(value);
  if (!parsed.success)
    throw new MalformedNotificationError(
      `Message is not an S3 event notification: ${parsed.error.issues[0]?.message ?? 'malformed'}`,
    );
  return parsed.data.Records.filter((record) => record.eventName.startsWith('ObjectCreated:')).map(
    (record) => {
      if (record.s3.object.size === undefined)
        throw new MalformedNotificationError('An ObjectCreated record has no object size');
      try {
        return { key: decodeEventKey(record.s3.object.key), size: record.s3.object.size };
      } catch (error) {
        throw new MalformedNotificationError('An object key is not valid percent-encoding', { cause: error });
      }
    },
  );
};

/**
 * The intake queue's consumer. Each SQS message holds S3 `ObjectCreated` records; a message that is
 * malformed, or whose processing throws, is reported in `batchItemFailures` so only it is retried
 * (then dead-lettered). Records of keys outside `uploads/{userId}/` or of unknown users are ignored
 * with a log line (see `dispatchObjectCreated`).
 */
export const createDispatcherHandler = (deps: DispatchDeps) =>
  middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const message of event.Records) {
      try {
        // Every record is checked before any is acted on: a malformed message changes nothing.
        for (const object of objectsCreated(message.body)) {
          const outcome = await dispatchObjectCreated(deps, object);
          logger.info('Dispatched', { messageId: message.messageId, ...outcome });
        }
      } catch (error) {
        // Reported either way, so only this message is retried; a malformed one ends in the
        // dead-letter queue, where an operator can read it.
        if (error instanceof MalformedNotificationError)
          logger.warn('Malformed intake message; it will be dead-lettered after its retries', {
            messageId: message.messageId,
            reason: error.message,
          });
        else
          logger.error('Dispatch failed; the message will be retried', {
            messageId: message.messageId,
            error: error as Error,
          });
        batchItemFailures.push({ itemIdentifier: message.messageId });
      }
    }
    return { batchItemFailures };
  });
