/**
 * The production AWS adapters over real HTTP, against moto: what `aws-sdk-client-mock` cannot show
 * (the SDK's serialization and error parsing, presigned URLs and forms that a server accepts, the S3
 * event a queue really receives). moto accepts any signature and does not enforce POST policies: the
 * policy's conditions are asserted in the unit tests (test/unit/lambdas/adapters/aws/s3-object-store.test.ts)
 * and enforced locally by the local object store.
 */
import {
  CreateBucketCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findTaskById } from '../../../database/repositories/index.js';
import { createS3ObjectStore } from '../../../lambdas/adapters/aws/s3-object-store.js';
import { createSfnWorkflow } from '../../../lambdas/adapters/aws/sfn-workflow.js';
import { createSqsAdmissionSignal } from '../../../lambdas/adapters/aws/sqs-admission-signal.js';
import { createSqsQueueMonitor } from '../../../lambdas/adapters/aws/sqs-queue-monitor.js';
import { createDispatcherHandler } from '../../../lambdas/events/dispatcher.js';
import { createLambdaContext } from '../../../local/gateway/lambda-context.js';
import { makeNoisePng } from '../../fixtures/documents.js';
import { createPgliteDatabase, seedUser } from '../../helpers/databases.js';
import { findMotoServer, startMoto, type Moto } from '../../helpers/moto.js';

const command = findMotoServer();
if (!command && process.env.CI)
  throw new Error('moto_server is not installed; CI requires it (pyenv: moto 5.2)');
if (!command) console.warn('Skipping the moto tests: moto_server is not on PATH nor in ~/.pyenv/shims.');

