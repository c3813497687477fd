import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { FunctionConfig, FunctionName } from '../entry/env.js';
import { loadFunctionConfig } from './config.js';
import { logger } from './logger.js';

/** The Lambda context once {@link validateEnv} ran: `env` is the function's typed configuration. */
export type ContextWithEnv<N extends FunctionName> = Context & { env: FunctionConfig<N> };

export interface ValidateEnvOptions {
  /** Where the variables come from. @default () => process.env */
  source?: () => Record<string, string | undefined>;
}

/**
 * Middy middleware: validates the environment with function `name`'s schema on the first invocation
 * of a cold start, and puts the result on `context.env` for every invocation.
 *
 * A bad environment is a deployment bug, not a request problem: every invocation of the container
 * fails with a {@link ConfigurationError} naming the variables (logged once), rather than running
 * half-configured. The failure is cached so a broken container does not re-parse per request.
 *
 * @example
 * ```ts
 * export const handler = middy().use(validateEnv('janitor')).handler(async (_event, context) => context.env.DB_NAME);
 * ```
 */
export const validateEnv = <N extends FunctionName>(
  name: N,
  options: ValidateEnvOptions = {},
): middy.MiddlewareObj<unknown, unknown, Error, ContextWithEnv<N>> => {
  const source = options.source ?? (() => process.env);
  let outcome: { config: FunctionConfig<N> } | { error: Error } | undefined;

  return {
    before: async (request) => {
      if (outcome === undefined) {
        try {
          outcome = { config: loadFunctionConfig(name, source()) };
        } catch (error) {
          outcome = { error: error as Error };
          logger.error('Invalid function configuration', { error: error as Error });
        }
      }
      if ('error' in outcome) throw outcome.error;
      request.context.env = outcome.config;
    },
  };
};
