import './polyfills.js';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { APIGatewayProxyEvent, SQSEvent } from 'aws-lambda';
import { createDatabase, type DatabaseHandle } from '../database/connect.js';
import { migrateToLatest } from '../database/migrate.js';
import { APPLICATION_NAME } from '../database/pg-types.js';
import { findTasksInStatus } from '../database/repositories/tasks.js';
import { createApiGatewayConnectionGateway } from '../lambdas/adapters/aws/api-gateway-connection-gateway.js';
import { createJwtTokenVerifier } from '../lambdas/adapters/jwt-token-verifier.js';
import { createApiHandler } from '../lambdas/api/handler.js';
import { FUNCTION_SETTINGS } from '../lib/config/function-settings.js';
import type { ApiDeps, ConnectionDeps, DispatchDeps } from '../lambdas/core/deps.js';
import type { TextDetector, Workflow } from '../lambdas/core/ports.js';
import { completeAsyncRecognition } from '../lambdas/core/use-cases/async-recognition.js';
import { runJanitor } from '../lambdas/core/use-cases/janitor.js';
import { requeueTask } from '../lambdas/core/use-cases/requeue.js';
import { pushToUser, toDbChange } from '../lambdas/core/use-cases/notify.js';
import { createDispatcherHandler } from '../lambdas/events/dispatcher.js';
import { logger } from '../lambdas/shared/logger.js';
import { createWorkflowHandlers } from '../lambdas/workflow/handlers.js';
import { createWebSocketHandlers } from '../lambdas/ws/handlers.js';
import { createAuthRoutes, seedAdmin } from './auth/auth-routes.js';
import { createTokenIssuer } from './auth/token-issuer.js';
import type { LocalConfig } from './config.js';
import { createHttpGateway } from './gateway/http-gateway.js';
import { createLambdaContext } from './gateway/lambda-context.js';
import { createWebSocketGateway } from './gateway/websocket-gateway.js';
import { createLocalObjectStore } from './object-store/index.js';
import { createOcrEngine } from './ocr/engines.js';
import { createLocalQueue, createLocalQueueMonitor } from './queue/index.js';
import { loadDefinition, localSubstitutions } from './stepfunctions/definition.js';
import { createLocalWorkflow } from './stepfunctions/local-workflow.js';
import { serveStatic } from './static.js';
import { createLocalTextDetectionJobs, createLocalTextDetector } from './text-detector.js';
import { createFakeOcrEngine, createTextractSimulator } from './textract-simulator.js';
import { DEFAULT_ADMISSION_SETTINGS, type AdmissionSettings } from '../lambdas/core/admission-rules.js';
import type { AdmissionDeps, PumpDeps } from '../lambdas/core/use-cases/admission.js';
import { resetPump, voidGrants } from '../database/repositories/admission.js';
import { createAdmitterHandler } from '../lambdas/events/admitter.js';
import { recordPageProgress } from '../lambdas/core/use-cases/recognition-progress.js';

const REGION = 'local';
/** What results read by each local engine name as their engine. */
const LOCAL_ENGINE_NAMES = {
  tesseract: 'tesseract.js',
  paddle: 'paddleocr (PP-OCRv4, ONNX Runtime)',
  fake: 'simulated',
} as const;
const ACCOUNT = '000000000000';
const STAGE = 'local';
const BUCKET = 'untxt-documents';
const MANAGEMENT_PATH = '/_connections/local';
const VERSION = '0.1.0';
const JANITOR_INTERVAL_MS = 60_000;
/** The admitter's schedule on AWS (EventBridge, every minute). */
const ADMISSION_SCHEDULE_MS = 60_000;

