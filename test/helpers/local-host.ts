import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, SignJWT, type JWK } from 'jose';
import WebSocket from 'ws';
import { loadLocalConfig } from '../../local/config.js';
import { startLocalHost, type LocalHost } from '../../local/host.js';

export interface TestUser {
  token: string;
  userId: string;
  email: string;
}

export interface SocketClient {
  messages: Array<Record<string, unknown>>;
  waitFor(
    predicate: (m: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  send(message: unknown): void;
  close(): Promise<void>;
  raw: WebSocket;
}

export interface TestHost {
  host: LocalHost;
  url: string;
  dataDir: string;
  register(email?: string): Promise<TestUser>;
  api(token: string | undefined, path: string, init?: RequestInit): Promise<Response>;
  socket(token: string): Promise<SocketClient>;
  /**
   * Signs a token with the host's own key, issuer and audience, carrying exactly `claims` (plus
   * `iss`, `aud`, `iat`, `exp`): a token the signature check accepts, whatever its claims hold.
   */
  signToken(claims: Record<string, unknown>): Promise<string>;
  stop(): Promise<void>;
}

let counter = 0;

/** Starts the real local host on an ephemeral port with its own data directory. */
export const startTestHost = async (env: Record<string, string> = {}): Promise<TestHost> => {
  const dataDir = env.UNTXT_DATA_DIR ?? (await mkdtemp(join(tmpdir(), 'untxt-test-')));
  const host = await startLocalHost(
    loadLocalConfig({
      PORT: '0',
      UNTXT_DATA_DIR: dataDir,
      UNTXT_ADMIN_PASSWORD: 'admin-password-1',
      LOG_LEVEL: 'silent',
      ...env,
    }),
  );
  const url = `http://127.0.0.1:${host.port}`;
  const sockets: SocketClient[] = [];

  const api = (token: string | undefined, path: string, init: RequestInit = {}) =>
    fetch(`${url}/api${path}`, {
      ...init,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(init.headers as Record<string, string>),
      },
    });

  return {
    host,
    url,
    dataDir,
    api,
    async signToken(claims) {
      const jwk = JSON.parse(await readFile(join(dataDir, 'jwt-key.json'), 'utf8')) as JWK & { kid: string };
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: jwk.kid })
        .setIssuer(`http://localhost:${host.port}/local-issuer`)
        .setAudience('untxt-local')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(await importJWK(jwk, 'ES256'));
    },
    async register(email = `user${process.pid}-${++counter}-${Date.now()}@example.com`) {
      const res = await fetch(`${url}/api/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password: 'correct horse battery' }),
      });
      if (res.status !== 201) throw new Error(`register failed: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { token: string; user: { id: string } };
      return { token: body.token, userId: body.user.id, email };
    },
    async socket(token: string) {
      const raw = new WebSocket(`${url.replace('http', 'ws')}/ws?token=${encodeURIComponent(token)}`);
      const messages: Array<Record<string, unknown>> = [];
      const waiters: Array<{
        predicate: (m: Record<string, unknown>) => boolean;
        resolve: (m: Record<string, unknown>) => void;
      }> = [];
      raw.on('message', (data) => {
        const message = JSON.parse(String(data)) as Record<string, unknown>;
        messages.push(message);
        for (const waiter of [...waiters])
          if (waiter.predicate(message)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(message);
          }
      });
      await new Promise<void>((resolve, reject) => {
        raw.once('open', () => resolve());
        raw.once('error', reject);
      });
      const client: SocketClient = {
        raw,
        messages,
        send: (message) => raw.send(JSON.stringify(message)),
        waitFor(predicate, timeoutMs = 60_000) {
          const found = messages.find(predicate);
          if (found) return Promise.resolve(found);
          return new Promise((resolve, reject) => {
            const timer = setTimeout(
              () =>
                reject(
                  new Error(
                    `No matching WebSocket message in ${timeoutMs} ms; got ${JSON.stringify(messages)}`,
                  ),
                ),
              timeoutMs,
            );
            waiters.push({
              predicate,
              resolve: (m) => {
                clearTimeout(timer);
                resolve(m);
              },
            });
          });
        },
        close: () =>
          new Promise<void>((resolve) => {
            if (raw.readyState === WebSocket.CLOSED) return resolve();
            raw.once('close', () => resolve());
            raw.close();
          }),
      };
      sockets.push(client);
      return client;
    },
    async stop() {
      await Promise.all(sockets.map((s) => s.close()));
      await host.close();
      if (!env.UNTXT_DATA_DIR) await rm(dataDir, { recursive: true, force: true });
    },
  };
};

/** Uploads bytes through a presigned POST exactly as a browser form would. */
export const uploadThroughPresignedPost = async (
  upload: { url: string; fields: Record<string, string> },
  bytes: Uint8Array,
  filename: string,
): Promise<Response> => {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', new Blob([Buffer.from(bytes)]), filename);
  return fetch(upload.url, { method: 'POST', body: form });
};
