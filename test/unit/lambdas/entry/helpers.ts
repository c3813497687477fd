/** Shared fixtures of the entry tests: a complete AWS-like environment and a Lambda context. */
import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import { createLambdaContext } from '../../../../local/gateway/lambda-context.js';

export const REGION = 'eu-central-1';
export const ACCOUNT = '123456789012';

/** Every variable any function needs, with values shaped like the real ones. */
export const FULL_ENV = {
  AWS_REGION: REGION,
  // Fake credentials: the mocked clients never send, and the RDS signer only signs locally.
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  POWERTOOLS_SERVICE_NAME: 'untxt-test',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  DB_PROXY_ENDPOINT: 'untxt-proxy.proxy-abc123.eu-central-1.rds.amazonaws.com',
  DB_PORT: '5432',
  DB_NAME: 'untxt',
  DB_USER: 'untxt_app',
  DOCUMENTS_BUCKET: 'untxt-documents-123456789012',
  KMS_KEY_ID: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  WEBSOCKET_MANAGEMENT_ENDPOINT: `https://ws123.execute-api.${REGION}.amazonaws.com/prod`,
  STATE_MACHINE_ARN: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:untxt-ocr`,
  INTAKE_QUEUE_URL: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/untxt-intake`,
  INTAKE_QUEUE_ARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:untxt-intake`,
  DLQ_URL: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/untxt-intake-dlq`,
  DLQ_ARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:untxt-intake-dlq`,
  USER_POOL_ID: `${REGION}_AbCdEf123`,
  USER_POOL_CLIENT_ID: '4example0client0id0abcdefg',
  TEXTRACT_SNS_TOPIC_ARN: `arn:aws:sns:${REGION}:${ACCOUNT}:untxt-textract`,
  TEXTRACT_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/untxt-textract-publish`,
  APP_VERSION: '1.2.3',
  DB_CHANGE_FUNCTION_ARN: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:untxt-test-db-change`,
  ADMISSION_QUEUE_URL: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/untxt-admission`,
  TEXTRACT_SYNC_TPS: '10',
  TEXTRACT_ASYNC_START_TPS: '10',
  TEXTRACT_MAX_CONCURRENT_JOBS: '100',
  ADMISSION_MAX_WAIT_HOURS: '24',
} as const;

/** Stubs the whole environment (undone by `vi.unstubAllEnvs`), minus the `without` variables. */
export function stubEnvironment(without: string[] = []): void {
  for (const [name, value] of Object.entries(FULL_ENV))
    vi.stubEnv(name, without.includes(name) ? undefined : value);
}

export function lambdaContext(name = 'test'): Context {
  return createLambdaContext(name, { region: REGION, accountId: ACCOUNT });
}
