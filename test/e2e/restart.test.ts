import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../database/connect.js';
import { renderTextPdf } from '../fixtures/documents.js';
import { uploadThroughPresignedPost } from '../helpers/local-host.js';
import { freePort } from '../helpers/free-port.js';

/** Runs `npm start`'s entry point as its own process, as a user would. */
const startProcess = async (env: Record<string, string>): Promise<ChildProcess> => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      if (output.includes('untxt is running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += String(chunk)));
    child.once('exit', (code) => reject(new Error(`host exited with ${code}:\n${output}`)));
  });
  return child;
};

const waitFor = async <T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out waiting for ${what}`);
};

describe('Local platform: nothing lost on restart', () => {
  const children: ChildProcess[] = [];
  let dataDir: string;
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('completes a task exactly once after kill -9 during processing', async () => {
    // Prepare
    dataDir = await mkdtemp(join(tmpdir(), 'untxt-restart-'));
    const port = await freePort();
    const env = { PORT: String(port), UNTXT_DATA_DIR: dataDir, UNTXT_ADMIN_PASSWORD: 'admin-password-1' };
    const base = `http://127.0.0.1:${port}/api`;
    const first = await startProcess(env);
    children.push(first);
    const registered = (await (
      await fetch(`${base}/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'restart@example.com', password: 'correct horse battery' }),
      })
    ).json()) as { token: string };
    const auth = { Authorization: `Bearer ${registered.token}` };
    const pdf = await renderTextPdf([
      ['Page one survives a crash'],
      ['Page two survives a crash'],
      ['Page three survives a crash'],
      ['Page four survives a crash'],
    ]);
    const created = (await (
      await fetch(`${base}/tasks`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ filename: 'crash.pdf', contentType: 'application/pdf', size: pdf.byteLength }),
      })
    ).json()) as { task: { id: string }; upload: { url: string; fields: Record<string, string> } };
    await uploadThroughPresignedPost(created.upload, pdf, 'crash.pdf');
    const statusOf = async () =>
      (
        (await (await fetch(`${base}/tasks/${created.task.id}/status`, { headers: auth })).json()) as {
          status: string;
        }
      ).status;
    await waitFor(async () => ((await statusOf()) === 'processing' ? true : undefined), 30_000, 'processing');

    // Act
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const second = await startProcess(env);
    children.push(second);
    await waitFor(
      async () => ((await statusOf()) === 'completed' ? true : undefined),
      90_000,
      'completed after restart',
    );
    second.kill('SIGTERM');
    await new Promise((resolve) => second.once('exit', resolve));

    // Assess
    const { db, close } = await createDatabase({ dataDir });
    try {
      const completions = await db
        .selectFrom('task_events')
        .select(db.fn.countAll<number>().as('n'))
        .where('task_id', '=', created.task.id)
        .where('to_status', '=', 'completed')
        .executeTakeFirstOrThrow();
      const results = await db
        .selectFrom('results')
        .selectAll()
        .where('task_id', '=', created.task.id)
        .execute();
      expect(Number(completions.n)).toBe(1);
      expect(results).toHaveLength(1);
      expect(results[0]!.text).toMatch(/Page four survives/i);
    } finally {
      await close();
    }
  }, 300_000);
});
