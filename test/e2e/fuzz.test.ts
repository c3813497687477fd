/**
 * Property-based fuzzing of the real local host (`npm start`'s platform on an ephemeral port): the
 * same generated REST requests as the in-process suite, over HTTP through the local API gateway and
 * its Cognito-like authorizer, plus WebSocket sessions with real frames (ping, subscribe, junk,
 * binary and frames over the 128 KB limit). A smaller budget than in-process: each case is a real
 * round trip. Budgets and replay: test/helpers/fuzz/settings.ts.
 */
import { request } from 'node:http';
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkResponse,
  createdTaskIds,
  resolveRequest,
  type WorldView,
} from '../helpers/fuzz/api-properties.js';
import {
  hostileJson,
  hostileString,
  materializeBody,
  operationsOf,
  requestArbitrary,
  type FuzzRequest,
  type OpenApiDocument,
  type Owner,
} from '../helpers/fuzz/requests.js';
import { CaseCounter, fuzzBudget, fuzzParameters } from '../helpers/fuzz/settings.js';
import { startTestHost, type TestHost } from '../helpers/local-host.js';

const restBudget = fuzzBudget({ runs: 80, share: 0.1, msPerCase: 100 });
const socketBudget = fuzzBudget({ runs: 12, share: 0.01, msPerCase: 400 });

/** One HTTP round trip with exactly these headers (fetch would add, drop or normalize some). */
function send(
  url: string,
  method: string,
  path: string,
  headers: Array<[string, string]>,
  body: Buffer,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // Raw header pairs keep odd names as sent, but then node adds neither Host nor the body's length.
    const flat: string[] = ['Host', new URL(url).host, ...headers.flat()];
    if (body.length > 0) flat.push('Content-Length', String(body.length));
    const req = request(`${url}${path}`, { method, headers: flat }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body.length > 0 ? body : undefined);
  });
}

const wellFormed = (value: string) => Buffer.from(value, 'utf8').toString('utf8');

