import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDefinition, localSubstitutions } from '../../../../local/stepfunctions/definition.js';
import { createLocalWorkflow, type StateHandler } from '../../../../local/stepfunctions/local-workflow.js';

const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:untxt-ocr';
const input = {
  taskId: '6f1c2a4e-8a1b-4c1d-9e2f-0a1b2c3d4e5f',
  userId: '0b1c2a4e-8a1b-4c1d-9e2f-0a1b2c3d4e5f',
  key: 'uploads/u/x.png',
  attempt: 1,
};

const recordingHandlers = (
  calls: string[],
  overrides: Partial<Record<string, StateHandler>> = {},
): Record<string, StateHandler> => {
  const step = (name: string, out: (i: Record<string, unknown>) => unknown) => async (i: unknown) => {
    calls.push(name);
    return out(i as Record<string, unknown>);
  };
  return {
    Download: step('Download', (i) => ({ ...i, mode: 'sync' })),
    Recognize: step('Recognize', (i) => ({ taskId: i.taskId, status: 'completed' })),
    RecognizeAsync: step('RecognizeAsync', () => ({ jobId: 'job-1', handedOff: false })),
    WriteResult: step('WriteResult', (i) => ({ taskId: i.taskId, status: 'completed' })),
    MarkFailed: step('MarkFailed', (i) => i),
    ...overrides,
  };
};

describe('Function: loadDefinition', () => {
  it('substitutes every function ARN of the shared definition', () => {
    // Act
    const definition = loadDefinition(localSubstitutions('us-east-1', '000000000000'));

    // Assess
    expect(definition.StartAt).toBe('Route');
    expect(JSON.stringify(definition)).not.toMatch(/\$\{/);
    expect(Object.keys(definition.States)).toEqual(
      expect.arrayContaining([
        'Download',
        'ChooseMode',
        'Recognize',
        'RecognizeAsync',
        'WriteResult',
        'MarkFailed',
      ]),
    );
  });

  it('refuses a definition with fields the local runner would silently ignore', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'untxt-asl-'));
    const path = join(dir, 'bad.asl.json');
    await writeFile(
      path,
      JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Assign: { x: 1 }, End: true } } }),
    );

    // Act / Assess
    expect(() => loadDefinition({}, path)).toThrow(/\$\.States\.A\.Assign/);
    await rm(dir, { recursive: true });
  });

  it('refuses an unknown substitution placeholder', () => {
    expect(() => loadDefinition({})).toThrow(/DownloadFunctionArn/);
  });
});

describe('Function: createLocalWorkflow', () => {
  const create = (handlers: Record<string, StateHandler>) =>
    createLocalWorkflow({
      definition: loadDefinition(localSubstitutions('us-east-1', '000000000000')),
      handlers,
      stateMachineArn: ARN,
    });

  it('runs Download → Recognize for a single-page document, under an Express execution ARN', async () => {
    // Prepare
    const calls: string[] = [];
    let downloadInput: unknown;
    const workflow = create(
      recordingHandlers(calls, {
        Download: async (i) => {
          downloadInput = i;
          calls.push('Download');
          return { ...(i as object), mode: 'sync' };
        },
      }),
    );

    // Act
    const started = await workflow.start(input);
    await workflow.idle();

    // Assess
    expect(started.executionArn).toMatch(
      new RegExp(`^arn:aws:states:us-east-1:000000000000:express:untxt-ocr:${input.taskId}:[0-9a-f-]{36}$`),
    );
    expect(calls).toEqual(['Download', 'Recognize']);
    expect(downloadInput).toEqual({ ...input, executionArn: started.executionArn });
  });

  it('ends the run after RecognizeAsync for a multi-page document (a hand-off, not a wait)', async () => {
    // Prepare
    const calls: string[] = [];
    let received: unknown;
    const workflow = create(
      recordingHandlers(calls, {
        Download: async (i) => ({ ...(i as object), mode: 'async', pages: 3 }),
        RecognizeAsync: async (i) => {
          received = i;
          calls.push('RecognizeAsync');
          return { jobId: 'job-1', handedOff: false };
        },
      }),
    );

    // Act
    await workflow.start(input);
    await workflow.idle();

    // Assess
    expect(calls).toEqual(['RecognizeAsync']);
    expect(received).toEqual({
      ...input,
      executionArn: expect.stringMatching(/:express:untxt-ocr:/),
      mode: 'async',
      pages: 3,
    });
  });

  it('routes a run started with a job id straight to WriteResult', async () => {
    // Prepare
    const calls: string[] = [];
    const workflow = create(recordingHandlers(calls));

    // Act
    const started = await workflow.start({ ...input, attempt: 2, jobId: 'job-1' });
    await workflow.idle();

    // Assess
    expect(calls).toEqual(['WriteResult']);
    expect(started.executionArn).toContain(`:${input.taskId}-2-write:`);
  });

  it('ends at once when Download finds that another run owns the task', async () => {
    // Prepare
    const calls: string[] = [];
    const workflow = create(
      recordingHandlers(calls, { Download: async (i) => ({ ...(i as object), mode: 'skip' }) }),
    );

    // Act
    await workflow.start(input);
    await workflow.idle();

    // Assess
    expect(calls).toEqual([]);
  });

  it.each(['Download', 'Recognize', 'WriteResult'])(
    'catches a failing %s into MarkFailed with the error name and cause',
    async (state) => {
      // Prepare
      const calls: string[] = [];
      let failedInput: unknown;
      const workflow = create(
        recordingHandlers(calls, {
          [state]: async () => {
            const error = new Error('ENCRYPTED_PDF: The PDF is password-protected');
            error.name = 'DocumentRejectedError';
            throw error;
          },
          MarkFailed: async (i) => {
            failedInput = i;
            return i;
          },
        }),
      );

      // Act
      await workflow.start(state === 'WriteResult' ? { ...input, jobId: 'job-1' } : input);
      await workflow.idle();

      // Assess
      expect(failedInput).toMatchObject({
        taskId: input.taskId,
        attempt: 1,
        error: { Error: 'DocumentRejectedError', Cause: 'ENCRYPTED_PDF: The PDF is password-protected' },
      });
    },
  );

  it('runs a repeated start again, like an Express workflow', async () => {
    // Prepare
    const calls: string[] = [];
    const workflow = create(recordingHandlers(calls));

    // Act
    const first = await workflow.start(input);
    const again = await workflow.start(input);
    await workflow.idle();

    // Assess
    expect(again.executionArn).not.toBe(first.executionArn);
    expect(calls.filter((c) => c === 'Download')).toHaveLength(2);
  });

  it('refuses new starts after close and waits for the state handler that is running', async () => {
    // Prepare
    let release!: () => void;
    let finished = false;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const workflow = create(
      recordingHandlers([], {
        Recognize: async () => {
          await blocked;
          finished = true;
          return {};
        },
      }),
    );
    await workflow.start(input);
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Act
    const closing = workflow.close();
    release();
    await closing;

    // Assess
    expect(finished).toBe(true);
    await expect(workflow.start(input)).rejects.toThrow('closed');
  });
});
