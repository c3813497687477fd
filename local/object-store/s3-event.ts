/**
 * ObjectCreated records shaped exactly like the notifications S3 sends to SQS, so the dispatcher
 * parses local and AWS events with the same code (including the URL-encoded key).
 */
import { randomBytes } from 'node:crypto';
import type { S3EventRecord } from 'aws-lambda';
import { encodeS3Key } from './keys.js';

export type ObjectCreatedEventName = 'ObjectCreated:Post' | 'ObjectCreated:Put';

/** The notification body S3 puts on the queue. */
export interface S3Notification {
  Records: S3EventRecord[];
}

/** Principal S3 reports for the local host (there is no IAM user locally). */
export const LOCAL_PRINCIPAL_ID = 'AWS:UNTXTLOCAL';
/** Name of the (implicit) notification configuration of the local bucket. */
export const LOCAL_CONFIGURATION_ID = 'untxt-uploads';

let lastSequencer = 0n;

/**
 * S3's `sequencer`: an opaque hex string whose order matches the order of events for one key.
 * Nanoseconds since the epoch, bumped so two events in the same tick still increase.
 */
export function nextSequencer(): string {
  const candidate = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  lastSequencer = candidate > lastSequencer ? candidate : lastSequencer + 1n;
  return lastSequencer.toString(16).toUpperCase().padStart(18, '0');
}

/** A request id in S3's format (16 upper-case hex characters). */
export function newRequestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/**
 * Builds one ObjectCreated record.
 *
 * @param input.key - The real key; it is URL-encoded here the way S3 encodes it.
 * @param input.etag - MD5 hex without quotes.
 */
export function buildObjectCreatedRecord(input: {
  eventName: ObjectCreatedEventName;
  bucket: string;
  region: string;
  key: string;
  size: number;
  etag: string;
  sourceIp?: string;
  requestId?: string;
  time?: Date;
}): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: input.region,
    eventTime: (input.time ?? new Date()).toISOString(),
    eventName: input.eventName,
    userIdentity: { principalId: LOCAL_PRINCIPAL_ID },
    requestParameters: { sourceIPAddress: input.sourceIp ?? '127.0.0.1' },
    responseElements: {
      'x-amz-request-id': input.requestId ?? newRequestId(),
      'x-amz-id-2': randomBytes(48).toString('base64'),
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: LOCAL_CONFIGURATION_ID,
      bucket: {
        name: input.bucket,
        ownerIdentity: { principalId: 'UNTXTLOCAL' },
        arn: `arn:aws:s3:::${input.bucket}`,
      },
      object: {
        key: encodeS3Key(input.key),
        size: input.size,
        eTag: input.etag,
        sequencer: nextSequencer(),
      },
    },
  };
}
