/**
 * Builds the production adapters from a function's validated configuration. Each builder creates its
 * SDK client on call; the entry files call them once per cold start and keep the result.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { TextractClient } from '@aws-sdk/client-textract';
import type { Kysely } from 'kysely';
import type { Database } from '../../../database/schema.js';
import {
  createApiGatewayConnectionGateway,
  createManagementClient,
  type ApiGatewayConnectionGateway,
} from '../../adapters/aws/api-gateway-connection-gateway.js';
import { createS3ObjectStore } from '../../adapters/aws/s3-object-store.js';
import { createSfnWorkflow } from '../../adapters/aws/sfn-workflow.js';
import { createSqsQueueMonitor } from '../../adapters/aws/sqs-queue-monitor.js';
import {
  createTextractTextDetector,
  type TextractTextDetector,
} from '../../adapters/aws/textract-text-detector.js';
import { createJwtTokenVerifier } from '../../adapters/jwt-token-verifier.js';
import type { ObjectStore, QueueMonitor, TokenVerifier, Workflow } from '../../core/ports.js';
import { awsRegion } from '../../shared/config.js';
import type { FunctionConfig } from '../env.js';
import { createProxyDatabase } from './proxy-database.js';

type DatabaseConfig = Pick<
  FunctionConfig<'migrate'>,
  'DB_PROXY_ENDPOINT' | 'DB_PORT' | 'DB_NAME' | 'DB_USER'
>;
type DocumentsConfig = Pick<FunctionConfig<'download'>, 'DOCUMENTS_BUCKET' | 'KMS_KEY_ID'>;
type RealtimeConfig = Pick<FunctionConfig<'ws'>, 'WEBSOCKET_MANAGEMENT_ENDPOINT'>;
type WorkflowConfig = Pick<FunctionConfig<'janitor'>, 'STATE_MACHINE_ARN'>;
type QueuesConfig = Pick<
  FunctionConfig<'api'>,
  'INTAKE_QUEUE_URL' | 'INTAKE_QUEUE_ARN' | 'DLQ_URL' | 'DLQ_ARN'
>;
type IdentityConfig = Pick<FunctionConfig<'ws'>, 'USER_POOL_ID' | 'USER_POOL_CLIENT_ID'>;

/** The database over RDS Proxy with IAM auth; lazy (connects on the first query). */
export const databaseFrom = (config: DatabaseConfig): Kysely<Database> =>
  createProxyDatabase({
    host: config.DB_PROXY_ENDPOINT,
    port: config.DB_PORT,
    database: config.DB_NAME,
    user: config.DB_USER,
    region: awsRegion(),
  });

/** The documents bucket, every write SSE-KMS with the bucket's key. */
export const objectStoreFrom = (config: DocumentsConfig): ObjectStore =>
  createS3ObjectStore({
    client: new S3Client({}),
    bucket: config.DOCUMENTS_BUCKET,
    kmsKeyId: config.KMS_KEY_ID,
  });

/** The WebSocket stage's `@connections` API. */
export const connectionGatewayFrom = (config: RealtimeConfig): ApiGatewayConnectionGateway =>
  createApiGatewayConnectionGateway({
    client: createManagementClient(config.WEBSOCKET_MANAGEMENT_ENDPOINT, awsRegion()),
  });

/** The OCR state machine. */
export const workflowFrom = (config: WorkflowConfig, client: SFNClient = new SFNClient({})): Workflow =>
  createSfnWorkflow({ client, stateMachineArn: config.STATE_MACHINE_ARN });

/** Textract reading from the documents bucket. */
export const textractFrom = (config: Pick<DocumentsConfig, 'DOCUMENTS_BUCKET'>): TextractTextDetector =>
  createTextractTextDetector({ client: new TextractClient({}), bucket: config.DOCUMENTS_BUCKET });

/** The intake queue and its dead-letter queue, for the admin overview. */
export const queueMonitorFrom = (config: QueuesConfig): QueueMonitor =>
  createSqsQueueMonitor({
    client: new SQSClient({}),
    intakeQueueUrl: config.INTAKE_QUEUE_URL,
    intakeQueueArn: config.INTAKE_QUEUE_ARN,
    deadLetterQueueUrl: config.DLQ_URL,
    deadLetterQueueArn: config.DLQ_ARN,
  });

/** The Cognito user pool's issuer URL, the `iss` of its tokens and the base of its JWKS. */
export const cognitoIssuer = (region: string, userPoolId: string): string =>
  `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;

/** Verifies Cognito tokens of the web app client (`$connect` carries the token in the query). */
export const tokenVerifierFrom = (config: IdentityConfig): TokenVerifier => {
  const issuer = cognitoIssuer(awsRegion(), config.USER_POOL_ID);
  return createJwtTokenVerifier({
    issuer,
    audience: config.USER_POOL_CLIENT_ID,
    jwks: { url: `${issuer}/.well-known/jwks.json` },
  });
};

/**
 * An object store for functions that are granted no bucket access (WebSocket routes): the
 * use-cases they run never touch objects, and a call here is a wiring bug worth a clear message.
 */
export const noObjectStore = (functionName: string): ObjectStore => {
  const refuse = async (): Promise<never> => {
    throw new Error(`The ${functionName} function has no access to the documents bucket`);
  };
  return {
    presignUpload: refuse,
    presignDownload: refuse,
    head: refuse,
    readRange: refuse,
    read: refuse,
    write: refuse,
    setTags: refuse,
  };
};
