/**
 * The Lambda entry files: environment validation, adapter wiring (mocked SDK clients, exact
 * parameters) and pass-through to the handler factories, on an in-memory PGlite.
 */
import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import {
  GetObjectCommand,
  HeadObjectCommand,
  NotFound,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DetectDocumentTextCommand,
  GetDocumentTextDetectionCommand,
  StartDocumentTextDetectionCommand,
  TextractClient,
} from '@aws-sdk/client-textract';
import type { APIGatewayProxyEvent, CloudFormationCustomResourceEvent, SNSEvent, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { sql, type Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../../../database/connect.js';
import { migrateToLatest } from '../../../../database/migrate.js';
import { migrations } from '../../../../database/migrations/index.js';
import {
  findConnection,
  findResult,
  findTaskById,
  findTextJob,
  saveConnection,
  saveTextJobStart,
  setSubscriptions,
} from '../../../../database/repositories/index.js';
import type { Database } from '../../../../database/schema.js';
import { resultKeys, resultPrefix } from '../../../../lambdas/core/keys.js';
import type { FunctionName } from '../../../../lambdas/entry/env.js';
import { createProxyDatabase } from '../../../../lambdas/entry/shared/proxy-database.js';
import { createLambdaContext } from '../../../../local/gateway/lambda-context.js';
import { makeNoisePng } from '../../../fixtures/documents.js';
import { seedTask, seedUser, truncateAll } from '../../../helpers/databases.js';
import { ACCOUNT, FULL_ENV, lambdaContext, REGION, stubEnvironment } from './helpers.js';

const state = vi.hoisted(() => ({ db: undefined as unknown }));

// The one seam: the database. Everything else is the real adapter over a mocked SDK client. (Mocked
// at the lowest level: a mocked module survives `vi.resetModules`, so it must not hold error classes
// that the freshly imported handlers compare with `instanceof`.)
vi.mock('../../../../lambdas/entry/shared/proxy-database.js', () => ({
  createProxyDatabase: vi.fn(() => state.db),
}));

const s3Mock = mockClient(S3Client);
const sfnMock = mockClient(SFNClient);
const sqsMock = mockClient(SQSClient);
const textractMock = mockClient(TextractClient);
const managementMock = mockClient(ApiGatewayManagementApiClient);

let handle: DatabaseHandle;
let db: Kysely<Database>;

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
/** Static imports only: the bundler that runs the tests cannot follow a computed `.js` → `.ts` path. */
const ENTRY_MODULES: Record<string, () => Promise<unknown>> = {
  api: () => import('../../../../lambdas/entry/api.js'),
  ws: () => import('../../../../lambdas/entry/ws.js'),
  dispatcher: () => import('../../../../lambdas/entry/dispatcher.js'),
  download: () => import('../../../../lambdas/entry/download.js'),
  recognize: () => import('../../../../lambdas/entry/recognize.js'),
  'start-text-detection': () => import('../../../../lambdas/entry/start-text-detection.js'),
  'text-detection-completed': () => import('../../../../lambdas/entry/text-detection-completed.js'),
  'write-result': () => import('../../../../lambdas/entry/write-result.js'),
  'mark-failed': () => import('../../../../lambdas/entry/mark-failed.js'),
  janitor: () => import('../../../../lambdas/entry/janitor.js'),
  admitter: () => import('../../../../lambdas/entry/admitter.js'),
  'db-change': () => import('../../../../lambdas/entry/db-change.js'),
  migrate: () => import('../../../../lambdas/entry/migrate.js'),
};

/** A fresh import of an entry file, i.e. a cold start. */
const coldStart = async (file: string): Promise<Handler> => {
  vi.resetModules();
  const module = (await ENTRY_MODULES[file]!()) as { handler: Handler };
  return module.handler;
};

beforeAll(async () => {
  handle = await createDatabase({ inMemory: true });
  await migrateToLatest(handle.db);
  db = handle.db;
});

afterAll(async () => {
  await handle?.close();
});

beforeEach(async () => {
  state.db = db;
  stubEnvironment();
  await truncateAll(db);
});

afterEach(() => {
  vi.unstubAllEnvs();
  for (const mock of [s3Mock, sfnMock, sqsMock, textractMock, managementMock]) mock.reset();
});

/** Every migration, in the order Kysely applies them (names sort chronologically). */
const MIGRATION_NAMES = Object.keys(migrations).sort();
describe('Function: handler (environment)', () => {
  it.each<[FunctionName, string, string]>([
    ['api', 'api', 'DLQ_ARN'],
    ['ws', 'ws', 'USER_POOL_CLIENT_ID'],
    ['dispatcher', 'dispatcher', 'STATE_MACHINE_ARN'],
    ['download', 'download', 'KMS_KEY_ID'],
    ['recognize', 'recognize', 'DOCUMENTS_BUCKET'],
    ['startTextDetection', 'start-text-detection', 'TEXTRACT_ROLE_ARN'],
    ['textDetectionCompleted', 'text-detection-completed', 'STATE_MACHINE_ARN'],
    ['writeResult', 'write-result', 'DB_PROXY_ENDPOINT'],
    ['markFailed', 'mark-failed', 'DB_NAME'],
    ['janitor', 'janitor', 'STATE_MACHINE_ARN'],
    ['dbChange', 'db-change', 'WEBSOCKET_MANAGEMENT_ENDPOINT'],
    ['migrate', 'migrate', 'DB_USER'],
    ['migrate', 'migrate', 'DB_CHANGE_FUNCTION_ARN'],
  ])('fails the %s function (%s.ts) naming %s when it is not set', async (name, file, variable) => {
    // Prepare
    stubEnvironment([variable]);
    const handler = await coldStart(file);

    // Act
    const invocation = handler({}, lambdaContext(name));

    // Assess
    await expect(invocation).rejects.toThrow(
      `Invalid environment for the ${name} function: ${variable} is not set`,
    );
  });
});

describe('Function: handler (dispatcher)', () => {
  it('reads the object from the documents bucket and starts the state machine when a file arrives', async () => {
    // Prepare
    const user = await seedUser(db);
    const { task, file } = await seedTask(db, { userId: user.id, status: 'awaiting_upload' });
    const png = await makeNoisePng(4, 4);
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: png.byteLength, ContentType: 'image/png' });
    s3Mock.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => png } as never });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });
    const event = {
      Records: [
        {
          messageId: 'm-1',
          body: JSON.stringify({
            Records: [
              {
                eventName: 'ObjectCreated:Post',
                s3: { object: { key: file.storage_key, size: png.byteLength } },
              },
            ],
          }),
        },
      ],
    } as unknown as SQSEvent;
    const handler = await coldStart('dispatcher');

    // Act
    const result = await handler(event, lambdaContext('dispatcher'));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(createProxyDatabase).toHaveBeenCalledWith({
      host: FULL_ENV.DB_PROXY_ENDPOINT,
      port: 5432,
      database: FULL_ENV.DB_NAME,
      user: FULL_ENV.DB_USER,
      region: REGION,
    });
    expect(s3Mock.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: FULL_ENV.DOCUMENTS_BUCKET,
      Key: file.storage_key,
    });
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: FULL_ENV.STATE_MACHINE_ARN,
      name: task.id,
      input: JSON.stringify({ taskId: task.id, userId: user.id, key: file.storage_key, attempt: 1 }),
    });
  });
});

