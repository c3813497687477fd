/**
 * Reads a Lambda function's environment against its schema in `lambdas/entry/env.ts`. Kept apart
 * from the middleware so tests and scripts can validate an environment without a handler.
 */
import { ENV_SCHEMAS, type FunctionConfig, type FunctionName } from '../entry/env.js';

/** The environment is missing a variable or holds a bad value; the message names every culprit. */
export class ConfigurationError extends Error {
  /** The variables that failed validation, e.g. `['DB_USER', 'STATE_MACHINE_ARN']`. */
  readonly variables: string[];
  constructor(message: string, variables: string[], options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigurationError';
    this.variables = variables;
  }
}

/**
 * Validates `env` with the schema of function `name`.
 *
 * @example
 * ```ts
 * const config = loadFunctionConfig('janitor'); // throws ConfigurationError naming DB_USER when unset
 * ```
 * @param name - The function whose schema applies.
 * @param env - The environment to read; `process.env` by default.
 * @returns The parsed configuration (numbers parsed, defaults applied).
 * @throws ConfigurationError listing each bad variable with what is expected.
 */
export function loadFunctionConfig<N extends FunctionName>(
  name: N,
  env: Record<string, string | undefined> = process.env,
): FunctionConfig<N> {
  const parsed = ENV_SCHEMAS[name].safeParse(env);
  if (parsed.success) return parsed.data as FunctionConfig<N>;
  const problems = parsed.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(environment)');
    // zod says "expected string, received undefined" for a missing key; say it plainly.
    const message =
      env[variable] === undefined && issue.code === 'invalid_type' ? 'is not set' : issue.message;
    return { variable, message };
  });
  const variables = [...new Set(problems.map((problem) => problem.variable))];
  const detail = problems.map((problem) => `${problem.variable} ${problem.message}`).join('; ');
  throw new ConfigurationError(`Invalid environment for the ${name} function: ${detail}`, variables);
}

/**
 * The region this function runs in. Lambda always sets `AWS_REGION`; a missing one means the code
 * runs somewhere else (a test, a script) that forgot to say where.
 *
 * @throws ConfigurationError when `AWS_REGION` is unset.
 */
export function awsRegion(env: Record<string, string | undefined> = process.env): string {
  const region = env.AWS_REGION?.trim();
  if (!region) throw new ConfigurationError('Invalid environment: AWS_REGION is not set', ['AWS_REGION']);
  return region;
}
