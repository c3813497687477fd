import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJwtTokenVerifier } from '../../../../lambdas/adapters/jwt-token-verifier.js';
import type { Identity } from '../../../../lambdas/core/ports.js';
import { createTokenIssuer } from '../../../../local/auth/token-issuer.js';

const ISSUER = 'http://localhost:3000/auth';
const AUDIENCE = 'untxt-local';
const ADMIN: Identity = {
  userId: '5b7f3c1e-8d2a-4f6b-9c0e-1a2b3c4d5e6f',
  email: 'admin@example.com',
  groups: ['admins'],
};

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'untxt-issuer-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Function: createTokenIssuer', () => {
  it('creates the key file with mode 0600 on first use and reuses it afterwards', async () => {
    // Prepare
    const keyFile = join(dir, 'nested', 'jwt-key.json');

    // Act
    const first = createTokenIssuer({ keyFile, issuer: ISSUER, audience: AUDIENCE });
    const { token } = await first.issue(ADMIN);
    const second = createTokenIssuer({ keyFile, issuer: ISSUER, audience: AUDIENCE });

    // Assess
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(keyFile, 'utf8'))).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      d: expect.any(String),
    });
    expect(second.jwks()).toEqual(first.jwks());
    await expect(
      jwtVerify(token, createLocalJWKSet(second.jwks()), { issuer: ISSUER, audience: AUDIENCE }),
    ).resolves.toBeDefined();
  });

  it('issues tokens with the claims of a Cognito id token', async () => {
    // Prepare
    const now = new Date('2026-01-02T03:04:05Z');
    const issuer = createTokenIssuer({
      keyFile: join(dir, 'key.json'),
      issuer: ISSUER,
      audience: AUDIENCE,
      ttlSeconds: 600,
      now: () => now,
    });

    // Act
    const { token, expiresIn } = await issuer.issue(ADMIN);

    // Assess
    expect(expiresIn).toBe(600);
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'ES256', kid: issuer.jwks().keys[0]?.kid });
    const { payload } = await jwtVerify(token, createLocalJWKSet(issuer.jwks()), {
      issuer: ISSUER,
      audience: AUDIENCE,
      currentDate: now,
    });
    const epoch = now.getTime() / 1000;
    expect(payload).toMatchObject({
      sub: ADMIN.userId,
      email: ADMIN.email,
      'cognito:groups': ['admins'],
      token_use: 'id',
      aud: AUDIENCE,
      iss: ISSUER,
      iat: epoch,
      auth_time: epoch,
      exp: epoch + 600,
    });
    expect(payload.jti).toEqual(expect.any(String));
  });

  it('publishes only the public key in the JWKS', () => {
    // Prepare
    const issuer = createTokenIssuer({ keyFile: join(dir, 'key.json'), issuer: ISSUER, audience: AUDIENCE });

    // Act
    const jwks = issuer.jwks();

    // Assess
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
      kid: expect.any(String),
      alg: 'ES256',
      use: 'sig',
    });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('issues tokens the production JWT verifier accepts as the same identity', async () => {
    // Prepare
    const issuer = createTokenIssuer({ keyFile: join(dir, 'key.json'), issuer: ISSUER, audience: AUDIENCE });
    const verifier = createJwtTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: issuer.jwks() },
    });
    const user: Identity = {
      userId: '0e4d3c2b-1a09-4f8e-8d7c-6b5a49382716',
      email: 'bob@example.com',
      groups: [],
    };

    // Act
    const [admin, plain] = await Promise.all([
      issuer.issue(ADMIN).then(({ token }) => verifier.verify(token)),
      issuer.issue(user).then(({ token }) => verifier.verify(token)),
    ]);

    // Assess
    expect(admin).toEqual(ADMIN);
    expect(plain).toEqual(user);
  });

  it('issues tokens that are rejected once expired', async () => {
    // Prepare
    const issuer = createTokenIssuer({
      keyFile: join(dir, 'key.json'),
      issuer: ISSUER,
      audience: AUDIENCE,
      ttlSeconds: 60,
      now: () => new Date(Date.now() - 3_600_000),
    });
    const verifier = createJwtTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: issuer.jwks() },
    });

    // Act
    const { token } = await issuer.issue(ADMIN);

    // Assess
    await expect(verifier.verify(token)).rejects.toMatchObject({ name: 'UnauthorizedError' });
  });

  it('tightens the permissions of an existing key file readable by others', async () => {
    // Prepare
    const keyFile = join(dir, 'key.json');
    createTokenIssuer({ keyFile, issuer: ISSUER, audience: AUDIENCE });
    await chmod(keyFile, 0o644);

    // Act
    createTokenIssuer({ keyFile, issuer: ISSUER, audience: AUDIENCE });

    // Assess
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  });

  it('throws a clear error when the key file is not an EC private key', async () => {
    // Prepare
    const garbled = join(dir, 'garbled.json');
    const wrongKey = join(dir, 'wrong.json');
    await writeFile(garbled, '{not json', { mode: 0o600 });
    await writeFile(wrongKey, JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }), { mode: 0o600 });

    // Act
    const create = (keyFile: string) => () =>
      createTokenIssuer({ keyFile, issuer: ISSUER, audience: AUDIENCE });

    // Assess
    expect(create(garbled)).toThrow(/not valid JSON/);
    expect(create(wrongKey)).toThrow(/not an EC P-256 private JWK/);
  });
});
