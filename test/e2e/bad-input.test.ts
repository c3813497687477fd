import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corruptPdf, encryptedPdf, makePngBomb, renderTextPng } from '../fixtures/documents.js';
import {
  startTestHost,
  uploadThroughPresignedPost,
  type TestHost,
  type TestUser,
} from '../helpers/local-host.js';

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

describe('Local platform: bad input gets a clear 4xx or a failed task, never a 500', () => {
  let t: TestHost;
  let user: TestUser;

  beforeAll(async () => {
    t = await startTestHost();
    user = await t.register();
  });
  afterAll(async () => {
    await t?.stop();
  });

  const post = (
    path: string,
    body: string,
    contentType = 'application/json',
    token: string | undefined = user.token,
  ) => t.api(token, path, { method: 'POST', headers: { 'Content-Type': contentType }, body });

  const createTask = (fields: Record<string, unknown>) => post('/tasks', JSON.stringify(fields));
  const valid = { filename: 'doc.png', contentType: 'image/png', size: 1000 };

  it.each([
    ['malformed JSON', '{"filename":', 400, 'VALIDATION_ERROR'],
    ['an unknown field', JSON.stringify({ ...valid, owner: 'someone-else' }), 400, 'VALIDATION_ERROR'],
    ['a missing field', JSON.stringify({ filename: 'a.png', size: 3 }), 400, 'VALIDATION_ERROR'],
    [
      'an unsupported type',
      JSON.stringify({ ...valid, contentType: 'application/x-msdownload' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['a file over 50 MB', JSON.stringify({ ...valid, size: 50 * 1024 * 1024 + 1 }), 413, 'PAYLOAD_TOO_LARGE'],
    ['a zero-byte file', JSON.stringify({ ...valid, size: 0 }), 400, 'VALIDATION_ERROR'],
    [
      'path traversal in the name',
      JSON.stringify({ ...valid, filename: '../../etc/passwd' }),
      400,
      'VALIDATION_ERROR',
    ],
    [
      'control characters in the name',
      JSON.stringify({ ...valid, filename: 'a\u0007b.png' }),
      400,
      'VALIDATION_ERROR',
    ],
    ['an invalid priority', JSON.stringify({ ...valid, priority: 'urgent' }), 400, 'VALIDATION_ERROR'],
  ])('POST /tasks with %s → %i', async (_label, body, status, code) => {
    // Act
    const res = await post('/tasks', body);

    // Assess
    expect(res.status).toBe(status);
    expect(((await res.json()) as ErrorBody).error.code).toBe(code);
  });

  it('rejects a batch with one bad entry without creating any task', async () => {
    // Prepare
    const before = ((await (await t.api(user.token, '/stats')).json()) as { total: number }).total;

    // Act
    const res = await post(
      '/tasks/batch',
      JSON.stringify({ files: [valid, { ...valid, filename: 'a/b.png' }] }),
    );

    // Assess
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.message).toMatch(/files\[1\]/);
    expect(((await (await t.api(user.token, '/stats')).json()) as { total: number }).total).toBe(before);
  });

  it('rejects requests without or with a forged token with 401', async () => {
    expect((await t.api(undefined, '/tasks')).status).toBe(401);
    expect((await t.api(`${user.token.slice(0, -4)}AAAA`, '/tasks')).status).toBe(401);
  });

  it.each([
    ['/tasks?limit=1000', 400],
    ['/tasks?status=done', 400],
    ['/tasks?cursor=not-a-cursor', 400],
    ['/tasks?sort=evil', 400],
    ['/tasks/not-a-uuid', 404],
    ['/tasks/00000000-0000-4000-8000-000000000000', 404],
    ['/nothing-here', 404],
  ])('GET %s → %i', async (path, status) => {
    const res = await t.api(user.token, path);
    expect(res.status).toBe(status);
    expect(((await res.json()) as ErrorBody).error.code).toEqual(expect.any(String));
  });

  it('answers 405 for a known path with the wrong method', async () => {
    expect((await t.api(user.token, '/stats', { method: 'DELETE' })).status).toBe(405);
  });

  it('answers 409 for the result of a task that has not completed', async () => {
    // Prepare
    const created = (await (await createTask(valid)).json()) as { task: { id: string } };

    // Act
    const res = await t.api(user.token, `/tasks/${created.task.id}/result?format=txt`);

    // Assess
    expect(res.status).toBe(409);
    expect((await t.api(user.token, `/tasks/${created.task.id}/result?format=pdf`)).status).toBe(400);
  });

  describe('multipart uploads', () => {
    const multipart = (bytes: Uint8Array, filename: string) => {
      const form = new FormData();
      form.append('file', new Blob([Buffer.from(bytes)]), filename);
      return t.api(user.token, '/tasks', { method: 'POST', body: form });
    };

    it('accepts a small PNG sent with curl -F and queues it', async () => {
      const res = await multipart(await renderTextPng(['Inline upload']), 'inline.png');
      expect(res.status).toBe(201);
      expect(((await res.json()) as { task: { contentType: string } }).task.contentType).toBe('image/png');
    });

    it('refuses an executable named like a PDF with 415, judged by its bytes', async () => {
      const res = await multipart(
        Buffer.concat([Buffer.from('MZ\x90\x00'), Buffer.alloc(200)]),
        'invoice.pdf',
      );
      expect(res.status).toBe(415);
    });

    it('refuses an empty file with 400 and a file over 4 MB with 413', async () => {
      expect((await multipart(new Uint8Array(0), 'empty.png')).status).toBe(400);
      expect((await multipart(new Uint8Array(4 * 1024 * 1024 + 10), 'big.png')).status).toBe(413);
    });
  });

  describe('presigned POST uploads', () => {
    it('refuses a different content type or an empty file and stores nothing', async () => {
      // Prepare
      const created = (await (await createTask(valid)).json()) as {
        task: { id: string };
        upload: { url: string; fields: Record<string, string> };
      };

      // Act
      const wrongType = await uploadThroughPresignedPost(
        { ...created.upload, fields: { ...created.upload.fields, 'Content-Type': 'text/html' } },
        new Uint8Array(10),
        'doc.png',
      );
      const empty = await uploadThroughPresignedPost(created.upload, new Uint8Array(0), 'doc.png');

      // Assess
      expect(wrongType.status).toBe(403);
      expect(empty.status).toBe(400);
      const status = (await (await t.api(user.token, `/tasks/${created.task.id}/status`)).json()) as {
        status: string;
      };
      expect(status.status).toBe('awaiting_upload');
    });

    it.each([
      ['a corrupt PDF', 'application/pdf', () => corruptPdf(), 'CORRUPT_DOCUMENT'],
      ['an encrypted PDF', 'application/pdf', () => encryptedPdf(), 'ENCRYPTED_PDF'],
      ['an image bomb', 'image/png', () => makePngBomb(50_000, 50_000), 'IMAGE_TOO_LARGE'],
      ['a PNG declared as JPEG', 'image/jpeg', () => renderTextPng(['spoofed']), 'TYPE_MISMATCH'],
    ])('fails %s with %s', async (_label, contentType, make, code) => {
      // Prepare
      const bytes = await make();
      const socket = await t.socket(user.token);
      const created = (await (
        await createTask({ filename: 'doc', contentType, size: bytes.byteLength })
      ).json()) as {
        task: { id: string };
        upload: { url: string; fields: Record<string, string> };
      };

      // Act
      expect((await uploadThroughPresignedPost(created.upload, bytes, 'doc')).status).toBe(204);
      const failed = await socket.waitFor((m) => m.taskId === created.task.id && m.status === 'failed');

      // Assess
      expect(failed.error).toMatchObject({ code });
      const detail = (await (await t.api(user.token, `/tasks/${created.task.id}`)).json()) as {
        task: { error: { code: string; message: string } };
      };
      expect(detail.task.error.code).toBe(code);
      expect(detail.task.error.message).not.toMatch(/at .*\.ts:\d+/);
    });
  });

  describe('WebSocket', () => {
    const connect = (query: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${t.url.replace('http', 'ws')}/ws${query}`);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => undefined);
      });

    it('refuses a connection without a token or with a bad one', async () => {
      expect(await connect('')).toBe(401);
      expect(await connect('?token=garbage')).toBe(401);
    });

    it('answers ping with pong and bad messages with an error, and stays open', async () => {
      // Prepare
      const socket = await t.socket(user.token);

      // Act
      socket.raw.send('not json');
      socket.send({ action: 'launch-missiles' });
      socket.send({ action: 'subscribe', taskIds: ['../../etc'] });
      socket.send({ action: 'ping' });
      await socket.waitFor((m) => m.type === 'pong');

      // Assess
      const errors = socket.messages.filter((m) => m.type === 'error').map((m) => m.code);
      expect(errors).toEqual(
        expect.arrayContaining(['INVALID_MESSAGE', 'UNKNOWN_ACTION', 'VALIDATION_ERROR']),
      );
      expect(socket.raw.readyState).toBe(WebSocket.OPEN);
    });
  });
});
