import { request } from 'node:http';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadSlowly } from '../helpers/slow-upload.js';
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

  describe('hostile requests that once answered 500 (issue #9)', () => {
    const expectErrorShape = async (res: Response, status: number, code?: string) => {
      expect(res.status).toBe(status);
      const body = (await res.json()) as ErrorBody;
      expect(body).toEqual({
        error: {
          code: code ?? expect.any(String),
          message: expect.any(String),
          ...(body.error.details ? { details: body.error.details } : {}),
        },
      });
    };

    it.each(['__proto__=x', 'constructor=1', 'toString=', 'hasOwnProperty=1&valueOf=2'])(
      'answers GET /tasks?%s with 400 (an unknown parameter), not 500',
      async (query) => {
        await expectErrorShape(await t.api(user.token, `/tasks?${query}`), 400, 'VALIDATION_ERROR');
      },
    );

    it.each(['/stats', '/tasks/00000000-0000-4000-8000-000000000000'])(
      'ignores prototype-like parameter names on %s, which takes no query',
      async (path) => {
        const res = await t.api(user.token, `${path}?__proto__=x&constructor=1&toString=`);
        expect(res.status).toBeLessThan(500);
        expect([200, 404]).toContain(res.status);
      },
    );

    it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
      'ignores a header named %s',
      async (name) => {
        // Prepare: raw HTTP, as fetch may drop odd header names
        const status = await new Promise<number>((resolve, reject) => {
          const req = request(`${t.url}/api/stats`, {
            headers: { Authorization: `Bearer ${user.token}`, [name]: 'x' },
          });
          req.on('response', (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });

        // Assess
        expect(status).toBe(200);
      },
    );

    it.each(['%00', 'a%00b', '%01', 'tab%09', '%7F', '%C2%9B'])(
      'answers a search text with a control character (q=%s) with 400',
      async (q) => {
        await expectErrorShape(await t.api(user.token, `/tasks?q=${q}`), 400, 'VALIDATION_ERROR');
      },
    );

    it.each([
      ['cognito:groups is a number', { 'cognito:groups': 5 }],
      ['sub is not a string', { sub: 42 }],
      ['sub is not a UUID', { sub: 'admin' }],
      ['email is an object', { email: { address: 'x@example.com' } }],
    ])('answers a signed token whose %s with 401 on REST and WebSocket', async (_label, claims) => {
      // Prepare
      const token = await t.signToken({
        sub: user.userId,
        email: user.email,
        'cognito:groups': [],
        token_use: 'id',
        ...claims,
      });

      // Act
      const rest = await t.api(token, '/tasks', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(valid),
      });
      const socket = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`${t.url.replace('http', 'ws')}/ws?token=${encodeURIComponent(token)}`);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => undefined);
      });

      // Assess
      await expectErrorShape(rest, 401, 'UNAUTHORIZED');
      expect(socket).toBe(401);
    });

    it('answers a JSON body over the route limit with 413 in the API error shape', async () => {
      const res = await post('/tasks', JSON.stringify({ ...valid, filename: 'x'.repeat(2 * 1024 * 1024) }));
      await expectErrorShape(res, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('answers a multipart upload over the 10 MB gateway limit with 413 in the API error shape', async () => {
      // Prepare
      const form = new FormData();
      form.append('file', new Blob([Buffer.alloc(11 * 1024 * 1024)]), 'big.png');

      // Act
      const res = await t.api(user.token, '/tasks', { method: 'POST', body: form });

      // Assess
      await expectErrorShape(res, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('answers 413 to a client still sending an oversized body, and keeps serving', async () => {
      // Prepare: 12 MB declared, written in pieces as over a network
      const total = 12 * 1024 * 1024;

      // Act
      const outcome = await uploadSlowly(
        `${t.url}/api/tasks`,
        { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' },
        total,
      );

      // Assess
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe(413);
      expect(JSON.parse(outcome.body ?? '')).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
      expect((await t.api(undefined, '/health')).status).toBe(200);
    });
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

    it('connects when the query also holds prototype-like names', async () => {
      expect(await connect(`?__proto__=x&constructor=1&token=${encodeURIComponent(user.token)}`)).toBe(101);
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