export interface LocalHost {
  url: string;
  port: number;
  admin: { email: string; password: string; generated: boolean };
  database: DatabaseHandle;
  /** Resolves when no execution is running or waiting (tests and benchmarks use it). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Reads a secret from the data directory, creating it (mode 0600) on first start. */
const persistentSecret = async (
  path: string,
  create: () => string,
): Promise<{ value: string; created: boolean }> => {
  try {
    return { value: (await readFile(path, 'utf8')).trim(), created: false };
  } catch {
    const value = create();
    await writeFile(path, `${value}\n`, { mode: 0o600 });
    await chmod(path, 0o600);
    return { value, created: true };
  }
};

/**
 * Calls a handler the way Lambda would. `timeoutSeconds` matters: middy rejects with a TimeoutError
 * when the context's remaining time runs out, so each function gets the timeout it has on AWS. Each
 * invocation's duration is logged at debug level, like Lambda's REPORT line.
 */
const invoke =
  <E, R>(
    name: string,
    timeoutSeconds: number,
    handler: (event: E, context: ReturnType<typeof createLambdaContext>) => Promise<R>,
  ) =>
  async (event: E) => {
    const started = performance.now();
    try {
      return await handler(event, createLambdaContext(name, { timeoutMs: timeoutSeconds * 1000 }));
    } finally {
      logger.debug('REPORT', {
        function: name,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      });
    }
  };

/**
 * Starts the whole platform in this process: the same Lambda handlers, state-machine definition and
 * migrations as on AWS, over local stand-ins for each AWS service.
 */
export interface HostOptions {
  /** Wraps the OCR port, e.g. to time it in benchmarks. */
  wrapDetector?: (detector: TextDetector) => TextDetector;
}

export const startLocalHost = async (config: LocalConfig, options: HostOptions = {}): Promise<LocalHost> => {
  logger.setLogLevel(config.LOG_LEVEL.toUpperCase() as 'INFO');
  const dataDir = resolve(config.UNTXT_DATA_DIR);
  await mkdir(dataDir, { recursive: true });

  const database = await createDatabase(
    config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { dataDir },
  );
  const closers: Array<() => Promise<unknown> | unknown> = [() => database.close()];
  const close = async () => {
    for (const closer of closers.reverse()) {
      try {
        await closer();
      } catch (error) {
        logger.warn('Error while stopping', { error: error as Error });
      }
    }
  };

  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length) logger.info('Applied migrations', { applied });

