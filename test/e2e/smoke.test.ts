/**
 * The smoke test's request sequence (`npm run smoke`, scripts/smoke/run-smoke.ts) against the local
 * host: what a user runs after `cdk deploy` must pass here first, with real OCR.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTarget } from '../../scripts/smoke/local-target.js';
import { runSmoke, SmokeError } from '../../scripts/smoke/run-smoke.js';
import { renderTextPng } from '../fixtures/documents.js';
import { startTestHost, type TestHost } from '../helpers/local-host.js';

describe('Script: smoke', () => {
  let host: TestHost;
  let document: { bytes: Uint8Array; filename: string; contentType: string };

  beforeAll(async () => {
    host = await startTestHost();
    document = {
      bytes: await renderTextPng(['UNTXT SMOKE TEST', 'Invoice 2041', 'Total 42.00']),
      filename: 'untxt-smoke.png',
      contentType: 'image/png',
    };
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('signs in, uploads, hears completed on the socket, reads the text and deletes the task', async () => {
    // Prepare
    const target = localTarget(host.url);

    // Act
    const steps = await runSmoke(
      target,
      { ...document, expectWords: ['smoke', 'invoice'] },
      { timeoutMs: 60_000 },
    );

    // Assess
    expect(steps.map((step) => step.name)).toEqual([
      'sign in',
      'open the WebSocket',
      'create the task',
      'upload through the presigned POST',
      'wait for completed on the WebSocket',
      'download the text',
      'delete the task',
    ]);
    const taskId = steps.find((step) => step.name === 'create the task')!.detail!;
    const task = await host.host.database.db
      .selectFrom('tasks')
      .select(['status', 'deleted_at'])
      .where('id', '=', taskId)
      .executeTakeFirstOrThrow();
    expect(task.status).toBe('completed');
    expect(task.deleted_at).not.toBeNull();
  });

  it('names the step and the reason when the text is not what was sent', async () => {
    // Prepare
    const target = localTarget(host.url);

    // Act
    const run = runSmoke(target, { ...document, expectWords: ['zebra'] }, { timeoutMs: 60_000 });

    // Assess
    await expect(run).rejects.toBeInstanceOf(SmokeError);
    await expect(run).rejects.toThrow(/^download the text: the text lacks zebra/);
  });
});
