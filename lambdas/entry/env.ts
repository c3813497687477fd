/**
 * The environment of every Lambda function, one zod schema each.
 *
 * The same schema serves both sides of the deployment: the CDK construct types its `environment`
 * prop as {@link FunctionEnvironment} (so a forgotten variable fails `tsc`, not production), and the
 * entry file validates `process.env` against it once per cold start (`lambdas/shared/env-middleware.ts`)
 * so a wrong value fails fast with the variable's name.
 *
 * This module imports nothing but zod: the CDK app loads it at synth time.
 *
 * Choices the infrastructure must follow:
 * - **Database: IAM authentication to RDS Proxy** (`@aws-sdk/rds-signer`), not a Secrets Manager
 *   secret. The signer presigns a token locally (no network call, no per-cold-start secret fetch, no
 *   secret material in memory or logs); access is the IAM permission `rds-db:connect` on
 *   `dbuser:{proxyResourceId}/{DB_USER}` (`proxy.grantConnect(fn, DB_USER)`). The proxy itself still
 *   reaches the database with its own secret, and must have `iamAuth: true` and `requireTLS: true`.
 * - **WebSocket: one `ws` function** for all routes (`$connect`, `$disconnect`, `$default`, `ping`,
 *   `subscribe`), routed by `requestContext.routeKey`. The routes share code, permissions and a
 *   database connection; one function keeps one warm pool (pings keep it warm) instead of five
 *   cold-starting ones holding five proxy connections. Wire every route to the same integration.
 * - `AWS_REGION` is not listed: Lambda sets it (it is reserved and cannot be set by CDK).
 */
import * as z from 'zod';

const nonEmpty = z.string().trim().min(1, 'must not be empty');

/** `arn:{partition}:{service}:…` with the service checked, so a swapped variable is caught. */
const arn = (service: string, resource?: string) =>
  z
    .string()
    .regex(
      new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]*:\\d{12}:${resource ?? ''}.+$`),
      `must be the ARN of a ${service} ${resource ? `${resource.replace(/[:/]$/, '')} ` : ''}resource`,
    );

/** A positive integer given as a string (Lambda environment values are strings). */
const positiveInt = (fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a positive integer')
    .transform(Number)
    .refine((value) => value > 0, 'must be a positive integer')
    .default(fallback);

const logging = {
  /** @default 'untxt' */
  POWERTOOLS_SERVICE_NAME: nonEmpty.default('untxt'),
  /** @default 'INFO' */
  POWERTOOLS_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL']).default('INFO'),
};

const database = {
  /** The RDS Proxy endpoint (host name); clients connect with TLS and an IAM token. */
  DB_PROXY_ENDPOINT: nonEmpty.regex(/^[A-Za-z0-9.-]+$/, 'must be a host name (no scheme or port)'),
  /** @default '5432' */
  DB_PORT: positiveInt(5432),
  DB_NAME: nonEmpty,
  /** The database user the IAM token is minted for (`rds-db:connect` on `dbuser:{proxy}/{DB_USER}`). */
  DB_USER: nonEmpty,
};

const documents = {
  /** The one documents bucket (`uploads/…`, `results/…`). */
  DOCUMENTS_BUCKET: nonEmpty,
  /** The bucket's customer-managed key (id or ARN); uploads and result writes use SSE-KMS with it. */
  KMS_KEY_ID: nonEmpty,
};

const realtime = {
  /** `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}` (a `wss://` URL is accepted). */
  WEBSOCKET_MANAGEMENT_ENDPOINT: z
    .string()
    .regex(/^(https|wss):\/\/[^/\s]+/, 'must be an https:// or wss:// URL'),
};

const workflow = {
  STATE_MACHINE_ARN: arn('states', 'stateMachine:'),
};

/**
 * Admission control in front of Textract (`lambdas/core/use-cases/admission.ts`): the queue that wakes
 * the admission loop, and the account's Textract quotas (Service Quotas) it keeps under.
 */
const textractQuotas = {
  /** `DetectDocumentText` TPS quota. @default '10' */
  TEXTRACT_SYNC_TPS: positiveInt(10),
  /** `StartDocumentTextDetection` TPS quota. @default '10' */
  TEXTRACT_ASYNC_START_TPS: positiveInt(10),
  /** Concurrent asynchronous text-detection jobs quota. @default '100' */
  TEXTRACT_MAX_CONCURRENT_JOBS: positiveInt(100),
};

const admission = {
  /** The admission queue (SQS): a message wakes the `admitter` function. */
  ADMISSION_QUEUE_URL: z.url(),
  ...textractQuotas,
  /** A task waiting longer than this for capacity fails with `CAPACITY_WAIT_EXCEEDED`. @default '24' */
  ADMISSION_MAX_WAIT_HOURS: positiveInt(24),
};

/**
 * A Lambda function ARN (optionally with a version or alias), character by character: the migrate
 * function writes it into SQL (`ALTER DATABASE … SET` takes no bind parameters), so nothing that
 * could close a string literal may pass.
 */
const lambdaFunctionArn = z
  .string()
  .regex(
    /^arn:aws(-[a-z]+)*:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/,
    'must be the ARN of a lambda function',
  );

/** What the pipeline's Lambda steps share: the task row, the bucket, the owner's sockets. */
const pipeline = { ...logging, ...database, ...documents, ...realtime };