describe('Function: handler (dispatcher), a dropped file gone before its event', () => {
  it('creates no task for a file that is no longer in the bucket', async () => {
    // Prepare
    const user = await seedUser(db);
    const key = `uploads/${user.id}/dropped-then-deleted/scan.png`;
    s3Mock
      .on(HeadObjectCommand)
      .rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    const event = {
      Records: [
        {
          messageId: 'm-1',
          body: JSON.stringify({
            Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key, size: 1234 } } }],
          }),
        },
      ],
    } as unknown as SQSEvent;
    const handler = await coldStart('dispatcher');

    // Act
    const result = await handler(event, lambdaContext('dispatcher'));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(s3Mock.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: FULL_ENV.DOCUMENTS_BUCKET,
      Key: key,
    });
    expect(await db.selectFrom('files').select('id').where('storage_key', '=', key).execute()).toEqual([]);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toEqual([]);
  });
});

describe('Function: handler (api)', () => {
  it('reads both queues, and counts processing tasks as running executions, for the admin overview', async () => {
    // Prepare
    sqsMock.on(GetQueueAttributesCommand).resolves({
      Attributes: { ApproximateNumberOfMessages: '3', ApproximateNumberOfMessagesNotVisible: '1' },
    });
    const user = await seedUser(db);
    await seedTask(db, { userId: user.id, status: 'processing' });
    const event = {
      httpMethod: 'GET',
      path: '/api/admin/overview',
      headers: {},
      requestContext: {
        authorizer: {
          claims: {
            sub: '0b0e8f3e-3f59-4d3c-9a53-7a8a1f0e2c11',
            email: 'a@example.com',
            'cognito:groups': 'admins',
          },
        },
      },
    } as unknown as APIGatewayProxyEvent;
    const handler = await coldStart('api');

    // Act
    const response = (await handler(event, lambdaContext('api'))) as { statusCode: number; body: string };

    // Assess
    expect(response.statusCode).toBe(200);
    expect(
      sqsMock
        .commandCalls(GetQueueAttributesCommand)
        .map((call) => call.args[0].input.QueueUrl)
        .sort(),
    ).toEqual([FULL_ENV.DLQ_URL, FULL_ENV.INTAKE_QUEUE_URL].sort());
    expect(JSON.parse(response.body)).toMatchObject({
      runningExecutions: 1,
      queue: { visible: 3, inFlight: 1 },
    });
    // Express workflows cannot be listed: nothing is asked of Step Functions.
    expect(sfnMock.calls()).toHaveLength(0);
  });
});

