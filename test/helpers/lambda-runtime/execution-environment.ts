/**
 * A Lambda execution environment on this machine, for a synthesized bundle: the asset folder copied
 * to its own task root (`/var/task`) and the layers to its own `/opt`, both under a temporary folder
 * with no `node_modules` above it, then a fresh Node process running `bootstrap.ts` with the
 * environment Lambda would give the function (its template variables, Lambda's reserved variables,
 * `NODE_PATH` with the layer folders, Lambda's Node flags) and nothing inherited from the test run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import type { BootstrapMessage, BootstrapSettings, InvocationError, ParentMessage } from './bootstrap.js';

/** Flags Lambda adds on nodejs20.x and nodejs22.x (documented under "experimental features"). */
const LAMBDA_NODE_FLAGS = ['--no-experimental-require-module', '--no-experimental-detect-module'];

/** An error a function returned, with Lambda's `errorType` as its `name` (what Step Functions matches). */
export class FunctionError extends Error {
  readonly errorType: string;
  readonly trace: string[];
  constructor(error: InvocationError, options?: ErrorOptions) {
    super(error.errorMessage, options);
    this.name = error.errorType;
    this.errorType = error.errorType;
    this.trace = error.trace;
  }
}

export interface ExecutionEnvironmentSettings {
  /** The Lambda function name, e.g. `untxt-dev-api`. */
  functionName: string;
  codeDir: string;
  layerDirs: string[];
  /** `Handler`, e.g. `index.handler`. */
  handler: string;
  /** `Runtime`, e.g. `nodejs22.x`: only the `AWS_EXECUTION_ENV` it reports. */
  runtime: string;
  timeoutSeconds: number;
  memorySize: number;
  /** The function's variables (resolved) plus whatever the stand-ins need (endpoints, CA bundle). */
  environment: Record<string, string>;
  /** The Node binary to run, e.g. a Node 22 for nodejs22.x. */
  node: string;
  /** Where task roots and `/opt` folders are laid out. */
  root: string;
  region: string;
  fetchRewrites?: Record<string, string>;
}

export interface ExecutionEnvironment {
  readonly functionName: string;
  /** Starts the process and loads the handler; resolves with the init duration, rejects with the init error. */
  init(): Promise<number>;
  /** Invokes the handler (cold-starting it if needed); rejects with a {@link FunctionError}. */
  invoke<R = unknown>(event: unknown): Promise<R>;
  /** Everything the function printed (its logs), for failure messages. */
  logs(): string;
  close(): Promise<void>;
}

let compiled: string | undefined;

/** Transpiles the bootstrap and its hook once per test process into `root/runtime`. */
const runtimeDir = (root: string): string => {
  const dir = join(root, 'runtime');
  if (compiled === dir) return dir;
  mkdirSync(dir, { recursive: true });
  const here = dirname(fileURLToPath(import.meta.url));
  for (const name of ['bootstrap', 'node-path-hooks']) {
    const source = readFileSync(join(here, `${name}.ts`), 'utf8');
    const { code } = transformSync(source, { loader: 'ts', format: 'esm', target: 'node20' });
    writeFileSync(join(dir, `${name}.mjs`), code);
  }
  compiled = dir;
  return dir;
};

/** Throws when a `node_modules` folder sits above `dir`: it would hide packages a bundle forgot. */
const assertIsolated = (dir: string) => {
  for (let at = dirname(dir); at !== parse(at).root; at = dirname(at))
    if (existsSync(join(at, 'node_modules')))
      throw new Error(`${at}/node_modules would be visible to the bundles in ${dir}`);
};

/**
 * Lays out a function's code and layers and returns its execution environment (not started yet).
 *
 * @param settings - What the template says about the function, and where to run it.
 * @returns The environment; `invoke` cold-starts it.
 */
