import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { characterErrorRate, renderTextPdf, renderTextPng } from '../fixtures/documents.js';
import {
  startTestHost,
  uploadThroughPresignedPost,
  type TestHost,
  type TestUser,
} from '../helpers/local-host.js';

const RECEIPT = ['UNTXT TEST RECEIPT', 'Coffee beans 12.50', 'Oat milk 2.20', 'TOTAL 14.70'];
const PDF_PAGES = [
  ['Quarterly report page one', 'Revenue grew by ten percent'],
  ['Second page of the report', 'Costs stayed flat this year'],
  ['Third page with the outlook', 'Hiring starts in the spring'],
];

interface CreatedTask {
  task: { id: string; status: string };
  upload: { url: string; fields: Record<string, string>; method: string };
}

describe('Local platform: upload to text, live, on the production handlers', () => {
  let t: TestHost;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    t = await startTestHost();
    alice = await t.register();
    bob = await t.register();
  });
  afterAll(async () => {
    await t?.stop();
  });

  const createTask = async (user: TestUser, body: Record<string, unknown>) => {
    const res = await t.api(user.token, '/tasks', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as CreatedTask & { error?: { code: string; message: string } },
    };
  };

  const resultText = async (user: TestUser, taskId: string, format = 'txt') => {
    const link = await t.api(user.token, `/tasks/${taskId}/result?format=${format}`);
    expect(link.status).toBe(200);
    const { url } = (await link.json()) as { url: string };
    const file = await fetch(url);
    expect(file.status).toBe(200);
    return { text: await file.text(), contentType: file.headers.get('content-type') };
  };

  it('turns an uploaded PNG into text and pushes queued → processing → completed over the WebSocket', async () => {
    // Prepare
    const png = await renderTextPng(RECEIPT);
    const socket = await t.socket(alice.token);
    const bobSocket = await t.socket(bob.token);

    // Act
    const created = await createTask(alice, {
      filename: 'receipt.png',
      contentType: 'image/png',
      size: png.byteLength,
    });
    expect(created.status).toBe(201);
    expect(created.body.task.status).toBe('awaiting_upload');
    const upload = await uploadThroughPresignedPost(created.body.upload, png, 'receipt.png');
    expect(upload.status).toBe(204);
    const taskId = created.body.task.id;
    await socket.waitFor((m) => m.type === 'task_update' && m.taskId === taskId && m.status === 'completed');

    // Assess
    const statuses = socket.messages
      .filter((m) => m.type === 'task_update' && m.taskId === taskId)
      .map((m) => m.status)
      .filter((s, i, all) => i === 0 || all[i - 1] !== s);
    expect(statuses).toEqual(['queued', 'processing', 'completed']);
    const { text } = await resultText(alice, taskId);
    expect(characterErrorRate(text, RECEIPT.join('\n'))).toBeLessThan(0.1);
    expect(bobSocket.messages.filter((m) => m.taskId === taskId)).toEqual([]);
  });

  it('reads every page of a multi-page PDF in order, reporting each page live, and serves html and json renderings', async () => {
    // Prepare
    const pdf = await renderTextPdf(PDF_PAGES);
    const socket = await t.socket(alice.token);

    // Act
    const created = await createTask(alice, {
      filename: 'report.pdf',
      contentType: 'application/pdf',
      size: pdf.byteLength,
    });
    await uploadThroughPresignedPost(created.body.upload, pdf, 'report.pdf');
    const done = await socket.waitFor(
      (m) => m.taskId === created.body.task.id && (m.status === 'completed' || m.status === 'failed'),
    );

    // Assess
    expect(done.status).toBe('completed');
    const updates = socket.messages.filter(
      (m) => m.type === 'task_update' && m.taskId === created.body.task.id,
    );
    const pageReports = updates.map((m) => m.progressMessage).filter((m) => typeof m === 'string');
    // The first and the last page are always reported; the second may fall inside the report interval.
    expect(pageReports[0]).toBe('Recognizing 3 pages');
    expect(pageReports).toContain('Recognized 1 of 3 pages');
    expect(pageReports.at(-1)).toBe('Recognized 3 of 3 pages');
    const progress = updates.map((m) => m.progress as number);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(updates.find((m) => m.progressMessage === 'Recognized 3 of 3 pages')?.progress).toBe(95);
    expect(done).toMatchObject({ progress: 100, progressMessage: null });
    const { text } = await resultText(alice, created.body.task.id);
    expect(characterErrorRate(text, PDF_PAGES.flat().join('\n'))).toBeLessThan(0.1);
    const html = await resultText(alice, created.body.task.id, 'html');
    expect(html.contentType).toMatch(/text\/html/);
    expect(html.text).toMatch(/data-page="3"/);
    const json = JSON.parse((await resultText(alice, created.body.task.id, 'json')).text) as {
      DocumentMetadata: { Pages: number };
    };
    expect(json.DocumentMetadata.Pages).toBe(3);
    const detail = (await (await t.api(alice.token, `/tasks/${created.body.task.id}`)).json()) as {
      task: { pages: number; result: { pages: number; words: number } };
    };
    expect(detail.task.pages).toBe(3);
    expect(detail.task.result.words).toBeGreaterThan(10);
  });

  it('finds completed tasks by full-text search and counts them in the stats', async () => {
    // Act
    const res = await t.api(alice.token, '/tasks?q=revenue');
    const body = (await res.json()) as { items: Array<{ filename: string }>; stats: { completed: number } };

    // Assess
    expect(res.status).toBe(200);
    expect(body.items.map((i) => i.filename)).toEqual(['report.pdf']);
    expect(body.stats.completed).toBeGreaterThanOrEqual(2);
  });

  it("answers 404 on every route for another user's task", async () => {
    // Prepare
    const list = (await (await t.api(alice.token, '/tasks')).json()) as { items: Array<{ id: string }> };
    const id = list.items[0]!.id;
    const routes: Array<[string, string]> = [
      ['GET', `/tasks/${id}`],
      ['GET', `/tasks/${id}/status`],
      ['GET', `/tasks/${id}/result`],
      ['GET', `/tasks/${id}/download`],
      ['DELETE', `/tasks/${id}`],
      ['POST', `/tasks/${id}/restore`],
      ['POST', `/tasks/${id}/retry`],
    ];

    // Act
    const statuses = await Promise.all(
      routes.map(async ([method, path]) => (await t.api(bob.token, path, { method })).status),
    );

    // Assess
    expect(statuses).toEqual(routes.map(() => 404));
    expect((await t.api(alice.token, `/tasks/${id}`)).status).toBe(200);
  });

  it('marks a spoofed upload (text declared as PNG) failed with UNSUPPORTED_TYPE and keeps serving', async () => {
    // Prepare
    const bytes = new TextEncoder().encode('this is not an image at all, just text pretending');
    const socket = await t.socket(alice.token);

    // Act
    const created = await createTask(alice, {
      filename: 'fake.png',
      contentType: 'image/png',
      size: bytes.byteLength,
    });
    await uploadThroughPresignedPost(created.body.upload, bytes, 'fake.png');
    const failed = await socket.waitFor((m) => m.taskId === created.body.task.id && m.status === 'failed');

    // Assess
    expect(failed.error).toMatchObject({ code: 'UNSUPPORTED_TYPE' });
    expect((await t.api(undefined, '/health')).status).toBe(200);
  });

  it('retries a failed task as a new attempt, and refuses to retry one that has not failed', async () => {
    // Prepare
    const failed = (await (await t.api(alice.token, '/tasks?status=failed')).json()) as {
      items: Array<{ id: string; attempts: number }>;
    };
    const completed = (await (await t.api(alice.token, '/tasks?status=completed')).json()) as {
      items: Array<{ id: string }>;
    };
    const id = failed.items[0]!.id;
    const socket = await t.socket(alice.token);

    // Act
    const retried = await t.api(alice.token, `/tasks/${id}/retry`, { method: 'POST' });
    const again = await socket.waitFor((m) => m.taskId === id && m.status === 'failed');
    const refused = await t.api(alice.token, `/tasks/${completed.items[0]!.id}/retry`, { method: 'POST' });

    // Assess
    expect(retried.status).toBe(202);
    const task = ((await retried.json()) as { task: { status: string; attempts: number } }).task;
    expect(task.attempts).toBe(failed.items[0]!.attempts + 1);
    expect(['queued', 'processing', 'failed']).toContain(task.status);
    expect(again.error).toMatchObject({ code: 'UNSUPPORTED_TYPE' });
    expect(refused.status).toBe(409);
  });

  it('soft-deletes a task and restores it', async () => {
    // Prepare
    const list = (await (await t.api(alice.token, '/tasks?status=completed')).json()) as {
      items: Array<{ id: string }>;
    };
    const id = list.items[0]!.id;

    // Act
    const deleted = await t.api(alice.token, `/tasks/${id}`, { method: 'DELETE' });
    const hidden = (await (await t.api(alice.token, '/tasks')).json()) as { items: Array<{ id: string }> };
    const trash = (await (await t.api(alice.token, '/tasks?deleted=true')).json()) as {
      items: Array<{ id: string }>;
    };
    const restored = await t.api(alice.token, `/tasks/${id}/restore`, { method: 'POST' });

    // Assess
    expect(deleted.status).toBe(200);
    expect(hidden.items.map((i) => i.id)).not.toContain(id);
    expect(trash.items.map((i) => i.id)).toContain(id);
    expect(restored.status).toBe(200);
    expect(
      ((await (await t.api(alice.token, '/tasks')).json()) as { items: Array<{ id: string }> }).items.map(
        (i) => i.id,
      ),
    ).toContain(id);
  });
});
