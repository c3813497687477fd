import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { proxyPoolConfig } from '../../../../lambdas/entry/shared/proxy-database.js';
import { FULL_ENV, REGION, stubEnvironment } from './helpers.js';

const settings = {
  host: FULL_ENV.DB_PROXY_ENDPOINT,
  port: 5432,
  database: 'untxt',
  user: 'untxt_app',
  region: REGION,
};

beforeEach(() => {
  stubEnvironment();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('Function: proxyPoolConfig', () => {
  it('connects to the proxy over verified TLS with a small pool', () => {
    // Prepare
    const input = settings;

    // Act
    const config = proxyPoolConfig(input);

    // Assess
    expect(config).toMatchObject({
      host: FULL_ENV.DB_PROXY_ENDPOINT,
      port: 5432,
      database: 'untxt',
      user: 'untxt_app',
      ssl: { rejectUnauthorized: true, servername: FULL_ENV.DB_PROXY_ENDPOINT },
      max: 2,
      idleTimeoutMillis: 0,
    });
  });

  it('uses a fresh IAM authentication token as the password of each connection', async () => {
    // Prepare
    const config = proxyPoolConfig(settings);
    const password = config.password as () => Promise<string>;

    // Act
    const token = await password();

    // Assess
    const url = new URL(`https://${token}`);
    expect(url.host).toBe(`${FULL_ENV.DB_PROXY_ENDPOINT}:5432`);
    expect(url.searchParams.get('Action')).toBe('connect');
    expect(url.searchParams.get('DBUser')).toBe('untxt_app');
    expect(url.searchParams.get('X-Amz-Credential')).toContain(`/${REGION}/rds-db/aws4_request`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
  });

  it('takes an injected token source and pool size when given', async () => {
    // Prepare
    const authToken = vi.fn(async () => 'token-1');

    // Act
    const config = proxyPoolConfig({ ...settings, poolSize: 1, authToken });

    // Assess
    expect(config.max).toBe(1);
    await expect((config.password as () => Promise<string>)()).resolves.toBe('token-1');
  });
});
