import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { characterErrorRate, renderTextPng } from '../fixtures/documents.js';
import { startTestHost, type TestHost, type TestUser } from '../helpers/local-host.js';

const LINES = ['Dropped straight into the bucket', 'No API call was made'];

describe('Local platform: S3-drop parity', () => {
  let t: TestHost;
  let user: TestUser;

  beforeAll(async () => {
    t = await startTestHost({ UNTXT_DROP_SCAN_MS: '200' });
    user = await t.register();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('processes a file written straight into the uploads area of a user', async () => {
    // Prepare
    const socket = await t.socket(user.token);
    const dir = join(t.dataDir, 'objects', 'untxt-documents', 'uploads', user.userId, 'inbox');
    await mkdir(dir, { recursive: true });

    // Act
    await writeFile(join(dir, 'dropped note.png'), await renderTextPng(LINES));
    const completed = await socket.waitFor((m) => m.type === 'task_update' && m.status === 'completed');

    // Assess
    const detail = (await (await t.api(user.token, `/tasks/${String(completed.taskId)}`)).json()) as {
      task: { filename: string; source: string; contentType: string };
    };
    expect(detail.task).toMatchObject({
      filename: 'dropped note.png',
      source: 'drop',
      contentType: 'image/png',
    });
    const link = (await (await t.api(user.token, `/tasks/${String(completed.taskId)}/result`)).json()) as {
      url: string;
    };
    expect(characterErrorRate(await (await fetch(link.url)).text(), LINES.join('\n'))).toBeLessThan(0.1);
  });
});