export function createExecutionEnvironment(settings: ExecutionEnvironmentSettings): ExecutionEnvironment {
  const base = join(settings.root, settings.functionName);
  const taskRoot = join(base, 'var/task');
  const opt = join(base, 'opt');
  assertIsolated(base);
  mkdirSync(opt, { recursive: true });
  cpSync(settings.codeDir, taskRoot, { recursive: true });
  for (const layer of settings.layerDirs) cpSync(layer, opt, { recursive: true });
  const runtime = runtimeDir(settings.root);

  const nodeMajor = settings.runtime.replace(/^nodejs(\d+).*$/, '$1');
  const environment: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_REGION: settings.region,
    AWS_DEFAULT_REGION: settings.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${settings.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: settings.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(settings.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${settings.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${new Date().toISOString().slice(0, 10)}/[$LATEST]${randomUUID()}`,
    AWS_LAMBDA_LOG_FORMAT: 'JSON',
    // The execution role's temporary credentials.
    AWS_ACCESS_KEY_ID: 'ASIATESTING',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: runtime,
    _HANDLER: settings.handler,
    // Lambda's NODE_PATH, minus /var/runtime/node_modules: the runtime's own AWS SDK is not offered,
    // so a bundle that left the SDK out fails here although it might limp along on AWS.
    NODE_PATH: [
      join(opt, `nodejs/node${nodeMajor}/node_modules`),
      join(opt, 'nodejs/node_modules'),
      taskRoot,
    ].join(':'),
    ...settings.environment,
  };
  const bootstrapSettings: BootstrapSettings = { fetchRewrites: settings.fetchRewrites ?? {} };

  let child: ChildProcess | undefined;
  let ready: Promise<number> | undefined;
  let output = '';
  let sequence = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const pending = new Map<number, { resolve: (payload: string) => void; reject: (error: Error) => void }>();

  const start = (): Promise<number> => {
    const proc = fork(join(runtime, 'bootstrap.mjs'), [JSON.stringify(bootstrapSettings)], {
      cwd: taskRoot,
      env: environment,
      execPath: settings.node,
      execArgv: LAMBDA_NODE_FLAGS,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child = proc;
    proc.stdout!.on('data', (data: Buffer) => (output += data.toString()));
    proc.stderr!.on('data', (data: Buffer) => (output += data.toString()));
    return new Promise<number>((resolve, reject) => {
      proc.on('message', (message: BootstrapMessage) => {
        if (message.type === 'ready') resolve(message.initMs);
        else if (message.type === 'init-error') reject(new FunctionError(message.error));
        else if (message.type === 'result') pending.get(message.id)?.resolve(message.payload);
        else if (message.type === 'error') pending.get(message.id)?.reject(new FunctionError(message.error));
        else if (message.type === 'crash') {
          for (const call of pending.values()) call.reject(new FunctionError(message.error));
        }
      });
      proc.on('exit', (code, signal) => {
        const error = new Error(
          `${settings.functionName} exited (${signal ?? code}) before answering:\n${output}`,
        );
        reject(error);
        for (const call of pending.values()) call.reject(error);
        pending.clear();
        child = undefined;
        ready = undefined;
      });
    });
  };

  const invokeNow = async (event: unknown): Promise<unknown> => {
    ready ??= start();
    await ready;
    const id = (sequence += 1);
    const deadlineMs = Date.now() + settings.timeoutSeconds * 1000;
    const payload = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(
          new FunctionError({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out', trace: [] }),
        );
        // Lambda ends the environment of a function that times out.
        child?.kill('SIGKILL');
      }, settings.timeoutSeconds * 1000);
      const settle =
        <T>(then: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer);
          pending.delete(id);
          then(value);
        };
      pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      const message: ParentMessage = { type: 'invoke', id, event, deadlineMs, requestId: randomUUID() };
      child!.send(message);
    });
    return JSON.parse(payload) as unknown;
  };

  return {
    functionName: settings.functionName,
    init: () => (ready ??= start()),
    invoke: <R>(event: unknown) => {
      // One invocation at a time per environment, as Lambda runs them.
      const call = queue.then(() => invokeNow(event));
      queue = call.catch(() => undefined);
      return call as Promise<R>;
    },
    logs: () => output,
    close: async () => {
      const running = child;
      if (!running) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGTERM');
      });
    },
  };
}