describe('Function: handler (ws)', () => {
  it('answers a ping through the stage management endpoint', async () => {
    // Prepare
    const user = await seedUser(db);
    await saveConnection(db, { id: 'conn-1', userId: user.id });
    managementMock.on(PostToConnectionCommand).resolves({});
    const handler = await coldStart('ws');
    const event = { requestContext: { routeKey: 'ping', connectionId: 'conn-1' }, body: '{"action":"ping"}' };

    // Act
    const response = await handler(event, lambdaContext('ws'));

    // Assess
    expect(response).toEqual({ statusCode: 200, body: '' });
    const call = managementMock.commandCalls(PostToConnectionCommand)[0];
    expect(call?.args[0].input.ConnectionId).toBe('conn-1');
    expect(JSON.parse(new TextDecoder().decode(call?.args[0].input.Data as Uint8Array))).toMatchObject({
      type: 'pong',
    });
    const client = call?.thisValue as ApiGatewayManagementApiClient;
    const endpoint = await (client.config.endpoint as () => Promise<{ hostname: string; path: string }>)();
    expect(`${endpoint.hostname}${endpoint.path}`).toBe(`ws123.execute-api.${REGION}.amazonaws.com/prod`);
  });

  it('refuses a connection with a malformed token without fetching keys', async () => {
    // Prepare
    const handler = await coldStart('ws');
    const event = {
      requestContext: { routeKey: '$connect', connectionId: 'conn-2' },
      queryStringParameters: { token: 'not-a-jwt' },
    };

    // Act
    const response = (await handler(event, lambdaContext('ws'))) as { statusCode: number };

    // Assess
    expect(response.statusCode).toBe(401);
  });
});

/** A task in `processing` and the RecognizeAsync input Download would have produced for it. */
const seedAsyncTask = async () => {
  const user = await seedUser(db);
  const { task, file } = await seedTask(db, {
    userId: user.id,
    status: 'processing',
    stage: 'recognize',
    attempts: 1,
  });
  const prefix = resultPrefix(user.id, task.id, new Date(task.created_at));
  const input = {
    taskId: task.id,
    userId: user.id,
    key: file.storage_key,
    attempt: 1,
    mode: 'async' as const,
    documentKey: file.storage_key,
    contentType: 'application/pdf',
    pages: 2,
    resultPrefix: prefix,
  };
  return { user, task, file, input };
};

