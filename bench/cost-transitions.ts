/**
 * Counts Step Functions state transitions by running the real definition
 * (`lib/workflow/ocr-workflow.asl.json`) in aws-local-stepfunctions with canned task outputs, one
 * run per path, and reading the `StateEntered` events. Standard workflows bill one transition per
 * state entered (retries re-enter and count again; none happen on the happy path).
 */
import '../local/polyfills.js';
import { StateMachine } from 'aws-local-stepfunctions';
import { loadDefinition, localSubstitutions } from '../local/stepfunctions/definition.js';

export type WorkflowPath = 'sync' | 'async' | 'failed';

export interface TransitionCount {
  path: WorkflowPath;
  /** States entered, in order: what Standard bills. */
  states: string[];
  /** Every event the execution logged (entered, exited, caught, …): a proxy for log volume. */
  events: number;
}

const taskInput = {
  taskId: '00000000-0000-4000-8000-000000000001',
  userId: '00000000-0000-4000-8000-000000000002',
  key: 'uploads/u/doc.pdf',
  attempt: 1,
};

/** Runs the definition along `path` and returns the states it entered. */
export async function countTransitions(path: WorkflowPath): Promise<TransitionCount> {
  const machine = new StateMachine(loadDefinition(localSubstitutions('us-east-1', '123456789012')), {
    validationOptions: { checkArn: true },
  });
  const passThrough = (extra: Record<string, unknown>) => (input: unknown) => ({
    ...(input as object),
    ...extra,
  });
  const handlers: Record<string, (input: unknown) => unknown> = {
    Download: (input) => {
      if (path === 'failed')
        throw Object.assign(new Error('bad document'), { name: 'DocumentRejectedError' });
      return passThrough({
        mode: path,
        documentKey: 'k',
        contentType: 'application/pdf',
        pages: path === 'async' ? 10 : 1,
        resultPrefix: 'results/',
      })(input);
    },
    Recognize: passThrough({ blocksKey: 'results/blocks.json' }),
    RecognizeAsync: (input) => ({
      ...((input as { input: object }).input ?? input),
      blocksKey: 'results/blocks.json',
    }),
    WriteResult: () => ({ status: 'completed' }),
    MarkFailed: () => ({ status: 'failed' }),
  };
  // Like the local host: a Task token in the context, so `$$.Task.Token` resolves.
  const execution = machine.run(taskInput, {
    overrides: { taskResourceLocalHandlers: handlers as never },
    context: { Task: { Token: 'cost-bench-token' } },
  });
  const states: string[] = [];
  let events = 0;
  const collect = (async () => {
    for await (const event of execution.eventLogs) {
      events += 1;
      if (event.type === 'StateEntered') states.push(event.state.name);
    }
  })();
  await execution.result.catch((error: unknown) => {
    if (path !== 'failed') throw error;
  });
  await collect;
  return { path, states, events };
}
