import { randomUUID } from 'node:crypto';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { executionName } from '../../lambdas/core/keys.js';
import { executionInput, executionPhase, type Workflow } from '../../lambdas/core/ports.js';
import { logger } from '../../lambdas/shared/logger.js';

type JsonValue = Parameters<StateMachine['run']>[0];
export type StateHandler = (input: unknown) => Promise<unknown>;

export interface LocalWorkflow extends Workflow {
  runningCount(): number;
  /** Resolves when nothing is running or waiting. */
  idle(): Promise<void>;
  /** Stops running executions and waits for the state handlers already running. */
  close(): Promise<void>;
}

interface Pending {
  name: string;
  executionArn: string;
  input: unknown;
}

/**
 * Step Functions stand-in with Express semantics: runs the shared definition with
 * aws-local-stepfunctions, overriding each Task state by name with the same Lambda handler code.
 * Like an Express workflow it keeps no state between runs and does not de-duplicate names: an
 * execution cut short by a crash is simply gone, and the host re-drives its task at the next start
 * (the steps claim the task per attempt, so a repeated run is harmless).
 */
export const createLocalWorkflow = (options: {
  definition: StateMachineDefinition;
  handlers: Record<string, StateHandler>;
  stateMachineArn: string;
  /** Executions run at once; the rest wait their turn. @default 4 */
  concurrency?: number;
}): LocalWorkflow => {
  const machine = new StateMachine(options.definition, { validationOptions: { checkArn: true } });
  const concurrency = options.concurrency ?? 4;
  const waiting: Pending[] = [];
  const continuing: Pending[] = [];
  const active = new Map<number, { abort: () => void; done: Promise<void> }>();
  const idleWaiters: Array<() => void> = [];
  let closed = false;
  let sequence = 0;
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

  const settleIdle = () => {
    if (active.size === 0 && waiting.length === 0 && continuing.length === 0)
      idleWaiters.splice(0).forEach((resolve) => resolve());
  };

  const pump = () => {
    while (!closed && active.size < concurrency && waiting.length + continuing.length > 0) {
      const pending = continuing.shift() ?? waiting.shift()!;
      const id = (sequence += 1);
      const execution = machine.run(pending.input as JsonValue, {
        overrides: { taskResourceLocalHandlers: handlers as never },
        context: {
          Execution: {
            Id: pending.executionArn,
            Name: pending.name,
            Input: pending.input as never,
            StartTime: new Date().toISOString(),
          },
        },
      });
      const done = execution.result
        .then(
          () => logger.debug('Execution succeeded', { name: pending.name }),
          (error: unknown) => {
            // A Fail state (the task is marked failed) or an abort at shutdown: logged, not thrown.
            if (!closed)
              logger.debug('Execution failed', {
                name: pending.name,
                error: error instanceof ExecutionError ? error.message : String(error),
              });
          },
        )
        .finally(() => {
          active.delete(id);
          pump();
          settleIdle();
        });
      active.set(id, { abort: execution.abort, done });
    }
  };

  return {
    async start(input) {
      if (closed) throw new Error('The local workflow is closed');
      const name = executionName(input.taskId, input.attempt, executionPhase(input));
      // Express ARNs carry a unique suffix after the name: two runs of one name are two executions.
      const executionArn = `${options.stateMachineArn.replace(':stateMachine:', ':express:')}:${name}:${randomUUID()}`;
      // Through JSON, as Step Functions takes it: a key set to undefined is absent (Route tests presence).
      const pending = {
        name,
        executionArn,
        input: JSON.parse(JSON.stringify(executionInput(input))) as unknown,
      };
      // A run that continues a task (a finished job's hand-off, an admitted task) goes ahead of new
      // ones: on AWS no execution waits for another, and here an admitted run stuck behind a burst of
      // Downloads would hold its Textract capacity unused.
      (executionPhase(input) === 'run' ? waiting : continuing).push(pending);
      pump();
      return { executionArn };
    },
    runningCount: () => active.size + waiting.length + continuing.length,
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
    async close() {
      closed = true;
      waiting.length = 0;
      continuing.length = 0;
      for (const { abort } of active.values()) abort();
      await Promise.allSettled([...active.values()].map((a) => a.done));
      await Promise.allSettled([...inFlight]);
      settleIdle();
    },
  };
};
