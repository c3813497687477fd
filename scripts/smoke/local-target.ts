import { randomBytes } from 'node:crypto';
import type { SmokeTarget } from './run-smoke.js';

/** The local host (`npm start`): a fresh account through its `/api/auth/register` route. */
export function localTarget(baseUrl: string): SmokeTarget {
  const base = baseUrl.replace(/\/$/, '');
  return {
    apiUrl: `${base}/api`,
    webSocketUrl: `${base.replace(/^http/, 'ws')}/ws`,
    async signIn() {
      const response = await fetch(`${base}/api/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          email: `untxt-smoke-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`,
          password: randomBytes(12).toString('base64url'),
        }),
      });
      if (response.status !== 201)
        throw new Error(`register answered ${response.status}: ${await response.text()}`);
      return ((await response.json()) as { token: string }).token;
    },
    // Local accounts cost nothing and have no delete route.
    async cleanUp() {},
  };
}