describe('Function: handler (recognize)', () => {
  it('detects the text of the stored page, stores txt/html/json with KMS and completes the task', async () => {
    // Prepare
    const { task, file, input } = await seedAsyncTask();
    const blocks = [
      { BlockType: 'PAGE' as const, Id: 'p1', Page: 1 },
      { BlockType: 'LINE' as const, Id: 'l1', Page: 1, Text: 'Hello', Confidence: 99 },
    ];
    textractMock.on(DetectDocumentTextCommand).resolves({ DocumentMetadata: { Pages: 1 }, Blocks: blocks });
    s3Mock.on(PutObjectCommand).resolves({});
    const handler = await coldStart('recognize');

    // Act
    const result = await handler({ ...input, mode: 'sync', pages: 1 }, lambdaContext('recognize'));

    // Assess
    const keys = resultKeys(input.resultPrefix);
    expect(result).toEqual({ taskId: task.id, status: 'completed' });
    expect(textractMock.commandCalls(DetectDocumentTextCommand)[0]?.args[0].input).toEqual({
      Document: { S3Object: { Bucket: FULL_ENV.DOCUMENTS_BUCKET, Name: file.storage_key } },
    });
    const puts = s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(puts.map((put) => put.Key).sort()).toEqual([keys.html, keys.json, keys.text].sort());
    for (const put of puts)
      expect(put).toMatchObject({
        Bucket: FULL_ENV.DOCUMENTS_BUCKET,
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: FULL_ENV.KMS_KEY_ID,
      });
    expect(puts.find((put) => put.Key === keys.text)?.Body).toMatch(/Hello/);
    expect(await findTaskById(db, task.id)).toMatchObject({ status: 'completed', progress: 100 });
    expect(await findResult(db, task.id)).toMatchObject({ engine: 'textract', lines: 1 });
  });
});

describe('Function: handler (startTextDetection)', () => {
  it('starts the Textract job with the notification channel, output prefix and key, and records it', async () => {
    // Prepare
    const { task, file, input } = await seedAsyncTask();
    textractMock.on(StartDocumentTextDetectionCommand).resolves({ JobId: 'job-1' });
    const handler = await coldStart('start-text-detection');

    // Act
    const result = await handler(input, lambdaContext('startTextDetection'));

    // Assess
    expect(result).toEqual({ jobId: 'job-1', handedOff: false });
    expect(textractMock.commandCalls(StartDocumentTextDetectionCommand)[0]?.args[0].input).toEqual({
      DocumentLocation: { S3Object: { Bucket: FULL_ENV.DOCUMENTS_BUCKET, Name: file.storage_key } },
      ClientRequestToken: task.id,
      JobTag: task.id,
      NotificationChannel: {
        SNSTopicArn: FULL_ENV.TEXTRACT_SNS_TOPIC_ARN,
        RoleArn: FULL_ENV.TEXTRACT_ROLE_ARN,
      },
      OutputConfig: { S3Bucket: FULL_ENV.DOCUMENTS_BUCKET, S3Prefix: `${input.resultPrefix}textract-output` },
      KMSKeyId: FULL_ENV.KMS_KEY_ID,
    });
    expect(await findTextJob(db, 'job-1')).toMatchObject({
      task_id: task.id,
      attempt: 1,
      status: 'IN_PROGRESS',
    });
    expect(sfnMock.calls()).toHaveLength(0);
  });
});

const completion = (jobId: string, status: string, taskId: string): SNSEvent =>
  ({
    Records: [
      {
        Sns: {
          MessageId: 'msg-1',
          Message: JSON.stringify({
            JobId: jobId,
            Status: status,
            API: 'StartDocumentTextDetection',
            JobTag: taskId,
            Timestamp: 1,
          }),
        },
      },
    ],
  }) as unknown as SNSEvent;

describe('Function: handler (textDetectionCompleted)', () => {
  it('starts a WriteResult run of the state machine with the job id when the job finished', async () => {
    // Prepare
    const { user, task, file, input } = await seedAsyncTask();
    await saveTextJobStart(db, { jobId: 'job-2', taskId: task.id, attempt: 1, input });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });
    const handler = await coldStart('text-detection-completed');

    // Act
    const result = await handler(
      completion('job-2', 'SUCCEEDED', task.id),
      lambdaContext('textDetectionCompleted'),
    );

    // Assess
    expect(result).toEqual({ handedOff: 1 });
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: FULL_ENV.STATE_MACHINE_ARN,
      name: `${task.id}-write`,
      input: JSON.stringify({
        taskId: task.id,
        userId: user.id,
        key: file.storage_key,
        attempt: 1,
        jobId: 'job-2',
      }),
    });
    expect(textractMock.calls()).toHaveLength(0);
  });

  it('ignores a message that is not a Textract completion', async () => {
    // Prepare
    const event = { Records: [{ Sns: { MessageId: 'm', Message: 'hello' } }] } as unknown as SNSEvent;
    const handler = await coldStart('text-detection-completed');

    // Act
    const result = await handler(event, lambdaContext('textDetectionCompleted'));

    // Assess
    expect(result).toEqual({ handedOff: 0 });
    expect(sfnMock.calls()).toHaveLength(0);
  });
});

