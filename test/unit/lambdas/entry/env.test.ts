import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import {
  ENTRY_FILES,
  ENV_SCHEMAS,
  FUNCTION_NAMES,
  type FunctionEnvironment,
} from '../../../../lambdas/entry/env.js';
import { awsRegion, ConfigurationError, loadFunctionConfig } from '../../../../lambdas/shared/config.js';
import { validateEnv, type ContextWithEnv } from '../../../../lambdas/shared/env-middleware.js';
import { FULL_ENV, lambdaContext } from './helpers.js';

describe('Function: loadFunctionConfig', () => {
  it('parses numbers and applies defaults when the environment is complete', () => {
    // Prepare
    const { DB_PORT: _port, POWERTOOLS_LOG_LEVEL: _level, ...env } = FULL_ENV;

    // Act
    const config = loadFunctionConfig('janitor', env);

    // Assess
    expect(config).toEqual({
      POWERTOOLS_SERVICE_NAME: 'untxt-test',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      DB_PROXY_ENDPOINT: FULL_ENV.DB_PROXY_ENDPOINT,
      DB_PORT: 5432,
      DB_NAME: 'untxt',
      DB_USER: 'untxt_app',
      DOCUMENTS_BUCKET: FULL_ENV.DOCUMENTS_BUCKET,
      KMS_KEY_ID: FULL_ENV.KMS_KEY_ID,
      WEBSOCKET_MANAGEMENT_ENDPOINT: FULL_ENV.WEBSOCKET_MANAGEMENT_ENDPOINT,
      STATE_MACHINE_ARN: FULL_ENV.STATE_MACHINE_ARN,
      JANITOR_STUCK_AFTER_MINUTES: 90,
      JANITOR_MAX_ATTEMPTS: 3,
    });
  });

  it('names the missing variable when one is not set', () => {
    // Prepare
    const { DB_USER: _user, ...env } = FULL_ENV;

    // Act
    const load = () => loadFunctionConfig('migrate', env);

    // Assess
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow('Invalid environment for the migrate function: DB_USER is not set');
  });

  it('names every bad variable when several are wrong', () => {
    // Prepare
    const env = {
      ...FULL_ENV,
      STATE_MACHINE_ARN: FULL_ENV.INTAKE_QUEUE_ARN,
      DB_PORT: 'five',
      DOCUMENTS_BUCKET: ' ',
    };

    // Act
    let error: ConfigurationError | undefined;
    try {
      loadFunctionConfig('dispatcher', env);
    } catch (caught) {
      error = caught as ConfigurationError;
    }

    // Assess
    expect(error?.variables.sort()).toEqual(['DB_PORT', 'DOCUMENTS_BUCKET', 'STATE_MACHINE_ARN']);
    expect(error?.message).toContain('STATE_MACHINE_ARN must be the ARN of a states stateMachine resource');
  });

  it('rejects a Cognito user pool id that is not one', () => {
    // Prepare
    const env = { ...FULL_ENV, USER_POOL_ID: 'untxt-users' };

    // Act
    const load = () => loadFunctionConfig('ws', env);

    // Assess
    expect(load).toThrow('USER_POOL_ID must be a Cognito user pool id');
  });
});

describe('Function: awsRegion', () => {
  it('names AWS_REGION when it is not set', () => {
    // Prepare
    const env = {};

    // Act
    const read = () => awsRegion(env);

    // Assess
    expect(read).toThrow('AWS_REGION is not set');
  });
});

describe('Constant: ENV_SCHEMAS', () => {
  it('accepts the full environment for every function', () => {
    // Prepare
    const names = FUNCTION_NAMES;

    // Act
    const failures = names.filter((name) => !ENV_SCHEMAS[name].safeParse(FULL_ENV).success);

    // Assess
    expect(failures).toEqual([]);
  });

  it('types the CDK environment so that a missing variable fails to compile', () => {
    // Prepare
    // @ts-expect-error DB_USER is required for the migrate function
    const incomplete: FunctionEnvironment<'migrate'> = {
      DB_PROXY_ENDPOINT: 'host',
      DB_NAME: 'untxt',
      DB_CHANGE_FUNCTION_ARN: FULL_ENV.DB_CHANGE_FUNCTION_ARN,
    };
    const complete: FunctionEnvironment<'migrate'> = {
      DB_PROXY_ENDPOINT: 'host',
      DB_NAME: 'untxt',
      DB_USER: 'app',
      DB_CHANGE_FUNCTION_ARN: FULL_ENV.DB_CHANGE_FUNCTION_ARN,
    };

    // Act
    const lambdaEnvironment: Record<string, string> = complete;

    // Assess
    expect(incomplete).toBeDefined();
    expect(lambdaEnvironment).toEqual(complete);
  });
});

describe('Constant: ENTRY_FILES', () => {
  it('points every function at an entry file that exists', () => {
    // Prepare
    const root = resolve(import.meta.dirname, '../../../..');

    // Act
    const missing = FUNCTION_NAMES.filter((name) => !existsSync(resolve(root, ENTRY_FILES[name])));

    // Assess
    expect(Object.keys(ENTRY_FILES).sort()).toEqual([...FUNCTION_NAMES].sort());
    expect(missing).toEqual([]);
  });
});

describe('Function: validateEnv', () => {
  it('puts the typed configuration on the context when the environment is valid', async () => {
    // Prepare
    const handler = middy<unknown, string, Error, ContextWithEnv<'migrate'>>()
      .use(validateEnv('migrate', { source: () => FULL_ENV }))
      .handler(async (_event, context) => `${context.env.DB_USER}@${context.env.DB_PORT}`);

    // Act
    const result = await handler({}, lambdaContext() as ContextWithEnv<'migrate'>);

    // Assess
    expect(result).toBe('untxt_app@5432');
  });

  it('fails every invocation naming the variable, reading the environment once, when it is invalid', async () => {
    // Prepare
    let reads = 0;
    const source = () => {
      reads += 1;
      const { DB_NAME: _name, ...env } = FULL_ENV;
      return env;
    };
    const handler = middy<unknown, string, Error, ContextWithEnv<'migrate'>>()
      .use(validateEnv('migrate', { source }))
      .handler(async () => 'ran');
    const context = lambdaContext() as ContextWithEnv<'migrate'>;

    // Act
    const first = handler({}, context);
    await expect(first).rejects.toThrow('DB_NAME is not set');
    const second = handler({}, context);

    // Assess
    await expect(second).rejects.toThrow(ConfigurationError);
    expect(reads).toBe(1);
  });
});