    const server: Server = createServer();
    // Until every route is wired (below), a request gets a clear 503 instead of hanging unanswered.
    let serve = (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '1' }).end(
        JSON.stringify({
          error: { code: 'STARTING', message: 'untxt is starting; try again in a moment' },
        }),
      );
    };
    server.on('request', (req: IncomingMessage, res: ServerResponse) => serve(req, res));
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(config.PORT, config.HOST, () => ok());
    });
    closers.push(() => new Promise((ok) => server.close(() => ok(undefined))));
    const port = (server.address() as AddressInfo).port;
    const publicUrl = config.UNTXT_PUBLIC_URL ? config.publicUrl : `http://localhost:${port}`;
    const internalOrigin = `http://127.0.0.1:${port}`;

    // Identity: a Cognito stand-in issuing tokens with the same claims, verified by the production verifier.
    const issuer = await createTokenIssuer({
      keyFile: resolve(dataDir, 'jwt-key.json'),
      issuer: `${publicUrl}/local-issuer`,
      audience: 'untxt-local',
    });
    const verifier = createJwtTokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwks: { keys: issuer.jwks() },
    });
    const adminPassword = config.UNTXT_ADMIN_PASSWORD
      ? { value: config.UNTXT_ADMIN_PASSWORD, created: false }
      : await persistentSecret(resolve(dataDir, 'admin-password'), () =>
          randomBytes(12).toString('base64url'),
        );
    await seedAdmin(database.db, { email: config.UNTXT_ADMIN_EMAIL, password: adminPassword.value });
    const auth = createAuthRoutes({ db: database.db, issuer, adminEmails: [config.UNTXT_ADMIN_EMAIL] });

    // Queue and object store: S3 event records → intake queue → dispatcher, as on AWS.
    const queuesDir = resolve(dataDir, 'queues');
    const deadLetter = await createLocalQueue({
      dir: queuesDir,
      name: 'intake-dlq',
      visibilityTimeoutSeconds: 30,
      region: REGION,
    });
    const intake = await createLocalQueue({
      dir: queuesDir,
      name: 'intake',
      visibilityTimeoutSeconds: config.UNTXT_QUEUE_VISIBILITY_SECONDS,
      maxReceiveCount: config.UNTXT_QUEUE_MAX_RECEIVES,
      deadLetterQueue: deadLetter,
      region: REGION,
    });
    const secret = await persistentSecret(resolve(dataDir, 'signing-secret'), () =>
      randomBytes(32).toString('hex'),
    );
    const objects = createLocalObjectStore({
      rootDir: resolve(dataDir, 'objects'),
      bucket: BUCKET,
      publicUrl,
      secret: secret.value,
      region: REGION,
      onObjectCreated: async (notification) => {
        await intake.send(JSON.stringify(notification));
      },
    });
    closers.push(() => objects.close());

    // WebSocket API and its @connections endpoint, reached by the production SDK adapter.
    const connections = createApiGatewayConnectionGateway({
      client: new ApiGatewayManagementApiClient({
        endpoint: `${internalOrigin}${MANAGEMENT_PATH}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    });
    const core = { db: database.db, objects, connections, now: () => new Date() };

    const engine =
      config.UNTXT_OCR_ENGINE === 'fake'
        ? createFakeOcrEngine({ pageMs: config.UNTXT_FAKE_OCR_PAGE_MS })
        : createOcrEngine(config.UNTXT_OCR_ENGINE, {
            languages: config.UNTXT_OCR_LANGS,
            workers: config.UNTXT_OCR_WORKERS,
          });
    closers.push(() => engine.close());
    const simulator = createTextractSimulator({
      quotas: {
        syncTps: config.UNTXT_SIM_SYNC_TPS,
        asyncStartTps: config.UNTXT_SIM_ASYNC_START_TPS,
        maxConcurrentJobs: config.UNTXT_SIM_MAX_JOBS,
      },
      ...(config.UNTXT_SIM_CALL_LOG ? { log: resolve(config.UNTXT_SIM_CALL_LOG) } : {}),
    });

    // Admission control: the same loop as the `admitter` function, woken through a queue as on AWS.
    const admissionQueue = await createLocalQueue({
      dir: queuesDir,
      name: 'admission',
      visibilityTimeoutSeconds: 360,
      region: REGION,
    });
    const admissionSettings: AdmissionSettings = {
      ...DEFAULT_ADMISSION_SETTINGS,
      quotas: {
        syncTps: config.UNTXT_TEXTRACT_SYNC_TPS,
        asyncStartTps: config.UNTXT_TEXTRACT_ASYNC_START_TPS,
        maxConcurrentJobs: config.UNTXT_TEXTRACT_MAX_CONCURRENT_JOBS,
      },
      maxWaitMs: config.UNTXT_ADMISSION_MAX_WAIT_SECONDS * 1000,
      rateWindowMs: config.UNTXT_ADMISSION_RATE_WINDOW_MS,
    };
    const admission: AdmissionDeps['admission'] = {
      settings: admissionSettings,
      signal: {
        poke: async (reason) => {
          await admissionQueue.send(JSON.stringify({ reason }));
        },
      },
    };
    const stateMachineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:untxt-ocr`;
    // The workflow's handlers need the workflow (a finished job hands its task back to it), and the
    // workflow needs the handlers: the handlers reach it through this late-bound reference, called
    // only once jobs run, long after `workflow` below is assigned.
    const lateWorkflow: Workflow = { start: (input) => workflow.start(input) };
    let completionsInFlight = 0;
    const jobs = createLocalTextDetectionJobs({
      objects,
      engine,
      // Textract → SNS → the completion subscriber on AWS; a direct call here.
      onCompletion: async (completion) => {
        simulator.jobEnded(completion.JobTag ?? completion.JobId);
        completionsInFlight += 1;
        try {
          await completeAsyncRecognition(workflowDeps, completion);
        } finally {
          completionsInFlight -= 1;
        }
      },
      // Textract says nothing per page; the local engine does, and the owner sees each page.
      onProgress: (report) => recordPageProgress(core, report),
    });
    closers.push(() => jobs.close());
    const workflowDeps = {
      ...core,
      admission,
      detector: (options.wrapDetector ?? ((d) => d))(
        simulator.wrapDetector(createLocalTextDetector({ objects, engine })),
      ),
      jobs: simulator.wrapJobs(jobs),
      workflow: lateWorkflow,
      // Stored with each result (`engine`), so a result says which recognizer read it.
      engineName: LOCAL_ENGINE_NAMES[config.UNTXT_OCR_ENGINE],
    };
    const steps = createWorkflowHandlers(workflowDeps);
    // Each state runs with its function's timeout on AWS (lib/config/function-settings.ts).
    const timeoutOf = (fn: keyof typeof FUNCTION_SETTINGS) => FUNCTION_SETTINGS[fn].timeoutSeconds;
    const workflow = createLocalWorkflow({
      definition: loadDefinition(localSubstitutions('us-east-1', ACCOUNT)),
      stateMachineArn,
      concurrency: config.UNTXT_MAX_EXECUTIONS,
      handlers: {
        Download: invoke('Download', timeoutOf('download'), steps.Download),
        Recognize: invoke('Recognize', timeoutOf('recognize'), steps.Recognize),
        RecognizeAsync: invoke('RecognizeAsync', timeoutOf('startTextDetection'), steps.RecognizeAsync),
        WriteResult: invoke('WriteResult', timeoutOf('writeResult'), steps.WriteResult),
        MarkFailed: invoke('MarkFailed', timeoutOf('markFailed'), steps.MarkFailed),
      },
    });
    closers.push(() => workflow.close());

    const apiDeps: ApiDeps = {
      ...core,
      workflow,
      queues: createLocalQueueMonitor(intake, deadLetter),
      runningExecutions: async () => workflow.runningCount(),
      version: VERSION,
      admissionQuotas: admissionSettings.quotas,
    };
    const api = createApiHandler(apiDeps);
    const http = createHttpGateway({
      basePath: '/api',
      stage: STAGE,
      handler: (event: APIGatewayProxyEvent, context) => api(event, context),
      verifier,
      publicRoutes: [
        { method: 'GET', path: '/health' },
        { method: 'GET', path: '/openapi.json' },
      ],
    });

    const ws = createWebSocketHandlers({ ...core, verifier } satisfies ConnectionDeps);
    const wsGateway = createWebSocketGateway({
      path: '/ws',
      managementPath: MANAGEMENT_PATH,
      stage: STAGE,
      handlers: {
        connect: (event, context) => ws.connect(event, context),
        disconnect: (event, context) => ws.disconnect(event, context),
        default: (event, context) => ws.default(event, context),
        routes: {
          ping: (event, context) => ws.ping(event, context),
          subscribe: (event, context) => ws.subscribe(event, context),
        },
      },
    });
    wsGateway.attach(server);
    closers.push(() => wsGateway.close());

    serve = (req, res) => {
      void (async () => {
        try {
          if (await auth.handle(req, res)) return;
          if (await objects.handle(req, res)) return;
          if (await wsGateway.handleManagement(req, res)) return;
          if (await http.handle(req, res)) return;
          if (await serveStatic(req, res)) return;
          res
            .writeHead(404, { 'Content-Type': 'application/json' })
            .end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'Not found' } }));
        } catch (error) {
          logger.error('Request failed', { url: req.url, error: error as Error });
          if (!res.headersSent)
            res.writeHead(500, { 'Content-Type': 'application/json' }).end(
              JSON.stringify({
                error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side' },
              }),
            );
          else res.destroy();
        }
      })();
    };

    // The admitter consumes the admission queue; each batch runs the loop until nothing waits.
    const admitter = createAdmitterHandler({ ...core, admission, workflow } satisfies PumpDeps);
    const stopAdmitter = admissionQueue.startConsumer({
      batchSize: 10,
      handler: invoke(
        'Admitter',
        FUNCTION_SETTINGS.admitter.timeoutSeconds,
        async (event: SQSEvent, context) => {
          await admitter(event, context);
        },
      ),
    });
    closers.push(() => stopAdmitter());
    const admissionTimer = setInterval(() => {
      void admission.signal
        .poke('schedule')
        .catch((error: unknown) =>
          logger.error('Could not wake the admission loop', { error: error as Error }),
        );
    }, ADMISSION_SCHEDULE_MS);
    admissionTimer.unref();
    closers.push(() => clearInterval(admissionTimer));

    // Intake: the dispatcher Lambda consumes S3 notifications from the queue in batches.
    const dispatcher = createDispatcherHandler({ ...core, workflow } satisfies DispatchDeps);
    const stopConsumer = intake.startConsumer({
      batchSize: 10,
      handler: invoke('Dispatcher', 60, (event: SQSEvent, context) => dispatcher(event, context)),
    });
    closers.push(() => stopConsumer());
    const stopScanner = objects.startDropScanner(config.UNTXT_DROP_SCAN_MS);
    closers.push(() => stopScanner());

    // Changes made outside the API (e.g. in psql) reach the owner's sockets as db_change.
    const unlisten = await database.listen('untxt_task_changes', (payload) => {
      const change = toDbChange(payload, APPLICATION_NAME);
      if (change) void pushToUser(core, change.userId, change.message, change.taskId);
    });
    closers.push(() => unlisten());

    // Nothing lost on restart. Executions keep no state (as Express workflows), so whatever was in
    // flight when the host stopped is started again: a `queued` task on its attempt (Download claims
    // it), a `processing` task as a new attempt (its run, or its text-detection job, died with us).
    const recovered = { queued: 0, processing: 0, grants: 0 };
    // Every run died with the previous process, those on their way to a granted call too: their
    // grants go back now rather than holding Textract capacity until they expire.
    recovered.grants = await voidGrants(database.db);
    // … and so did the admission loop it may have been running.
    await resetPump(database.db);
    const dispatchDeps = { ...core, workflow } satisfies DispatchDeps;
    // Tasks waiting for Textract capacity are the admission loop's: it is woken below.
    for (const task of await findTasksInStatus(database.db, {
      statuses: ['queued', 'processing'],
      excludeWaiting: true,
      limit: 100_000,
    })) {
      if (task.status === 'queued') {
        await workflow.start({
          taskId: task.id,
          userId: task.user_id,
          key: task.storage_key,
          attempt: Math.max(task.attempts, 1),
        });
        recovered.queued += 1;
      } else if (await requeueTask(dispatchDeps, task, ['processing'], 'Restarted after the host stopped')) {
        recovered.processing += 1;
      }
    }
    if (recovered.queued + recovered.processing + recovered.grants > 0)
      logger.info('Recovered unfinished work', recovered);
    await admission.signal.poke('host started');

    // Janitor: on AWS a schedule invokes it; here a timer, every minute, never two runs at once.
    let janitorRun: Promise<unknown> | undefined;
    const janitorTimer = setInterval(() => {
      janitorRun ??= runJanitor(dispatchDeps)
        .catch((error: unknown) => logger.error('Janitor run failed', { error: error as Error }))
        .finally(() => {
          janitorRun = undefined;
        });
    }, JANITOR_INTERVAL_MS);
    janitorTimer.unref();
    closers.push(async () => {
      clearInterval(janitorTimer);
      await janitorRun;
    });

    return {
      url: publicUrl,
      port,
      admin: {
        email: config.UNTXT_ADMIN_EMAIL,
        password: adminPassword.value,
        generated: adminPassword.created || !config.UNTXT_ADMIN_PASSWORD,
      },
      database,
      idle: async () => {
        // A finished job hands its task to a new execution: idle means no execution, no job and no
        // hand-off in between.
        while (workflow.runningCount() > 0 || jobs.runningCount() > 0 || completionsInFlight > 0) {
          await workflow.idle();
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
};