describe.skipIf(!command)('AWS adapters over the wire (moto)', () => {
  let moto: Moto;
  let s3: S3Client;
  let sqs: SQSClient;
  let sfn: SFNClient;
  let keyArn: string;
  const bucket = 'untxt-documents-test';

  beforeAll(async () => {
    moto = await startMoto(command!);
    s3 = new S3Client({ ...moto.clientConfig, forcePathStyle: true });
    sqs = new SQSClient(moto.clientConfig);
    sfn = new SFNClient(moto.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const key = (await moto.jsonCall('TrentService.CreateKey', { Description: 'untxt test' })) as {
      KeyMetadata: { Arn: string };
    };
    keyArn = key.KeyMetadata.Arn;
  }, 60_000);

  afterAll(async () => {
    for (const client of [s3, sqs, sfn]) client?.destroy();
    await moto?.stop();
  });

  const queue = async (name: string) => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    return { url: QueueUrl!, arn: Attributes!.QueueArn! };
  };

  describe('Function: createS3ObjectStore', () => {
    it('writes with SSE-KMS under the configured key, then heads, reads, reads ranges and tags', async () => {
      // Prepare
      const store = createS3ObjectStore({ client: s3, bucket, kmsKeyId: keyArn });
      const key = 'results/u1/2026-12/t1/result.txt';

      // Act
      await store.write(key, new TextEncoder().encode('hello, wire'), 'text/plain; charset=utf-8');
      await store.setTags(key, { deleted: 'true' });

      // Assess
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn });
      expect(await store.head(key)).toMatchObject({ size: 11, contentType: 'text/plain; charset=utf-8' });
      expect(new TextDecoder().decode(await store.read(key))).toBe('hello, wire');
      expect(new TextDecoder().decode(await store.readRange(key, 7, 100))).toBe('wire');
      expect((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet).toEqual([
        { Key: 'deleted', Value: 'true' },
      ]);
    });

    it('answers undefined for a missing object and no bytes for a range past its end', async () => {
      // Prepare
      const store = createS3ObjectStore({ client: s3, bucket });
      await store.write('uploads/u1/short.txt', new Uint8Array([1, 2, 3]), 'text/plain');

      // Act
      const missing = await store.head('uploads/u1/never-written.png');
      const pastEnd = await store.readRange('uploads/u1/short.txt', 10, 20);

      // Assess: S3's 404 and 416 answers, parsed by the real SDK, map to the port's promises
      expect(missing).toBeUndefined();
      expect(pastEnd).toEqual(new Uint8Array(0));
    });

    it('signs a POST form the server takes and a download URL that returns the bytes, named for saving', async () => {
      // Prepare
      const store = createS3ObjectStore({ client: s3, bucket, kmsKeyId: keyArn });
      const key = 'uploads/u1/scan one.png';
      const png = await makeNoisePng(8, 8);

      // Act
      const upload = await store.presignUpload({
        key,
        contentType: 'image/png',
        maxBytes: 1024,
        expiresInSeconds: 60,
      });
      const form = new FormData();
      for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
      form.append('file', new Blob([new Uint8Array(png)]));
      const posted = await fetch(upload.url, { method: 'POST', body: form });
      const url = await store.presignDownload({ key, expiresInSeconds: 60, downloadName: 'scan one.png' });
      const downloaded = await fetch(url);

      // Assess
      expect(posted.status).toBe(204);
      expect(upload.fields).toMatchObject({
        key,
        'Content-Type': 'image/png',
        'x-amz-server-side-encryption': 'aws:kms',
      });
      expect(downloaded.status).toBe(200);
      const got = new Uint8Array(await downloaded.arrayBuffer());
      expect(got).toEqual(new Uint8Array(png));
      // moto ignores response-content-disposition; S3 answers with it. The URL carries it, signed.
      expect(new URL(url).searchParams.get('response-content-disposition')).toContain(
        "filename*=UTF-8''scan%20one.png",
      );
    });
  });

  describe('Function: createSfnWorkflow', () => {
    it('starts an execution named after the task and attempt, with the flat input the definition reads', async () => {
      // Prepare
      const { stateMachineArn } = await sfn.send(
        new CreateStateMachineCommand({
          name: 'untxt-ocr-start',
          type: 'EXPRESS',
          roleArn: 'arn:aws:iam::123456789012:role/untxt-ocr',
          definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
        }),
      );
      const workflow = createSfnWorkflow({ client: sfn, stateMachineArn: stateMachineArn! });

      // Act
      const { executionArn } = await workflow.start({
        taskId: 'task-1',
        userId: 'u1',
        key: 'uploads/u1/a.png',
        attempt: 2,
      });

      // Assess
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      expect(execution.name).toBe('task-1-2');
      expect(JSON.parse(execution.input!)).toEqual({
        taskId: 'task-1',
        userId: 'u1',
        key: 'uploads/u1/a.png',
        attempt: 2,
      });
    });
  });

  describe('Function: SQS adapters', () => {
    it('pokes the admission queue and reads both queue depths', async () => {
      // Prepare
      const admission = await queue('untxt-admission');
      const intake = await queue('untxt-intake');
      const deadLetters = await queue('untxt-intake-dlq');
      await sqs.send(new SendMessageCommand({ QueueUrl: deadLetters.url, MessageBody: '{}' }));
      const monitor = createSqsQueueMonitor({
        client: sqs,
        intakeQueueUrl: intake.url,
        intakeQueueArn: intake.arn,
        deadLetterQueueUrl: deadLetters.url,
        deadLetterQueueArn: deadLetters.arn,
      });

      // Act
      await createSqsAdmissionSignal({ client: sqs, queueUrl: admission.url }).poke('task waiting');
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: admission.url, WaitTimeSeconds: 1 }),
      );

      // Assess
      expect(received.Messages?.map((message) => message.Body)).toEqual(['{"reason":"task waiting"}']);
      expect(await monitor.intakeDepth()).toEqual({ visible: 0, inFlight: 0 });
      expect(await monitor.deadLetterDepth()).toEqual({ visible: 1, inFlight: 0 });
    });
  });

  describe('Function: createDispatcherHandler', () => {
    it('turns the S3 event a queue really receives for a dropped file into a queued task and a started run', async () => {
      // Prepare: uploads/ notifies the intake queue, as the data stack configures it
      const handle = await createPgliteDatabase();
      const intake = await queue('untxt-intake-events');
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: bucket,
          NotificationConfiguration: {
            QueueConfigurations: [
              {
                QueueArn: intake.arn,
                Events: ['s3:ObjectCreated:*'],
                Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
              },
            ],
          },
        }),
      );
      const { stateMachineArn } = await sfn.send(
        new CreateStateMachineCommand({
          name: 'untxt-ocr-dispatch',
          type: 'EXPRESS',
          roleArn: 'arn:aws:iam::123456789012:role/untxt-ocr',
          definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
        }),
      );
      const user = await seedUser(handle.db);
      const objects = createS3ObjectStore({ client: s3, bucket, kmsKeyId: keyArn });
      // A file dropped straight into the bucket: uploads/{userId}/{name}, a space and a plus in it.
      const key = `uploads/${user.id}/drop + scan.png`;
      await objects.write(key, await makeNoisePng(16, 16), 'application/octet-stream');
      const messages = [];
      for (let tries = 0; tries < 5 && messages.length === 0; tries += 1) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: intake.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        messages.push(...Messages.filter((message) => message.Body?.includes('"Records"')));
      }
      const handler = createDispatcherHandler({
        db: handle.db,
        objects,
        connections: { post: vi.fn(async () => true) },
        now: () => new Date(),
        workflow: createSfnWorkflow({ client: sfn, stateMachineArn: stateMachineArn! }),
      });
      const event = {
        Records: messages.map((message) => ({ messageId: message.MessageId!, body: message.Body! })),
      } as unknown as SQSEvent;

      // Act
      const result = await handler(event, createLambdaContext('dispatcher'));

      // Assess: the key decoded from the event is the object's, and the run started for its task
      expect(result).toEqual({ batchItemFailures: [] });
      const task = await handle.db.selectFrom('tasks').selectAll().executeTakeFirstOrThrow();
      expect(await findTaskById(handle.db, task.id)).toMatchObject({ status: 'queued', user_id: user.id });
      const execution = await sfn.send(
        new DescribeExecutionCommand({
          executionArn: `${stateMachineArn!.replace(':stateMachine:', ':execution:')}:${task.id}`,
        }),
      );
      expect(JSON.parse(execution.input!)).toMatchObject({ taskId: task.id, key, attempt: 1 });
      await handle.close();
    });
  });
});