describe('Function: handler (admitter)', () => {
  it('admits a task that waited at Recognize by starting its resumed run, and publishes the figures', async () => {
    // Prepare: a quota of one call a second; the first task takes it, the second parks and pokes
    vi.stubEnv('TEXTRACT_SYNC_TPS', '1');
    const first = await seedAsyncTask();
    const second = await seedAsyncTask();
    const sync = { mode: 'sync' as const, pages: 1 };
    textractMock.on(DetectDocumentTextCommand).resolves({ DocumentMetadata: { Pages: 1 }, Blocks: [] });
    s3Mock.on(PutObjectCommand).resolves({});
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });
    const recognize = await coldStart('recognize');
    expect(await recognize({ ...first.input, ...sync }, lambdaContext('recognize'))).toMatchObject({
      status: 'completed',
    });
    expect(await recognize({ ...second.input, ...sync }, lambdaContext('recognize'))).toMatchObject({
      status: 'queued',
    });
    expect(sqsMock.commandCalls(SendMessageCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: FULL_ENV.ADMISSION_QUEUE_URL, MessageBody: JSON.stringify({ reason: 'task waiting' }) },
    ]);
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const admitter = await coldStart('admitter');

    // Act: an invocation with 8 s left runs the loop for 3 s (it keeps 5 s for itself): it waits for
    // the rate window, grants the capacity and stays until the granted run calls, which never comes
    const context = createLambdaContext('admitter', { region: REGION, accountId: ACCOUNT, timeoutMs: 8_000 });
    const report = await admitter({ Records: [] }, context);
    vi.mocked(process.stdout.write).mockRestore();

    // Assess: one run started, resuming after Download with the grant
    expect(report).toMatchObject({ led: true, granted: 1, waiting: 1 });
    const starts = sfnMock.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatchObject({
      stateMachineArn: FULL_ENV.STATE_MACHINE_ARN,
      name: `${second.task.id}-admit`,
    });
    expect(JSON.parse(starts[0]!.input!)).toMatchObject({
      taskId: second.task.id,
      attempt: 1,
      mode: 'sync',
      documentKey: second.file.storage_key,
      admission: { leaseId: expect.any(String), waitingSince: expect.any(String) },
    });
    // … at its deadline, with a grant still out, the loop wakes its next invocation
    expect(sqsMock.commandCalls(SendMessageCommand).at(-1)?.args[0].input).toEqual({
      QueueUrl: FULL_ENV.ADMISSION_QUEUE_URL,
      MessageBody: JSON.stringify({ reason: 'admission loop continues' }),
    });
    // … and the figures went out as EMF: the grant is held, its task counted as waiting until it calls
    const emf = lines.flatMap((line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        return '_aws' in parsed ? [parsed] : [];
      } catch {
        return [];
      }
    });
    expect(emf.map((line) => line.Kind)).toEqual(['sync', 'async']);
    expect(emf[0]).toMatchObject({ AdmissionWaiting: 1, AdmissionHeld: 1, AdmissionCallsPerMinute: 1 });
  });
});

