import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
    Recognize: step('Recognize', (i) => ({ ...i, blocksKey: 'k' })),
    RecognizeAsync: step('RecognizeAsync', (i) => ({
      ...(i.Payload as { input: object }).input,
      blocksKey: 'k',
    })),
    WriteResult: step('WriteResult', (i) => ({ taskId: i.taskId })),
    MarkFailed: step('MarkFailed', (i) => i),
    ...overrides,
  };
};

describe('Function: loadDefinition', () => {
  it('substitutes every function ARN of the shared definition', () => {
    // Act
    const definition = loadDefinition(localSubstitutions('us-east-1', '000000000000'));

    // Assess
    expect(definition.StartAt).toBe('Download');
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
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'untxt-sfn-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const create = (handlers: Record<string, StateHandler>) =>
    createLocalWorkflow({
      dir,
      definition: loadDefinition(localSubstitutions('us-east-1', '000000000000')),
      handlers,
      stateMachineArn: ARN,
    });

  it('runs Download → Recognize → WriteResult for a single-page document', async () => {
    // Prepare
    const calls: string[] = [];
    const workflow = await create(recordingHandlers(calls));

    // Act
    const started = await workflow.start(input);
    await workflow.idle();

    // Assess
    expect(started).toEqual({
      executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:${input.taskId}`,
      started: true,
    });
    expect(calls).toEqual(['Download', 'Recognize', 'WriteResult']);
    const record = JSON.parse(await readFile(join(dir, `${input.taskId}.json`), 'utf8')) as {
      status: string;
    };
    expect(record.status).toBe('SUCCEEDED');
  });

  it('takes the async branch with a task token for multi-page documents', async () => {
    // Prepare
    const calls: string[] = [];
    let payload: unknown;
    const workflow = await create(
      recordingHandlers(calls, {
        Download: async (i) => ({ ...(i as object), mode: 'async' }),
        RecognizeAsync: async (i) => {
          payload = i;
          calls.push('RecognizeAsync');
          return { ...(i as { Payload: { input: object } }).Payload.input, blocksKey: 'k' };
        },
      }),
    );

    // Act
    await workflow.start(input);
    await workflow.idle();

    // Assess
    expect(calls).toEqual(['RecognizeAsync', 'WriteResult']);
    expect(payload).toMatchObject({
      Payload: {
        input: { taskId: input.taskId, mode: 'async' },
        taskToken: `local-task-token:${input.taskId}`,
      },
    });
  });

  it('catches a failing step into MarkFailed with the error name and cause', async () => {
    // Prepare
    const calls: string[] = [];
    let failedInput: unknown;
    const workflow = await create(
      recordingHandlers(calls, {
        Download: async () => {
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
    await workflow.start(input);
    await workflow.idle();

    // Assess
    expect(failedInput).toMatchObject({
      taskId: input.taskId,
      error: { Error: 'DocumentRejectedError', Cause: 'ENCRYPTED_PDF: The PDF is password-protected' },
    });
    const record = JSON.parse(await readFile(join(dir, `${input.taskId}.json`), 'utf8')) as {
      status: string;
    };
    expect(record.status).toBe('FAILED');
  });

  it('starts an execution name only once, like a Standard workflow', async () => {
    // Prepare
    const calls: string[] = [];
    const workflow = await create(recordingHandlers(calls));

    // Act
    await workflow.start(input);
    const again = await workflow.start(input);
    const retry = await workflow.start({ ...input, attempt: 2 });
    await workflow.idle();

    // Assess
    expect(again.started).toBe(false);
    expect(retry).toMatchObject({
      started: true,
      executionArn: expect.stringMatching(/:6f1c2a4e-8a1b-4c1d-9e2f-0a1b2c3d4e5f-2$/),
    });
    expect(calls.filter((c) => c === 'WriteResult')).toHaveLength(2);
  });

  it('resumes an execution that was running when the host stopped', async () => {
    // Prepare: a first host stops while Recognize is still working.
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const first = await create(
      recordingHandlers([], {
        Recognize: async (i) => {
          await blocked;
          return { ...(i as object), blocksKey: 'k' };
        },
      }),
    );
    await first.start(input);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = first.close();
    release();
    await closing;
    const calls: string[] = [];
    const second = await create(recordingHandlers(calls));

    // Act
    const resumed = await second.resume();
    await second.idle();

    // Assess
    expect(resumed).toBe(1);
    expect(calls).toEqual(['Download', 'Recognize', 'WriteResult']);
  });
});
