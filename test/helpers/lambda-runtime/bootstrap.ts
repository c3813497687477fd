/**
 * The Lambda Node.js runtime, reduced to what decides whether a bundle runs: started in a fresh Node
 * process whose working directory is the task root, it imports the module the handler string names
 * (trying the extensions Lambda tries), finds the exported function, then calls
 * `handler(event, context)` once per invocation, one at a time. Init and invocation errors are
 * reported with the `errorType` names Lambda uses (`Runtime.ImportModuleError`,
 * `Runtime.HandlerNotFound`, …, or the thrown error's name, which Step Functions matches on).
 *
 * The parent (`execution-environment.ts`) talks to it over the IPC channel instead of Lambda's
 * Runtime API. Transpiled on its own, not bundled: it imports nothing but Node built-ins.
 */
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What the parent passes as the one command-line argument (JSON). */
export interface BootstrapSettings {
  /** URL prefixes to rewrite in `fetch`, e.g. Cognito's issuer → the stand-in serving its JWKS. */
  fetchRewrites: Record<string, string>;
}

export type BootstrapMessage =
  | { type: 'ready'; initMs: number }
  | { type: 'init-error'; error: InvocationError }
  | { type: 'result'; id: number; payload: string }
  | { type: 'error'; id: number; error: InvocationError }
  | { type: 'crash'; error: InvocationError };

export type ParentMessage = {
  type: 'invoke';
  id: number;
  event: unknown;
  deadlineMs: number;
  requestId: string;
};

export interface InvocationError {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

const settings = JSON.parse(process.argv[2] ?? '{}') as BootstrapSettings;
const send = (message: BootstrapMessage) => process.send!(message);

const toError = (error: unknown, errorType?: string): InvocationError => {
  const err = error instanceof Error ? error : new Error(String(error));
  return {
    errorType: errorType ?? err.name,
    errorMessage: err.message,
    trace: (err.stack ?? '').split('\n'),
  };
};

// The one host name the code builds itself (Cognito's issuer, for its JWKS) is mapped to its
// stand-in here, as a hosts file would; every other request goes out unchanged.
const originalFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  for (const [from, to] of Object.entries(settings.fetchRewrites))
    if (url.startsWith(from)) {
      const rewritten = to + url.slice(from.length);
      return originalFetch(input instanceof Request ? new Request(rewritten, input) : rewritten, init);
    }
  return originalFetch(input, init);
};

/** `index.handler` → module `index` in the task root, export `handler` (Lambda's handler string). */
const parseHandler = (handler: string) => {
  const slash = handler.lastIndexOf('/');
  const [moduleName, ...path] = handler.slice(slash + 1).split('.');
  return { moduleFile: join(handler.slice(0, slash + 1), moduleName!), path };
};

const loadHandler = async (): Promise<(event: unknown, context: unknown) => Promise<unknown>> => {
  const handlerString = process.env._HANDLER ?? '';
  const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const { moduleFile, path } = parseHandler(handlerString);
  const base = join(taskRoot, moduleFile);
  const file = ['', '.js', '.mjs', '.cjs']
    .map((ext) => base + ext)
    .find((candidate) => existsSync(candidate));
  if (!file)
    throw Object.assign(new Error(`Cannot find module '${moduleFile}'`), {
      lambdaType: 'Runtime.ImportModuleError',
    });
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const type = error instanceof SyntaxError ? 'Runtime.UserCodeSyntaxError' : 'Runtime.ImportModuleError';
    throw Object.assign(error as Error, { lambdaType: type });
  }
  const handler = path.reduce<unknown>(
    (value, key) => (value as Record<string, unknown> | undefined)?.[key],
    module,
  );
  if (typeof handler !== 'function')
    throw Object.assign(new Error(`${handlerString} is undefined or not exported`), {
      lambdaType: 'Runtime.HandlerNotFound',
    });
  return handler as (event: unknown, context: unknown) => Promise<unknown>;
};

const context = (message: ParentMessage) => {
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function';
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${name}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    awsRequestId: message.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${name}`,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? 'stream',
    getRemainingTimeInMillis: () => Math.max(0, message.deadlineMs - Date.now()),
  };
};

// An error nobody awaited ends the execution environment, as on Lambda.
process.on('uncaughtException', (error) => {
  send({ type: 'crash', error: toError(error, 'Runtime.UncaughtException') });
  process.exit(129);
});
process.on('unhandledRejection', (reason) => {
  send({ type: 'crash', error: toError(reason, 'Runtime.UnhandledPromiseRejection') });
  process.exit(128);
});

const started = performance.now();
register('./node-path-hooks.mjs', import.meta.url);
let handler: Awaited<ReturnType<typeof loadHandler>>;
try {
  handler = await loadHandler();
} catch (error) {
  send({ type: 'init-error', error: toError(error, (error as { lambdaType?: string }).lambdaType) });
  process.exit(1);
}
send({ type: 'ready', initMs: performance.now() - started });

// One invocation at a time: the parent sends the next only after this one answered.
process.on('message', (message: ParentMessage) => {
  void (async () => {
    try {
      const result = await handler(message.event, context(message));
      // Lambda returns the handler's result serialized as JSON (undefined becomes null).
      send({ type: 'result', id: message.id, payload: JSON.stringify(result ?? null) });
    } catch (error) {
      send({ type: 'error', id: message.id, error: toError(error) });
    }
  })();
});
