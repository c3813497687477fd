import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { validateEnv, type ContextWithEnv } from '../../shared/env-middleware.js';
import type { FunctionConfig, FunctionName } from '../env.js';

/** A built handler: the middy handlers of `lambdas/{api,ws,events,workflow}` fit this shape. */
export type InnerHandler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * Defines a Lambda entry point: validates the environment (once per cold start, naming any bad
 * variable), then builds the handler and its adapters on the first invocation and reuses them for
 * every later one. Building lazily, after validation, means a misconfigured function fails with the
 * variable's name instead of a confusing error from an SDK client constructed at import time.
 *
 * @example
 * ```ts
 * export const handler = defineEntry('dispatcher', (config) => createDispatcherHandler(depsFrom(config)));
 * ```
 * @param name - The function, i.e. which schema of `ENV_SCHEMAS` applies.
 * @param build - Creates the handler from the validated configuration; called once.
 * @returns The Lambda handler.
 */
export const defineEntry = <N extends FunctionName, E, R>(
  name: N,
  build: (config: FunctionConfig<N>) => InnerHandler<E, R>,
) => {
  let built: InnerHandler<E, R> | undefined;
  return middy<E, R, Error, ContextWithEnv<N>>()
    .use(validateEnv(name) as middy.MiddlewareObj<E, R, Error, ContextWithEnv<N>>)
    .handler((event, context) => {
      built ??= build(context.env);
      return built(event, context);
    });
};
