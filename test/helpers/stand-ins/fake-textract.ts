/**
 * Textract's JSON protocol (`X-Amz-Target: Textract.*`) for the three calls untxt makes, answered
 * with fixture blocks (moto's Textract is too thin for the asynchronous API). Each call checks that
 * the document it names exists in the bucket, through the S3 stand-in, as Textract would fail on a
 * wrong bucket or key. Jobs finish at once; the test publishes their completion itself.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DetectedText } from '../../../lambdas/core/ports.js';

interface S3Object {
  Bucket: string;
  Name: string;
}

/** A job as `StartDocumentTextDetection` received it. */
export interface FakeTextractJob {
  jobId: string;
  jobTag: string | undefined;
  document: S3Object;
  snsTopicArn: string | undefined;
  roleArn: string | undefined;
}

export interface FakeTextract {
  /** Answers a Textract request; `false` when the request is not one. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Every call, by action name, in order. */
  readonly calls: string[];
  readonly jobs: FakeTextractJob[];
}

/**
 * @param settings.s3 - A client of the S3 stand-in, to check the documents exist.
 * @param settings.sync - What `DetectDocumentText` returns.
 * @param settings.async - What `GetDocumentTextDetection` returns for every job.
 */
export function createFakeTextract(settings: {
  s3: S3Client;
  sync: DetectedText;
  async: DetectedText;
}): FakeTextract {
  const calls: string[] = [];
  const jobs: FakeTextractJob[] = [];

  const answer = (res: ServerResponse, status: number, body: unknown, errorType?: string) => {
    res
      .writeHead(status, {
        'Content-Type': 'application/x-amz-json-1.1',
        ...(errorType && { 'x-amzn-ErrorType': errorType }),
      })
      .end(JSON.stringify(errorType ? { __type: errorType, message: String(body) } : body));
  };

  const exists = async ({ Bucket, Name }: S3Object) => {
    try {
      await settings.s3.send(new HeadObjectCommand({ Bucket, Key: Name }));
      return true;
    } catch {
      return false;
    }
  };

  return {
    calls,
    jobs,
    async handle(req, res) {
      const target = req.headers['x-amz-target'];
      if (req.method !== 'POST' || typeof target !== 'string' || !target.startsWith('Textract.'))
        return false;
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const action = target.slice('Textract.'.length);
      calls.push(action);
      switch (action) {
        case 'DetectDocumentText': {
          const document = (input.Document as { S3Object: S3Object }).S3Object;
          if (!(await exists(document)))
            return (
              answer(res, 400, 'Unable to get object metadata from S3', 'InvalidS3ObjectException'),
              true
            );
          answer(res, 200, { ...settings.sync, DetectDocumentTextModelVersion: '1.0' });
          return true;
        }
        case 'StartDocumentTextDetection': {
          const document = (input.DocumentLocation as { S3Object: S3Object }).S3Object;
          if (!(await exists(document)))
            return (
              answer(res, 400, 'Unable to get object metadata from S3', 'InvalidS3ObjectException'),
              true
            );
          const channel = input.NotificationChannel as { SNSTopicArn?: string; RoleArn?: string } | undefined;
          const job: FakeTextractJob = {
            jobId: randomUUID().replaceAll('-', ''),
            jobTag: input.JobTag as string | undefined,
            document,
            snsTopicArn: channel?.SNSTopicArn,
            roleArn: channel?.RoleArn,
          };
          jobs.push(job);
          answer(res, 200, { JobId: job.jobId });
          return true;
        }
        case 'GetDocumentTextDetection': {
          if (!jobs.some((job) => job.jobId === input.JobId))
            return (answer(res, 400, 'Request has invalid Job Id', 'InvalidJobIdException'), true);
          answer(res, 200, {
            JobStatus: 'SUCCEEDED',
            ...settings.async,
            DetectDocumentTextModelVersion: '1.0',
          });
          return true;
        }
        default:
          answer(res, 400, `${action} is not served by the test stand-in`, 'InvalidParameterException');
          return true;
      }
    },
  };
}
