import {
  DetectDocumentTextCommand,
  GetDocumentTextDetectionCommand,
  StartDocumentTextDetectionCommand,
  type Block,
  type DocumentMetadata,
  type TextractClient,
} from '@aws-sdk/client-textract';
import { TextDetectionFailedError, UntxtError } from '../../core/errors.js';
import type { DetectedText, TextDetector } from '../../core/ports.js';

export interface TextractTextDetectorSettings {
  client: TextractClient;
  /** The documents bucket Textract reads from (its role needs s3:GetObject and kms:Decrypt). */
  bucket: string;
}

export interface StartTextDetectionInput {
  key: string;
  taskId: string;
  /**
   * 1 for the first run. Textract returns the *same* job for a repeated `ClientRequestToken`, so a
   * deliberate retry (attempt > 1) must get a fresh token or it would just see the failed job again.
   */
  attempt?: number;
  snsTopicArn: string;
  /** Role Textract assumes to publish to `snsTopicArn`. */
  roleArn: string;
  /** Where Textract also writes its raw JSON output in the bucket. */
  outputPrefix: string;
  kmsKeyId?: string;
}

/** The Textract adapter: the synchronous {@link TextDetector} plus the asynchronous job API for PDFs. */
export { TextDetectionFailedError };

export interface TextractTextDetector extends TextDetector {
  /** Starts an asynchronous detection job; returns its `JobId`. Idempotent per (taskId, attempt). */
  startTextDetection(input: StartTextDetectionInput): Promise<string>;
  /** Collects every page of a finished job's blocks. */
  getTextDetection(jobId: string): Promise<DetectedText>;
}

/** The job has not finished yet; the state machine retries on this name. */
export class TextDetectionInProgressError extends UntxtError {
  constructor(message: string, options?: ErrorOptions) {
    super('OCR_IN_PROGRESS', message, options);
    this.name = 'TextDetectionInProgressError';
  }
}

/** Textract's `ClientRequestToken` pattern; it is also within `JobTag`'s `[a-zA-Z0-9_.\-:]{1,64}`. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** The largest page Textract serves from `GetDocumentTextDetection`. */
const MAX_RESULTS = 1000;

/**
 * Creates the Textract adapter.
 *
 * Errors from Textract are passed through untouched: the state machine's `Retry` matches on their
 * names (`ThrottlingException`, `ProvisionedThroughputExceededException`, …).
 *
 * @param settings - The Textract client (injected so tests can mock it) and the documents bucket.
 * @returns The synchronous detector plus the asynchronous job calls.
 */
export function createTextractTextDetector(settings: TextractTextDetectorSettings): TextractTextDetector {
  const { client, bucket } = settings;

  return {
    // `contentType` only matters to local engines; Textract sniffs the stored bytes itself.
    async detectDocumentText({ key }): Promise<DetectedText> {
      const output = await client.send(
        new DetectDocumentTextCommand({ Document: { S3Object: { Bucket: bucket, Name: key } } }),
      );
      const blocks = output.Blocks ?? [];
      return { DocumentMetadata: withPages(output.DocumentMetadata, blocks), Blocks: blocks };
    },

    async startTextDetection({
      key,
      taskId,
      attempt = 1,
      snsTopicArn,
      roleArn,
      outputPrefix,
      kmsKeyId,
    }): Promise<string> {
      const token = attempt === 1 ? taskId : `${taskId}-${attempt}`;
      if (!TOKEN_PATTERN.test(token)) {
        // Textract would answer with a ValidationException; failing here names the real culprit.
        throw new Error(`Task id cannot be a Textract request token (want [A-Za-z0-9_-]{1,64}): ${token}`);
      }
      const output = await client.send(
        new StartDocumentTextDetectionCommand({
          DocumentLocation: { S3Object: { Bucket: bucket, Name: key } },
          ClientRequestToken: token,
          JobTag: taskId,
          NotificationChannel: { SNSTopicArn: snsTopicArn, RoleArn: roleArn },
          OutputConfig: { S3Bucket: bucket, S3Prefix: outputPrefix },
          ...(kmsKeyId !== undefined && { KMSKeyId: kmsKeyId }),
        }),
      );
      if (!output.JobId) throw new Error('Textract started no job (no JobId in the answer)');
      return output.JobId;
    },

    async getTextDetection(jobId): Promise<DetectedText> {
      const blocks: Block[] = [];
      let metadata: DocumentMetadata | undefined;
      let nextToken: string | undefined;
      do {
        const output = await client.send(
          new GetDocumentTextDetectionCommand({
            JobId: jobId,
            MaxResults: MAX_RESULTS,
            ...(nextToken !== undefined && { NextToken: nextToken }),
          }),
        );
        if (output.JobStatus === 'IN_PROGRESS') {
          throw new TextDetectionInProgressError(`Textract job ${jobId} is still in progress`);
        }
        // SUCCEEDED and PARTIAL_SUCCESS both carry blocks; a partial result is still worth returning.
        // Anything else (FAILED, and whatever an ERROR'd job reports) has no blocks, only a reason.
        if (output.JobStatus !== 'SUCCEEDED' && output.JobStatus !== 'PARTIAL_SUCCESS') {
          throw new TextDetectionFailedError(
            output.StatusMessage ||
              `Textract job ${jobId} ended with status ${output.JobStatus ?? 'unknown'}`,
          );
        }
        metadata ??= output.DocumentMetadata;
        blocks.push(...(output.Blocks ?? []));
        nextToken = output.NextToken || undefined;
      } while (nextToken !== undefined);
      return { DocumentMetadata: withPages(metadata, blocks), Blocks: blocks };
    },
  };
}

/** Textract always reports `Pages`, but the SDK types it optional; fall back to counting PAGE blocks. */
function withPages(
  metadata: DocumentMetadata | undefined,
  blocks: Block[],
): DetectedText['DocumentMetadata'] {
  const pages = metadata?.Pages ?? blocks.filter((block) => block.BlockType === 'PAGE').length;
  return { ...metadata, Pages: pages };
}