describe('Function: handler (writeResult)', () => {
  it('collects every page of the finished job, stores the result and completes the task', async () => {
    // Prepare
    const { user, task, file } = await seedAsyncTask();
    textractMock
      .on(GetDocumentTextDetectionCommand, { JobId: 'job-4', MaxResults: 1000 })
      .resolves({
        JobStatus: 'SUCCEEDED',
        DocumentMetadata: { Pages: 2 },
        Blocks: [{ BlockType: 'LINE', Id: 'l1', Page: 1, Text: 'First page', Confidence: 98 }],
        NextToken: 'more',
      })
      .on(GetDocumentTextDetectionCommand, { JobId: 'job-4', MaxResults: 1000, NextToken: 'more' })
      .resolves({
        JobStatus: 'SUCCEEDED',
        Blocks: [{ BlockType: 'LINE', Id: 'l2', Page: 2, Text: 'Second page', Confidence: 97 }],
      });
    s3Mock.on(PutObjectCommand).resolves({});
    const handler = await coldStart('write-result');

    // Act
    const result = await handler(
      { taskId: task.id, userId: user.id, key: file.storage_key, attempt: 1, jobId: 'job-4' },
      lambdaContext('writeResult'),
    );

    // Assess
    expect(result).toEqual({ taskId: task.id, status: 'completed' });
    expect(textractMock.commandCalls(GetDocumentTextDetectionCommand)).toHaveLength(2);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(3);
    expect((await findResult(db, task.id))?.text).toMatch(/First page[\s\S]*Second page/);
  });

  it('fails with TextDetectionFailedError and the reason of the job when it failed', async () => {
    // Prepare
    const { user, task, file } = await seedAsyncTask();
    textractMock
      .on(GetDocumentTextDetectionCommand)
      .resolves({ JobStatus: 'FAILED', StatusMessage: 'Unsupported document format' });
    const handler = await coldStart('write-result');

    // Act
    const run = handler(
      { taskId: task.id, userId: user.id, key: file.storage_key, attempt: 1, jobId: 'job-5' },
      lambdaContext('writeResult'),
    );

    // Assess
    await expect(run).rejects.toMatchObject({
      name: 'TextDetectionFailedError',
      message: 'Unsupported document format',
    });
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});

describe('Function: handler (markFailed)', () => {
  it('records the failure on the task when the state machine catches an error', async () => {
    // Prepare
    const { task, input } = await seedAsyncTask();
    const handler = await coldStart('mark-failed');

    // Act
    const result = await handler(
      { ...input, error: { Error: 'UnsupportedDocumentException', Cause: 'nope' } },
      lambdaContext('markFailed'),
    );

    // Assess
    expect(result).toEqual({ taskId: task.id, status: 'failed', code: 'UNSUPPORTED_TYPE' });
  });
});

describe('Function: handler (janitor)', () => {
  it('restarts a stuck task with its next attempt through the state machine', async () => {
    // Prepare
    vi.stubEnv('JANITOR_STUCK_AFTER_MINUTES', '1');
    const user = await seedUser(db);
    const { task, file } = await seedTask(db, { userId: user.id, status: 'processing' });
    await db
      .updateTable('tasks')
      .set({ attempts: 1, updated_at: new Date(Date.now() - 5 * 60_000) })
      .where('id', '=', task.id)
      .execute();
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });
    const handler = await coldStart('janitor');

    // Act
    const report = await handler({}, lambdaContext('janitor'));

    // Assess
    expect(report).toEqual({
      redriven: 1,
      timedOut: 0,
      uploadsRecovered: 0,
      uploadsExpired: 0,
      purged: 0,
      connectionsDeleted: 0,
      countsRepaired: 0,
    });
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: FULL_ENV.STATE_MACHINE_ARN,
      name: `${task.id}-2`,
      input: JSON.stringify({ taskId: task.id, userId: user.id, key: file.storage_key, attempt: 2 }),
    });
  });
});

describe('Function: handler (janitor), uploads that never arrived', () => {
  it('asks the documents bucket for the file, and fails the task with UPLOAD_EXPIRED when it is not there', async () => {
    // Prepare
    const user = await seedUser(db);
    const { task, file } = await seedTask(db, { userId: user.id, status: 'awaiting_upload' });
    await db
      .updateTable('tasks')
      .set({ updated_at: new Date(Date.now() - 2 * 3_600_000) })
      .where('id', '=', task.id)
      .execute();
    s3Mock
      .on(HeadObjectCommand)
      .rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    const handler = await coldStart('janitor');

    // Act
    const report = await handler({}, lambdaContext('janitor'));

    // Assess
    expect(report).toMatchObject({ uploadsExpired: 1, uploadsRecovered: 0 });
    expect(s3Mock.commandCalls(HeadObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: FULL_ENV.DOCUMENTS_BUCKET, Key: file.storage_key },
    ]);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toEqual([]);
    const failed = await db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', task.id)
      .executeTakeFirstOrThrow();
    expect(failed).toMatchObject({ status: 'failed', error_code: 'UPLOAD_EXPIRED' });
  });
});

