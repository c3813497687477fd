import {
  DetectDocumentTextCommand,
  GetDocumentTextDetectionCommand,
  ProvisionedThroughputExceededException,
  StartDocumentTextDetectionCommand,
  TextractClient,
  UnsupportedDocumentException,
  type Block,
} from '@aws-sdk/client-textract';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTextractTextDetector,
  TextDetectionFailedError,
  TextDetectionInProgressError,
} from '../../../../../lambdas/adapters/aws/textract-text-detector.js';

const client = new TextractClient({ region: 'eu-central-1' });
const textractMock = mockClient(client);
const bucket = 'untxt-documents';

const page: Block = { BlockType: 'PAGE', Id: 'p1' };
const line: Block = { BlockType: 'LINE', Id: 'l1', Text: 'Hello' };
const word: Block = { BlockType: 'WORD', Id: 'w1', Text: 'Hello' };

const startInput = {
  key: 'uploads/user-1/task-1',
  taskId: '0b6f7c1e-3f0a-4c4e-9a39-2f1d4f0f5c11',
  snsTopicArn: 'arn:aws:sns:eu-central-1:123456789012:textract-done',
  roleArn: 'arn:aws:iam::123456789012:role/textract-publish',
  outputPrefix: 'textract/0b6f7c1e',
};

afterEach(() => {
  textractMock.reset();
});

describe('Function: detectDocumentText', () => {
  it('detects text in the stored object and returns pages and blocks', async () => {
    // Prepare
    textractMock.on(DetectDocumentTextCommand).resolves({
      DocumentMetadata: { Pages: 1 },
      Blocks: [page, line],
      DetectDocumentTextModelVersion: '1.0',
    });
    const detector = createTextractTextDetector({ client, bucket });

    // Act
    const result = await detector.detectDocumentText({
      key: 'uploads/user-1/task-1',
      contentType: 'image/png',
    });

    // Assess
    expect(result).toEqual({ DocumentMetadata: { Pages: 1 }, Blocks: [page, line] });
    expect(textractMock.commandCalls(DetectDocumentTextCommand)[0]?.args[0].input).toEqual({
      Document: { S3Object: { Bucket: bucket, Name: 'uploads/user-1/task-1' } },
    });
  });

  it('counts PAGE blocks when Textract leaves out the page count', async () => {
    // Prepare
    textractMock.on(DetectDocumentTextCommand).resolves({ Blocks: [page] });
    const detector = createTextractTextDetector({ client, bucket });

    // Act
    const result = await detector.detectDocumentText({ key: 'k', contentType: 'image/png' });

    // Assess
    expect(result).toEqual({ DocumentMetadata: { Pages: 1 }, Blocks: [page] });
  });

  it('passes Textract errors through with their names when Textract refuses', async () => {
    // Prepare
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    textractMock.on(DetectDocumentTextCommand).rejects(throttled);
    const detector = createTextractTextDetector({ client, bucket });

    // Act & Assess
    await expect(detector.detectDocumentText({ key: 'k', contentType: 'image/png' })).rejects.toMatchObject({
      name: 'ProvisionedThroughputExceededException',
    });
  });
});

describe('Function: startTextDetection', () => {
  it('starts an idempotent job tagged with the task and returns its id', async () => {
    // Prepare
    textractMock.on(StartDocumentTextDetectionCommand).resolves({ JobId: 'job-1' });
    const detector = createTextractTextDetector({ client, bucket });
    const kmsKeyId = 'arn:aws:kms:eu-central-1:123456789012:key/abc';

    // Act
    const jobId = await detector.startTextDetection({ ...startInput, kmsKeyId });

    // Assess
    expect(jobId).toBe('job-1');
    expect(textractMock.commandCalls(StartDocumentTextDetectionCommand)).toHaveLength(1);
    expect(textractMock.commandCalls(StartDocumentTextDetectionCommand)[0]?.args[0].input).toEqual({
      DocumentLocation: { S3Object: { Bucket: bucket, Name: 'uploads/user-1/task-1' } },
      ClientRequestToken: startInput.taskId,
      JobTag: startInput.taskId,
      NotificationChannel: { SNSTopicArn: startInput.snsTopicArn, RoleArn: startInput.roleArn },
      OutputConfig: { S3Bucket: bucket, S3Prefix: 'textract/0b6f7c1e' },
      KMSKeyId: kmsKeyId,
    });
  });

  it('uses a fresh request token and no KMS key when retrying without one', async () => {
    // Prepare
    textractMock.on(StartDocumentTextDetectionCommand).resolves({ JobId: 'job-2' });
    const detector = createTextractTextDetector({ client, bucket });

    // Act
    await detector.startTextDetection({ ...startInput, attempt: 2 });

    // Assess
    expect(textractMock.commandCalls(StartDocumentTextDetectionCommand)[0]?.args[0].input).toEqual({
      DocumentLocation: { S3Object: { Bucket: bucket, Name: 'uploads/user-1/task-1' } },
      ClientRequestToken: `${startInput.taskId}-2`,
      JobTag: startInput.taskId,
      NotificationChannel: { SNSTopicArn: startInput.snsTopicArn, RoleArn: startInput.roleArn },
      OutputConfig: { S3Bucket: bucket, S3Prefix: 'textract/0b6f7c1e' },
    });
  });

  it('throws without calling Textract when the task id is not a valid token', async () => {
    // Prepare
    const detector = createTextractTextDetector({ client, bucket });

    // Act & Assess
    await expect(
      detector.startTextDetection({ ...startInput, taskId: 'has spaces/and:colons' }),
    ).rejects.toThrow(/request token/);
    await expect(detector.startTextDetection({ ...startInput, taskId: 'x'.repeat(65) })).rejects.toThrow(
      /request token/,
    );
    expect(textractMock.calls()).toHaveLength(0);
  });
});

