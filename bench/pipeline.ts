/**
 * Pipeline overhead per single-page task: from the upload's response to the `completed` push on the
 * WebSocket, minus the time spent inside OCR. Runs the real local host.
 *
 *   npm run bench -- pipeline [--tasks 30]
 */
import '../local/polyfills.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { loadLocalConfig } from '../local/config.js';
import { startLocalHost } from '../local/host.js';
import type { TextDetector } from '../lambdas/core/ports.js';
import { renderTextPng } from '../test/fixtures/documents.js';
import { percentile, printTable } from './table.js';

export const runPipelineBench = async (tasks: number) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'untxt-bench-'));
  const ocrMs = new Map<string, number>();
  const host = await startLocalHost(
    loadLocalConfig({
      PORT: '0',
      UNTXT_DATA_DIR: dataDir,
      UNTXT_ADMIN_PASSWORD: 'bench-password',
      LOG_LEVEL: 'silent',
    }),
    {
      wrapDetector: (detector): TextDetector => ({
        async detectDocumentText(input) {
          const start = performance.now();
          try {
            return await detector.detectDocumentText(input);
          } finally {
            ocrMs.set(input.key.split('/')[2] ?? input.key, performance.now() - start);
          }
        },
      }),
    },
  );
  const base = `http://127.0.0.1:${host.port}/api`;
  try {
    const { token } = (await (
      await fetch(`${base}/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'bench@example.com', password: 'bench-password' }),
      })
    ).json()) as { token: string };
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${token}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const completed = new Map<string, (at: number) => void>();
    /** When each task's first `queued` and `processing` pushes arrived. */
    const seen = new Map<string, { queued?: number; processing?: number }>();
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; taskId: string; status: string };
      if (message.type !== 'task_update') return;
      const now = performance.now();
      const marks = seen.get(message.taskId) ?? {};
      if (message.status === 'queued' || message.status === 'processing') marks[message.status] ??= now;
      seen.set(message.taskId, marks);
      if (message.status === 'completed' || message.status === 'failed') completed.get(message.taskId)?.(now);
    });
    const png = await renderTextPng(['Invoice 2026-0042', 'Widget x 3    29.97', 'Total due      29.97']);

    const rows: Array<{
      total: number;
      ocr: number;
      overhead: number;
      toQueued: number;
      toProcessing: number;
      toCompleted: number;
    }> = [];
    for (let i = 0; i < tasks + 2; i++) {
      const created = (await (
        await fetch(`${base}/tasks`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ filename: `page-${i}.png`, contentType: 'image/png', size: png.byteLength }),
        })
      ).json()) as { task: { id: string }; upload: { url: string; fields: Record<string, string> } };
      const done = new Promise<number>((resolve) => completed.set(created.task.id, resolve));
      const form = new FormData();
      for (const [k, v] of Object.entries(created.upload.fields)) form.append(k, v);
      form.append('file', new Blob([new Uint8Array(png)]), `page-${i}.png`);
      await fetch(created.upload.url, { method: 'POST', body: form });
      const uploaded = performance.now();
      const finished = await done;
      const uploadId = created.upload.fields.key!.split('/')[2]!;
      const ocr = ocrMs.get(uploadId) ?? 0;
      const marks = seen.get(created.task.id) ?? {};
      const queuedAt = marks.queued ?? uploaded;
      const processingAt = marks.processing ?? queuedAt;
      // The first two warm up the OCR workers and the JIT; they are not counted.
      if (i >= 2)
        rows.push({
          total: finished - uploaded,
          ocr,
          overhead: finished - uploaded - ocr,
          toQueued: queuedAt - uploaded,
          toProcessing: processingAt - queuedAt,
          toCompleted: finished - processingAt - ocr,
        });
    }
    ws.close();
    const fmt = (n: number) => n.toFixed(1);
    printTable(
      `Pipeline overhead per single-page task (${tasks} tasks, sequential, local host)`,
      ['metric', 'median ms', 'p95 ms'],
      (['total', 'ocr', 'overhead', 'toQueued', 'toProcessing', 'toCompleted'] as const).map((key) => [
        {
          total: 'upload → completed pushed',
          ocr: 'inside OCR',
          overhead: 'overhead (total − OCR)',
          toQueued: '  of which: upload → queued pushed (queue, dispatcher)',
          toProcessing: '  queued → processing pushed (execution start, Download claims)',
          toCompleted: '  processing → completed pushed, minus OCR (inspection, storing)',
        }[key],
        fmt(
          percentile(
            rows.map((r) => r[key]),
            50,
          ),
        ),
        fmt(
          percentile(
            rows.map((r) => r[key]),
            95,
          ),
        ),
      ]),
    );
    return rows;
  } finally {
    await host.close();
    await rm(dataDir, { recursive: true, force: true });
  }
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--tasks');
  const tasks = at > 0 ? Number(process.argv[at + 1]) : 30;
  if (!Number.isInteger(tasks) || tasks < 1) {
    console.error('--tasks must be a positive integer');
    process.exit(2);
  }
  await runPipelineBench(tasks);
  console.log(`\nReproduce: npm run bench -- pipeline --tasks ${tasks}`);
}