describe('Function: handler (dbChange)', () => {
  /** The trigger's payload as the aws_lambda extension hands it over (an UPDATE in psql). */
  const change = (task: { id: string; user_id: string }, origin = 'psql') => ({
    table: 'tasks',
    operation: 'UPDATE',
    recordId: task.id,
    userId: task.user_id,
    status: 'completed',
    stage: 'done',
    progress: 100,
    deleted: false,
    origin,
  });
  const posted = () =>
    managementMock
      .commandCalls(PostToConnectionCommand)
      .map((call) => call.args[0].input)
      .sort((a, b) => String(a.ConnectionId).localeCompare(String(b.ConnectionId)));

  it('pushes db_change to the owner’s connections that follow the task when it changed outside untxt', async () => {
    // Prepare
    const owner = await seedUser(db);
    const stranger = await seedUser(db);
    const { task } = await seedTask(db, { userId: owner.id, status: 'failed' });
    await saveConnection(db, { id: 'conn-all', userId: owner.id });
    await saveConnection(db, { id: 'conn-this-task', userId: owner.id });
    await setSubscriptions(db, { id: 'conn-this-task', taskIds: [task.id] });
    await saveConnection(db, { id: 'conn-other-task', userId: owner.id });
    await setSubscriptions(db, { id: 'conn-other-task', taskIds: ['0b0e8f3e-3f59-4d3c-9a53-7a8a1f0e2c11'] });
    await saveConnection(db, { id: 'conn-stranger', userId: stranger.id });
    managementMock.on(PostToConnectionCommand).resolves({});
    const handler = await coldStart('db-change');

    // Act
    const result = await handler(change(task), lambdaContext('dbChange'));

    // Assess
    expect(result).toEqual({ delivered: 2 });
    const data = new TextEncoder().encode(
      JSON.stringify({
        type: 'db_change',
        table: 'tasks',
        operation: 'UPDATE',
        recordId: task.id,
        status: 'completed',
      }),
    );
    expect(posted()).toEqual([
      { ConnectionId: 'conn-all', Data: data },
      { ConnectionId: 'conn-this-task', Data: data },
    ]);
    const client = managementMock.commandCalls(PostToConnectionCommand)[0]
      ?.thisValue as ApiGatewayManagementApiClient;
    const endpoint = await (client.config.endpoint as () => Promise<{ hostname: string; path: string }>)();
    expect(`${endpoint.hostname}${endpoint.path}`).toBe(`ws123.execute-api.${REGION}.amazonaws.com/prod`);
  });

  it('deletes a connection that is gone and counts only the pushes that arrived', async () => {
    // Prepare
    const owner = await seedUser(db);
    const { task } = await seedTask(db, { userId: owner.id });
    await saveConnection(db, { id: 'conn-live', userId: owner.id });
    await saveConnection(db, { id: 'conn-gone', userId: owner.id });
    managementMock.on(PostToConnectionCommand).resolves({});
    managementMock
      .on(PostToConnectionCommand, { ConnectionId: 'conn-gone' })
      .rejects(new GoneException({ message: 'Gone', $metadata: {} }));
    const handler = await coldStart('db-change');

    // Act
    const result = await handler(change(task), lambdaContext('dbChange'));

    // Assess
    expect(result).toEqual({ delivered: 1 });
    expect(await findConnection(db, 'conn-gone')).toBeUndefined();
    expect(await findConnection(db, 'conn-live')).toBeDefined();
  });

  it('pushes nothing for a change untxt made itself, which already went out as task_update', async () => {
    // Prepare
    const owner = await seedUser(db);
    const { task } = await seedTask(db, { userId: owner.id });
    await saveConnection(db, { id: 'conn-1', userId: owner.id });
    const handler = await coldStart('db-change');

    // Act
    const result = await handler(change(task, 'untxt'), lambdaContext('dbChange'));

    // Assess
    expect(result).toEqual({ delivered: 0 });
    expect(managementMock.calls()).toHaveLength(0);
  });

  it('ignores an event that is not a task change, without touching the database or the sockets', async () => {
    // Prepare
    state.db = undefined;
    const handler = await coldStart('db-change');

    // Act
    const result = await handler({ hello: 'from the console' }, lambdaContext('dbChange'));

    // Assess
    expect(result).toEqual({ delivered: 0 });
    expect(managementMock.calls()).toHaveLength(0);
  });
});

