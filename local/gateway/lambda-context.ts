import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface LambdaContextOptions {
  /** The function's configured timeout; `getRemainingTimeInMillis` counts down from it. Default 30 s. */
  timeoutMs?: number;
  memoryLimitInMB?: number;
  region?: string;
  accountId?: string;
}

/**
 * Creates the Lambda `Context` for one local invocation, shaped like the Node.js runtime's: a fresh
 * `awsRequestId`, the function's ARN, log group and stream names, and a deadline that
 * `getRemainingTimeInMillis` counts down to (handlers use it to stop work before a timeout).
 *
 * @param functionName - The Lambda function's name, e.g. `untxt-api`.
 * @param options - Timeout, memory and the ARN's region and account.
 * @returns A context valid for one invocation.
 */
export function createLambdaContext(functionName: string, options: LambdaContextOptions = {}): Context {
  const {
    timeoutMs = 30_000,
    memoryLimitInMB = 1024,
    region = 'us-east-1',
    accountId = '000000000000',
  } = options;
  const deadline = Date.now() + timeoutMs;
  const today = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const unsupported = (): never => {
    // The callback-era methods cannot complete an async handler's invocation here; fail loudly.
    throw new Error('context.done/succeed/fail are not supported; return or throw from the handler');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: String(memoryLimitInMB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${today}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
