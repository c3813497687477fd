/**
 * Counts the executions, state transitions and log events of each path through the real definition
 * (`lib/workflow/ocr-workflow.asl.json`) by running it in aws-local-stepfunctions with canned task
 * outputs and reading its event log. An Express workflow bills per execution and duration, not per
 * transition; transitions still decide how much execution history goes to CloudWatch Logs (logging
 * ALL), and what a Standard workflow would cost for comparison.
 */
import '../local/polyfills.js';
import { StateMachine } from 'aws-local-stepfunctions';
import { loadDefinition, localSubstitutions } from '../local/stepfunctions/definition.js';

/**
 * `admitted`: a one-page document that had to wait for Textract capacity. Its first run parks the
 * task at Recognize and ends; the admission loop starts a second run with Download's findings and a
 * grant (`admission`), which Route sends to ChooseMode and Recognize.
 */
export type WorkflowPath = 'sync' | 'async' | 'admitted' | 'failed';

export interface TransitionCount {
  path: WorkflowPath;
  /**
   * Executions the path takes: the async path is two (start the job; the job's hand-off), and so is
   * the admitted one (park; the admitted run).
   */
  executions: number;
  /** States entered, in order, over all its executions: what a Standard workflow would bill. */
  states: string[];
  /** Every event the executions logged (entered, exited, caught, …): a proxy for log volume. */
  events: number;
}

const taskInput = {
  taskId: '00000000-0000-4000-8000-000000000001',
  userId: '00000000-0000-4000-8000-000000000002',
  key: 'uploads/u/doc.pdf',
  attempt: 1,
};

/** Runs one execution and returns the states it entered and the events it logged. */
async function run(
  path: WorkflowPath,
  input: Record<string, unknown>,
): Promise<{ states: string[]; events: number }> {
  const machine = new StateMachine(loadDefinition(localSubstitutions('us-east-1', '123456789012')), {
    validationOptions: { checkArn: true },
  });
  const handlers: Record<string, (input: unknown) => unknown> = {
    Download: (state) => {
      if (path === 'failed')
        throw Object.assign(new Error('bad document'), { name: 'DocumentRejectedError' });
      return {
        ...(state as object),
        mode: path === 'async' ? 'async' : 'sync',
        documentKey: 'k',
        contentType: 'application/pdf',
        pages: path === 'async' ? 10 : 1,
        resultPrefix: 'results/',
      };
    },
    // The admitted path's first Recognize parks the task (it waits for capacity) and the run ends.
    Recognize: (state) => ({
      status: (state as { admission?: unknown }).admission || path !== 'admitted' ? 'completed' : 'queued',
    }),
    RecognizeAsync: () => ({ jobId: 'job-1', handedOff: false }),
    WriteResult: () => ({ status: 'completed' }),
    MarkFailed: () => ({ status: 'failed' }),
  };
  // As Step Functions does: the context names the execution (Download records it with its claim).
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: handlers as never },
    context: { Execution: { Id: `arn:aws:states:us-east-1:123456789012:express:untxt-ocr:${path}:1` } },
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
  return { states, events };
}

/** What the admission loop starts an admitted run with (`executionInput` of a `resume`). */
const admittedInput = {
  ...taskInput,
  mode: 'sync',
  documentKey: 'k',
  contentType: 'image/png',
  pages: 1,
  resultPrefix: 'results/',
  admission: { leaseId: '00000000-0000-4000-8000-000000000003', waitingSince: '2026-12-06T09:00:00.000Z' },
};

/** Runs the definition along `path`, including the second run of the async and admitted paths. */
export async function countTransitions(path: WorkflowPath): Promise<TransitionCount> {
  const runs = [await run(path, taskInput)];
  if (path === 'async') runs.push(await run(path, { ...taskInput, jobId: 'job-1' }));
  if (path === 'admitted') runs.push(await run(path, admittedInput));
  return {
    path,
    executions: runs.length,
    states: runs.flatMap((r) => r.states),
    events: runs.reduce((sum, r) => sum + r.events, 0),
  };
}