describe('Function: getTextDetection', () => {
  it('pages through every result and merges the blocks when the job succeeded', async () => {
    // Prepare
    textractMock
      .on(GetDocumentTextDetectionCommand, { JobId: 'job-1', MaxResults: 1000 })
      .resolves({
        JobStatus: 'SUCCEEDED',
        DocumentMetadata: { Pages: 2 },
        Blocks: [page, line],
        NextToken: 't1',
      })
      .on(GetDocumentTextDetectionCommand, { JobId: 'job-1', MaxResults: 1000, NextToken: 't1' })
      .resolves({ JobStatus: 'SUCCEEDED', DocumentMetadata: { Pages: 2 }, Blocks: [word], NextToken: 't2' })
      .on(GetDocumentTextDetectionCommand, { JobId: 'job-1', MaxResults: 1000, NextToken: 't2' })
      .resolves({ JobStatus: 'SUCCEEDED', DocumentMetadata: { Pages: 2 }, Blocks: [] });
    const detector = createTextractTextDetector({ client, bucket });

    // Act
    const result = await detector.getTextDetection('job-1');

    // Assess
    expect(result).toEqual({ DocumentMetadata: { Pages: 2 }, Blocks: [page, line, word] });
    expect(
      textractMock.commandCalls(GetDocumentTextDetectionCommand).map((call) => call.args[0].input),
    ).toEqual([
      { JobId: 'job-1', MaxResults: 1000 },
      { JobId: 'job-1', MaxResults: 1000, NextToken: 't1' },
      { JobId: 'job-1', MaxResults: 1000, NextToken: 't2' },
    ]);
  });

  it('throws TextDetectionFailedError with the status message when the job failed', async () => {
    // Prepare
    textractMock
      .on(GetDocumentTextDetectionCommand)
      .resolves({ JobStatus: 'FAILED', StatusMessage: 'Request has unsupported document format' });
    const detector = createTextractTextDetector({ client, bucket });

    // Act
    const error = await detector.getTextDetection('job-1').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(TextDetectionFailedError);
    expect(error).toMatchObject({
      name: 'TextDetectionFailedError',
      message: 'Request has unsupported document format',
    });
  });

  it('throws TextDetectionInProgressError when the job is still running', async () => {
    // Prepare
    textractMock.on(GetDocumentTextDetectionCommand).resolves({ JobStatus: 'IN_PROGRESS' });
    const detector = createTextractTextDetector({ client, bucket });

    // Act & Assess
    await expect(detector.getTextDetection('job-1')).rejects.toMatchObject({
      name: 'TextDetectionInProgressError',
    });
    await expect(detector.getTextDetection('job-1')).rejects.toBeInstanceOf(TextDetectionInProgressError);
  });

  it('passes Textract errors through when a page request fails', async () => {
    // Prepare
    textractMock
      .on(GetDocumentTextDetectionCommand)
      .rejects(new UnsupportedDocumentException({ message: 'unsupported', $metadata: {} }));
    const detector = createTextractTextDetector({ client, bucket });

    // Act & Assess
    await expect(detector.getTextDetection('job-1')).rejects.toMatchObject({
      name: 'UnsupportedDocumentException',
    });
  });
});
