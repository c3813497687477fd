import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createFakeOcrEngine, createTextractSimulator } from '../../../local/textract-simulator.js';
import { makePdf } from '../../fixtures/documents.js';

const detected = { DocumentMetadata: { Pages: 1 }, Blocks: [] };

describe('Function: createTextractSimulator', () => {
  it('answers calls over the sync TPS quota with ProvisionedThroughputExceededException', async () => {
    // Prepare
    let now = 1_000;
    const simulator = createTextractSimulator({ quotas: { syncTps: 2 }, now: () => now });
    const inner = { detectDocumentText: vi.fn(async () => detected) };
    const detector = simulator.wrapDetector(inner);
    const call = () => detector.detectDocumentText({ key: 'k', contentType: 'image/png' });

    // Act
    await call();
    await call();
    const third = call();

    // Assess
    await expect(third).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(inner.detectDocumentText).toHaveBeenCalledTimes(2);
    expect(simulator.throttled()).toBe(1);
    now += 1_000;
    await expect(call()).resolves.toEqual(detected);
  });

  it('answers a start beyond the concurrent-job quota with LimitExceededException until a job ends', async () => {
    // Prepare
    const simulator = createTextractSimulator({ quotas: { maxConcurrentJobs: 1, asyncStartTps: 100 } });
    const jobs = simulator.wrapJobs({
      start: vi.fn(
        async (_input: { key: string; taskId: string; attempt: number; outputPrefix: string }) => 'job',
      ),
    });
    const start = () => jobs.start({ key: 'k', taskId: 't', attempt: 1, outputPrefix: 'p' });
    await start();

    // Act
    const second = start();

    // Assess
    await expect(second).rejects.toMatchObject({ name: 'LimitExceededException' });
    simulator.jobEnded('k');
    await expect(start()).resolves.toBe('job');
  });

  it('logs every call as a JSON line, throttled ones with their error name', async () => {
    // Prepare
    const log = join(await mkdtemp(join(tmpdir(), 'untxt-sim-')), 'calls.jsonl');
    const simulator = createTextractSimulator({ quotas: { syncTps: 1 }, log, now: () => 5 });
    const detector = simulator.wrapDetector({ detectDocumentText: async () => detected });

    // Act
    await detector.detectDocumentText({ key: 'a', contentType: 'image/png' });
    await detector.detectDocumentText({ key: 'b', contentType: 'image/png' }).catch(() => undefined);

    // Assess
    const lines = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { t: 5, op: 'DetectDocumentText', outcome: 'ok', key: 'a', inFlight: 1 },
      { t: 5, op: 'DetectDocumentText.end', key: 'a' },
      {
        t: 5,
        op: 'DetectDocumentText',
        outcome: 'ProvisionedThroughputExceededException',
        key: 'b',
        inFlight: 0,
      },
    ]);
  });
});

describe('Function: createFakeOcrEngine', () => {
  it('answers in Textract’s shape with one line per page, for every page of the document', async () => {
    // Prepare
    const engine = createFakeOcrEngine({ pageMs: 0 });
    const pdf = await makePdf(3);

    // Act
    const result = await engine.detectDocumentText(pdf, 'application/pdf');

    // Assess
    expect(result.DocumentMetadata.Pages).toBe(3);
    const lines = result.Blocks.filter((block) => block.BlockType === 'LINE').map((block) => block.Text);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^untxt simulated text page 3 of [0-9a-f]{12}$/);
    expect(result.Blocks.filter((block) => block.BlockType === 'PAGE').map((block) => block.Page)).toEqual([
      1, 2, 3,
    ]);
  });
});
