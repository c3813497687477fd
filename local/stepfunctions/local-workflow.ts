import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { executionName } from '../../lambdas/core/keys.js';
import type { Workflow, WorkflowInput } from '../../lambdas/core/ports.js';
import { logger } from '../../lambdas/shared/logger.js';

type JsonValue = Parameters<StateMachine['run']>[0];
export type StateHandler = (input: unknown) => Promise<unknown>;

export interface ExecutionRecord {
  name: string;
  executionArn: string;
  input: WorkflowInput;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  startedAt: string;
  stoppedAt?: string;
  error?: string;
}

export interface LocalWorkflow extends Workflow {
  /** Re-runs executions that were RUNNING when the host stopped; returns how many. */
  resume(): Promise<number>;
  runningCount(): number;
  /** Resolves when nothing is running or waiting. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Step Functions stand-in: runs the shared definition with aws-local-stepfunctions, overriding each
 * Task state by name with the same Lambda handler code. Execution records are files, so a name can
 * only start once (like Standard workflows) and executions interrupted by a crash are resumed.
 */
export const createLocalWorkflow = async (options: {
  dir: string;
  definition: StateMachineDefinition;
  handlers: Record<string, StateHandler>;
  stateMachineArn: string;
  /** Executions run at once; the rest wait their turn. @default 4 */
  concurrency?: number;
}): Promise<LocalWorkflow> => {
  await mkdir(options.dir, { recursive: true });
  const machine = new StateMachine(options.definition, { validationOptions: { checkArn: true } });
  const concurrency = options.concurrency ?? 4;
  const waiting: ExecutionRecord[] = [];
  const active = new Map<string, { abort: () => void; done: Promise<void> }>();
  const idleWaiters: Array<() => void> = [];
  let closed = false;
  // Aborting an execution does not stop a state's handler that is already running; close() waits
  // for those so nothing writes to a closed database.
  const inFlight = new Set<Promise<unknown>>();
  const handlers = Object.fromEntries(
    Object.entries(options.handlers).map(([state, handler]) => [
      state,
      (input: unknown) => {
        const call = handler(input);
        inFlight.add(call);
        void call.finally(() => inFlight.delete(call)).catch(() => undefined);
        return call;
      },
    ]),
  );

  const arnFor = (name: string) =>
    options.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
  const fileFor = (name: string) => join(options.dir, `${name}.json`);
  const persist = async (record: ExecutionRecord) => {
    const tmp = `${fileFor(record.name)}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(record));
    await rename(tmp, fileFor(record.name));
  };
  const read = async (name: string): Promise<ExecutionRecord | undefined> => {
    try {
      return JSON.parse(await readFile(fileFor(name), 'utf8')) as ExecutionRecord;
    } catch {
      return undefined;
    }
  };

  const settleIdle = () => {
    if (active.size === 0 && waiting.length === 0) idleWaiters.splice(0).forEach((resolve) => resolve());
  };

  const pump = () => {
    while (!closed && active.size < concurrency && waiting.length > 0) {
      const record = waiting.shift()!;
      const execution = machine.run(record.input as unknown as JsonValue, {
        overrides: { taskResourceLocalHandlers: handlers as never },
        context: {
          Execution: {
            Id: record.executionArn,
            Name: record.name,
            Input: record.input as never,
            StartTime: record.startedAt,
          },
          Task: { Token: `local-task-token:${record.name}` },
        },
      });
      const done = execution.result
        .then(
          () => ({ status: 'SUCCEEDED' as const }),
          (error: unknown) => ({
            status: 'FAILED' as const,
            error: error instanceof ExecutionError ? error.message : String(error),
          }),
        )
        .then(async (outcome) => {
          if (closed) return; // interrupted by shutdown: stays RUNNING and resumes next start
          await persist({ ...record, ...outcome, stoppedAt: new Date().toISOString() });
          logger.debug('Execution finished', { name: record.name, ...outcome });
        })
        .catch((error: unknown) =>
          logger.error('Could not record execution result', { error: error as Error }),
        )
        .finally(() => {
          active.delete(record.name);
          pump();
          settleIdle();
        });
      active.set(record.name, { abort: execution.abort, done });
    }
  };

  return {
    async start(input) {
      const name = executionName(input.taskId, input.attempt);
      const existing = await read(name);
      if (existing) return { executionArn: existing.executionArn, started: false };
      const record: ExecutionRecord = {
        name,
        executionArn: arnFor(name),
        input,
        status: 'RUNNING',
        startedAt: new Date().toISOString(),
      };
      await persist(record);
      waiting.push(record);
      pump();
      return { executionArn: record.executionArn, started: true };
    },
    async resume() {
      const names = (await readdir(options.dir))
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -5));
      let resumed = 0;
      for (const name of names) {
        const record = await read(name);
        if (record?.status === 'RUNNING' && !active.has(name) && !waiting.some((w) => w.name === name)) {
          waiting.push(record);
          resumed += 1;
        }
      }
      pump();
      return resumed;
    },
    runningCount: () => active.size + waiting.length,
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
    async close() {
      closed = true;
      waiting.length = 0;
      for (const { abort } of active.values()) abort();
      await Promise.allSettled([...active.values()].map((a) => a.done));
      await Promise.allSettled([...inFlight]);
      settleIdle();
    },
  };
};