/** Environment schema of each Lambda function, by function name. */
export const ENV_SCHEMAS = {
  /** REST API (`/api/{proxy+}`, Cognito authorizer in front). */
  api: z.object({
    ...logging,
    ...database,
    ...documents,
    ...realtime,
    ...workflow,
    INTAKE_QUEUE_URL: z.url(),
    INTAKE_QUEUE_ARN: arn('sqs'),
    DLQ_URL: z.url(),
    DLQ_ARN: arn('sqs'),
    /** Shown by `GET /api/health`. @default '0.0.0' */
    APP_VERSION: nonEmpty.default('0.0.0'),
    /** Shown in the admin overview next to the admission figures. */
    ...textractQuotas,
  }),
  /** WebSocket API, every route (see the module comment). */
  ws: z.object({
    ...logging,
    ...database,
    ...realtime,
    USER_POOL_ID: nonEmpty.regex(/^[a-z]{2}(-[a-z]+)+-\d_[A-Za-z0-9]+$/, 'must be a Cognito user pool id'),
    USER_POOL_CLIENT_ID: nonEmpty,
  }),
  /** Intake queue consumer: S3 ObjectCreated → task queued → execution started. */
  dispatcher: z.object({ ...pipeline, ...workflow }),
  /** State `Download`. */
  download: z.object(pipeline),
  /** State `Recognize` (sync `DetectDocumentText`, then the result is stored), behind admission. */
  recognize: z.object({ ...pipeline, ...admission }),
  /**
   * State `RecognizeAsync`: starts the Textract job and ends the run. It hands the task back itself
   * when the job finished before its start was recorded, hence the state machine.
   */
  startTextDetection: z.object({
    ...pipeline,
    ...workflow,
    ...admission,
    TEXTRACT_SNS_TOPIC_ARN: arn('sns'),
    /** Role Textract assumes to publish to the topic. */
    TEXTRACT_ROLE_ARN: arn('iam', 'role/'),
  }),
  /** SNS subscriber: Textract job finished → a new run with the job id, which goes to `WriteResult`. */
  textDetectionCompleted: z.object({ ...pipeline, ...workflow, ...admission }),
  /**
   * The admission loop: grants Textract capacity to waiting tasks in fair order and starts their runs.
   * Woken by the admission queue and by a schedule every minute.
   */
  admitter: z.object({ ...pipeline, ...workflow, ...admission }),
  /** State `WriteResult` (`GetDocumentTextDetection`, then the result is stored). */
  writeResult: z.object(pipeline),
  /** State `MarkFailed` (Catch target). */
  markFailed: z.object(pipeline),
  /**
   * Scheduled clean-up: re-drives stuck tasks, settles uploads that never reported in (reads their
   * key in the bucket), purges expired soft deletes, drops old connections.
   */
  janitor: z.object({
    ...pipeline,
    ...workflow,
    /**
     * A task `queued`/`processing` untouched for this long is stuck. Keep it above the longest silent
     * stretch of a healthy run: a long asynchronous Textract job reports nothing until it ends.
     * @default '90'
     */
    JANITOR_STUCK_AFTER_MINUTES: positiveInt(90),
    /** Attempts before a stuck task is failed with `TIMEOUT`. @default '3' */
    JANITOR_MAX_ATTEMPTS: positiveInt(3),
  }),
  /**
   * Invoked by the database (RDS `aws_lambda` extension) when a task changes outside untxt: pushes
   * `db_change` to the owner's sockets.
   */
  dbChange: z.object({ ...logging, ...database, ...realtime }),
  /**
   * CloudFormation custom resource (CDK Provider `onEvent`): applies the migrations, then names the
   * `dbChange` function in the database setting the task-change trigger reads.
   */
  migrate: z.object({ ...logging, ...database, DB_CHANGE_FUNCTION_ARN: lambdaFunctionArn }),
} as const;

/** The Lambda functions of the stack. */
export type FunctionName = keyof typeof ENV_SCHEMAS;

/** Every function name, in a stable order. */
export const FUNCTION_NAMES = Object.keys(ENV_SCHEMAS) as FunctionName[];

/**
 * What the CDK construct passes as `environment`: every value a string, variables with a default
 * optional.
 *
 * @example
 * ```ts
 * const environment: FunctionEnvironment<'janitor'> = { DB_PROXY_ENDPOINT: proxy.endpoint, … };
 * new NodejsFunction(this, 'Janitor', { entry: ENTRY_FILES.janitor, environment });
 * ```
 */
export type FunctionEnvironment<N extends FunctionName> = z.input<(typeof ENV_SCHEMAS)[N]>;

/** What the handler sees after validation (numbers parsed, defaults applied). */
export type FunctionConfig<N extends FunctionName> = z.output<(typeof ENV_SCHEMAS)[N]>;

/** Repo-relative entry file of each function, for `NodejsFunction.entry` (resolve against the repo root). */
export const ENTRY_FILES: Record<FunctionName, string> = {
  api: 'lambdas/entry/api.ts',
  ws: 'lambdas/entry/ws.ts',
  dispatcher: 'lambdas/entry/dispatcher.ts',
  download: 'lambdas/entry/download.ts',
  recognize: 'lambdas/entry/recognize.ts',
  startTextDetection: 'lambdas/entry/start-text-detection.ts',
  textDetectionCompleted: 'lambdas/entry/text-detection-completed.ts',
  writeResult: 'lambdas/entry/write-result.ts',
  markFailed: 'lambdas/entry/mark-failed.ts',
  janitor: 'lambdas/entry/janitor.ts',
  admitter: 'lambdas/entry/admitter.ts',
  dbChange: 'lambdas/entry/db-change.ts',
  migrate: 'lambdas/entry/migrate.ts',
};