describe('Local platform: fuzzed requests and sockets never get a 5xx or another user’s data', () => {
  let t: TestHost;
  let world: WorldView;
  const tokens = {} as Record<Owner, string>;
  const restCounter = new CaseCounter('rest-local-host');
  const socketCounter = new CaseCounter('ws-local-host');
  const durations = { rest: 0, socket: 0 };

  beforeAll(async () => {
    t = await startTestHost({ UNTXT_OCR_ENGINE: 'fake', UNTXT_FAKE_OCR_PAGE_MS: '0' });
    const user = await t.register();
    const other = await t.register();
    const login = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'admin@untxt.local', password: 'admin-password-1' }),
    });
    const admin = (await login.json()) as { token: string; user: { id: string; email: string } };
    tokens.user = user.token;
    tokens.other = other.token;
    tokens.admin = admin.token;
    world = {
      users: {
        user: { userId: user.userId, email: user.email },
        other: { userId: other.userId, email: other.email },
        admin: { userId: admin.user.id, email: admin.user.email },
      },
      tasks: { user: [], other: [], admin: [] },
      markers: {
        user: new Set([user.userId, user.email]),
        other: new Set([other.userId, other.email]),
        admin: new Set([admin.user.id, admin.user.email]),
      },
    };
    // Each owner gets tasks named with a marker only they may see.
    for (const owner of ['user', 'other', 'admin'] as const) {
      for (let i = 0; i < 3; i += 1) {
        const filename = `secret-${owner}-${world.users[owner].userId.slice(0, 8)}-${i}.pdf`;
        const res = await t.api(tokens[owner], '/tasks', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ filename, contentType: 'application/pdf', size: 1000 }),
        });
        const [id] = createdTaskIds(await res.text());
        world.tasks[owner].push(id!);
        world.markers[owner].add(id!).add(filename);
      }
    }
  });
  afterAll(async () => {
    restCounter.report({ seed: restBudget.seed, durationMs: durations.rest });
    socketCounter.report({ seed: socketBudget.seed, durationMs: durations.socket });
    await t?.stop();
  });

  const tokenFor = async (fuzz: FuzzRequest): Promise<string | undefined> => {
    if (fuzz.persona === 'anonymous') return undefined;
    if (fuzz.persona === 'odd-claims') return t.signToken({ token_use: 'id', ...fuzz.claims });
    return tokens[fuzz.persona];
  };

  it(
    'answers every generated request below 500, in the error shape, and never with another user’s data',
    async () => {
      // Prepare
      const document = (await (await fetch(`${t.url}/api/openapi.json`)).json()) as OpenApiDocument;
      const operations = operationsOf(document);
      const started = Date.now();

      // Act & Assess
      await fc.assert(
        fc.asyncProperty(requestArbitrary(operations, 'http'), async (fuzz) => {
          restCounter.count(fuzz.route);
          const resolved = resolveRequest(world, fuzz);
          const query = fuzz.query
            .map(
              ([name, value]) =>
                `${encodeURIComponent(wellFormed(name))}=${encodeURIComponent(wellFormed(value))}`,
            )
            .join('&');
          const { bytes, contentType } = materializeBody(fuzz);
          const token = await tokenFor(fuzz);
          const headers: Array<[string, string]> = [
            ...(token ? ([['Authorization', `Bearer ${token}`]] as Array<[string, string]>) : []),
            ...(contentType
              ? ([['Content-Type', wellFormed(contentType).replace(/[^\t\x20-\x7e]/g, '')]] as Array<
                  [string, string]
                >)
              : []),
            ...fuzz.headers,
          ];
          const target = `/api${resolved.path}`;
          const response = await send(
            t.url,
            fuzz.method,
            `${target}${query ? `?${query}` : ''}`,
            headers,
            bytes,
          );
          // A path like `/api/..` is normalized out of the API (the web console answers it): only
          // the status is the API's business there.
          const pathname = new URL(target, t.url).pathname;
          if (pathname !== '/api' && !pathname.startsWith('/api/')) {
            if (response.status >= 500) throw new Error(`${target} answered ${response.status}`);
            return;
          }
          checkResponse(world, fuzz, resolved, response);
          if (
            response.status === 201 &&
            fuzz.route.startsWith('POST /tasks') &&
            fuzz.persona !== 'anonymous' &&
            fuzz.persona !== 'odd-claims'
          )
            for (const id of createdTaskIds(response.body)) {
              world.tasks[fuzz.persona].push(id);
              world.markers[fuzz.persona].add(id);
            }
        }),
        fuzzParameters(restBudget),
      );
      durations.rest = Date.now() - started;

      // Assess: the host keeps serving
      expect((await fetch(`${t.url}/api/health`)).status).toBe(200);
    },
    restBudget.timeoutMs,
  );

  type Frame =
    | { kind: 'ping' }
    | { kind: 'subscribe'; ids: Array<{ owner: Owner; index: number } | string> }
    | { kind: 'json'; value: unknown }
    | { kind: 'text'; text: string }
    | { kind: 'binary'; bytes: number[] }
    | { kind: 'oversized' };

  const frame: fc.Arbitrary<Frame> = fc.oneof(
    { weight: 3, arbitrary: fc.constant({ kind: 'ping' as const }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('subscribe' as const),
        ids: fc.array(
          fc.oneof(
            fc.record({ owner: fc.constantFrom<Owner>('user', 'other', 'admin'), index: fc.nat(5) }),
            hostileString(40),
          ),
          { maxLength: 5 },
        ),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('json' as const), value: hostileJson() }) },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('text' as const), text: hostileString(100).map(wellFormed) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('binary' as const),
        bytes: fc.array(fc.nat(255), { maxLength: 32 }),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'oversized' as const }) },
  );

  it(
    'keeps every socket session within its contract, closes oversized frames with 1009 and keeps serving',
    async () => {
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom<Owner>('user', 'other'),
          fc.array(frame, { minLength: 1, maxLength: 6 }),
          async (owner, frames) => {
            socketCounter.count(`session (${owner})`);
            const socket = await t.socket(tokens[owner]);
            let closedWith: number | undefined;
            socket.raw.on('close', (code) => (closedWith = code));
            let oversized = false;
            for (const item of frames) {
              socketCounter.count(`frame: ${item.kind}`);
              if (socket.raw.readyState !== WebSocket.OPEN) break;
              switch (item.kind) {
                case 'ping':
                  socket.send({ action: 'ping' });
                  break;
                case 'subscribe':
                  socket.send({
                    action: 'subscribe',
                    taskIds: item.ids.map((id) =>
                      typeof id === 'string'
                        ? id
                        : world.tasks[id.owner][id.index % world.tasks[id.owner].length],
                    ),
                  });
                  break;
                case 'json':
                  socket.raw.send(JSON.stringify(item.value) ?? 'null');
                  break;
                case 'text':
                  socket.raw.send(item.text);
                  break;
                case 'binary':
                  socket.raw.send(Buffer.from(item.bytes), { binary: true });
                  break;
                case 'oversized':
                  oversized = true;
                  socket.raw.send(JSON.stringify({ action: 'ping', pad: 'x'.repeat(130 * 1024) }));
                  break;
              }
            }
            // A last ping tells when everything before it was answered (or the socket closed).
            if (socket.raw.readyState === WebSocket.OPEN) {
              socket.send({ action: 'ping', marker: 'last' });
              await Promise.race([
                socket.waitFor(
                  (m) =>
                    m.type === 'pong' &&
                    socket.messages.filter((x) => x.type === 'pong').length >=
                      frames.filter((f) => f.kind === 'ping').length + 1,
                  10_000,
                ),
                new Promise((resolve) => socket.raw.once('close', resolve)),
              ]).catch(() => undefined);
            } else {
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
            const own = new Set(world.tasks[owner]);
            for (const message of socket.messages) {
              if (!['pong', 'subscribed', 'error', 'task_update', 'db_change'].includes(String(message.type)))
                throw new Error(`unknown message ${JSON.stringify(message)}`);
              if (message.code === 'INTERNAL_ERROR' || 'requestId' in message)
                throw new Error(`an internal error for a client frame: ${JSON.stringify(message)}`);
              for (const id of (message.taskIds as string[] | null | undefined) ?? [])
                if (!own.has(id)) throw new Error(`subscribed to another user's task ${id}`);
            }
            if (oversized && closedWith !== undefined && closedWith !== 1009)
              throw new Error(`an oversized frame closed the socket with ${closedWith}, not 1009`);
            await socket.close();
          },
        ),
        fuzzParameters(socketBudget),
      );
      durations.socket = Date.now() - started;

      // Assess: new sockets and requests are still served
      const socket = await t.socket(tokens.user);
      socket.send({ action: 'ping' });
      await socket.waitFor((m) => m.type === 'pong', 10_000);
      expect((await fetch(`${t.url}/api/health`)).status).toBe(200);
    },
    socketBudget.timeoutMs,
  );
});