describe('Function: handler (migrate)', () => {
  const event = (requestType: 'Create' | 'Update' | 'Delete') =>
    ({
      RequestType: requestType,
      ServiceToken: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:provider`,
      ResponseURL: 'https://example.com',
      StackId: 'stack',
      RequestId: 'request',
      LogicalResourceId: 'Migrations',
      ResourceType: 'Custom::DatabaseMigrations',
      ResourceProperties: { ServiceToken: 'x' },
      ...(requestType !== 'Create' && { PhysicalResourceId: 'untxt-database-migrations' }),
    }) as unknown as CloudFormationCustomResourceEvent;

  /** The settings `ALTER DATABASE … SET` gave the current database. */
  const databaseSettings = async (target: Kysely<Database>) => {
    const { rows } = await sql<{ setconfig: string[] | null }>`
      SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
      WHERE d.datname = current_database() AND s.setrole = 0
    `.execute(target);
    return rows.flatMap((row) => row.setconfig ?? []);
  };

  it('applies every migration, reports them and names the dbChange function when the resource is created', async () => {
    // Prepare
    const fresh = await createDatabase({ inMemory: true });
    state.db = fresh.db;
    const handler = await coldStart('migrate');

    // Act
    const response = await handler(event('Create'), lambdaContext('migrate'));
    const settings = await databaseSettings(fresh.db);
    await fresh.close();

    // Assess: PGlite has no aws_lambda, so only the setting is written, and nothing fails
    expect(response).toEqual({
      PhysicalResourceId: 'untxt-database-migrations',
      Data: {
        Applied: MIGRATION_NAMES.join(','),
        Latest: MIGRATION_NAMES.at(-1),
      },
    });
    expect(settings).toEqual([`untxt.change_function_arn=${FULL_ENV.DB_CHANGE_FUNCTION_ARN}`]);
  });

  it('names the new function when the resource is updated after the function was replaced', async () => {
    // Prepare
    const fresh = await createDatabase({ inMemory: true });
    state.db = fresh.db;
    await (
      await coldStart('migrate')
    )(event('Create'), lambdaContext('migrate'));
    const replaced = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:untxt-test-db-change-2`;
    vi.stubEnv('DB_CHANGE_FUNCTION_ARN', replaced);
    const handler = await coldStart('migrate');

    // Act
    await handler(event('Update'), lambdaContext('migrate'));
    const settings = await databaseSettings(fresh.db);
    await fresh.close();

    // Assess
    expect(settings).toEqual([`untxt.change_function_arn=${replaced}`]);
  });

  it('refuses a function ARN that could break out of the SQL literal, naming the variable, before migrating', async () => {
    // Prepare
    const fresh = await createDatabase({ inMemory: true });
    state.db = fresh.db;
    vi.stubEnv(
      'DB_CHANGE_FUNCTION_ARN',
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:x' RESET ALL; DROP TABLE tasks; --`,
    );
    const handler = await coldStart('migrate');

    // Act
    const invocation = handler(event('Create'), lambdaContext('migrate'));

    // Assess
    await expect(invocation).rejects.toThrow('DB_CHANGE_FUNCTION_ARN must be the ARN of a lambda function');
    const settings = await databaseSettings(fresh.db);
    await fresh.close();
    expect(settings).toEqual([]);
  });

  it('applies nothing and keeps the physical id when the resource is updated with no new migration', async () => {
    // Prepare
    const handler = await coldStart('migrate');

    // Act
    const response = await handler(event('Update'), lambdaContext('migrate'));

    // Assess
    expect(response).toEqual({
      PhysicalResourceId: 'untxt-database-migrations',
      Data: { Applied: '', Latest: MIGRATION_NAMES.at(-1) },
    });
  });

  it('leaves the database alone when the resource is deleted', async () => {
    // Prepare
    state.db = undefined;
    const handler = await coldStart('migrate');

    // Act
    const response = await handler(event('Delete'), lambdaContext('migrate'));

    // Assess
    expect(response).toEqual({ PhysicalResourceId: 'untxt-database-migrations' });
  });
});
