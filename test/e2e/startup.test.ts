/**
 * The host listens before every route is wired (it needs the port to know its own URL). A request
 * that arrives in between must get an answer, not hang: load tests and health checks poll the port
 * as soon as it opens.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLocalConfig } from '../../local/config.js';
import { startLocalHost } from '../../local/host.js';
import { freePort } from '../helpers/free-port.js';

describe('Local host: starting', () => {
  it('answers every request while it starts, 503 STARTING until its routes are wired', async () => {
    // Prepare
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'untxt-startup-'));
    const config = loadLocalConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      UNTXT_DATA_DIR: dataDir,
      UNTXT_ADMIN_PASSWORD: 'admin-password-1',
      LOG_LEVEL: 'silent',
    });

    // Act: poll the health route from before the host starts until it answers 200
    const starting = startLocalHost(config);
    const answers: Array<{ status: number; body: string }> = [];
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      try {
        // A request the host leaves unanswered fails here, after 5 s, and fails the test.
        const response = await fetch(`http://127.0.0.1:${port}/api/health`, {
          signal: AbortSignal.timeout(5_000),
        });
        answers.push({ status: response.status, body: await response.text() });
        if (response.status === 200) break;
      } catch (error) {
        if ((error as Error).name === 'TimeoutError')
          throw new Error('A request during startup was never answered');
        // Not listening yet: connection refused.
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const host = await starting;
    await host.close();
    await rm(dataDir, { recursive: true, force: true });

    // Assess
    expect(answers.at(-1)?.status).toBe(200);
    for (const answer of answers.slice(0, -1)) {
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body)).toEqual({
        error: { code: 'STARTING', message: 'untxt is starting; try again in a moment' },
      });
    }
  });
});
