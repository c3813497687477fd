import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtTokenVerifier } from '../../../../lambdas/adapters/jwt-token-verifier.js';
import { UnauthorizedError } from '../../../../lambdas/core/errors.js';

const issuer = 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_example';
const audience = 'app-client-1';
/** Cognito's `sub` is a UUID (and untxt's user id). */
const USER_1 = '0f8fad5b-d9cb-469f-a165-70867728950e';
const USER_2 = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

let privateKey: CryptoKey;
let otherPrivateKey: CryptoKey;
let keys: JSONWebKeySet;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  otherPrivateKey = (await generateKeyPair('ES256')).privateKey;
  keys = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' }] };
});

/** Signs an id token like Cognito's; `claims` and `options` override the defaults. */
async function sign(
  claims: JWTPayload = {},
  options: { key?: CryptoKey; issuer?: string; expiresAt?: number | string } = {},
): Promise<string> {
  return new SignJWT({
    sub: USER_1,
    email: 'ada@example.com',
    'cognito:groups': ['admins'],
    token_use: 'id',
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'key-1' })
    .setIssuer(options.issuer ?? issuer)
    .setAudience(typeof claims.aud === 'string' || Array.isArray(claims.aud) ? claims.aud : audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresAt ?? '1h')
    .sign(options.key ?? privateKey);
}

/** Signs a Cognito access token: no `aud`, `client_id` instead, `username` instead of `email`. */
async function signAccessToken(clientId: string): Promise<string> {
  return new SignJWT({ sub: USER_2, username: 'grace', client_id: clientId, token_use: 'access' })
    .setProtectedHeader({ alg: 'ES256', kid: 'key-1' })
    .setIssuer(issuer)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the promise to reject');
    },
    (error: unknown) => error,
  );
}

describe('Function: verify', () => {
  it('returns the identity when the id token is valid', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys } });

    // Act
    const identity = await verifier.verify(await sign());

    // Assess
    expect(identity).toEqual({ userId: USER_1, email: 'ada@example.com', groups: ['admins'] });
  });

  it('defaults email and groups when the token has neither', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys } });
    const token = await sign({ email: undefined, 'cognito:groups': undefined });

    // Act
    const identity = await verifier.verify(token);

    // Assess
    expect(identity).toEqual({ userId: USER_1, email: '', groups: [] });
  });

  it('accepts a token within the 5 s clock tolerance after expiry', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys } });
    const token = await sign({}, { expiresAt: Math.floor(Date.now() / 1000) - 2 });

    // Act
    const identity = await verifier.verify(token);

    // Assess
    expect(identity.userId).toBe(USER_1);
  });

  it('throws UnauthorizedError when the token expired', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys } });
    const token = await sign({}, { expiresAt: Math.floor(Date.now() / 1000) - 60 });

    // Act
    const error = await rejection(verifier.verify(token));

    // Assess
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ message: 'Token expired', code: 'UNAUTHORIZED' });
  });

  it('throws UnauthorizedError when the issuer is wrong', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys } });
    const token = await sign({}, { issuer: 'https://evil.example.com' });

    // Act
    const error = await rejection(verifier.verify(token));

    // Assess
    expect(error).toBeInstanceOf(UnauthorizedError);
    // The message must not say which check failed.
    expect(error).toMatchObject({ message: 'Invalid token' });
  });

  it('throws UnauthorizedError when the audience is another app client', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys } });
    const token = await sign({ aud: 'other-client' });

    // Act
    const error = await rejection(verifier.verify(token));

    // Assess
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ message: 'Invalid token' });
  });

  it('throws UnauthorizedError when the signature is from another key', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys } });
    const token = await sign({}, { key: otherPrivateKey });

    // Act
    const error = await rejection(verifier.verify(token));

    // Assess
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ message: 'Invalid token' });
  });

  it('throws UnauthorizedError when the payload was tampered with', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys } });
    const [header, , signature] = (await sign()).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'admin', iss: issuer, aud: audience })).toString(
      'base64url',
    );

    // Act
    const error = await rejection(verifier.verify(`${header}.${forged}.${signature}`));

    // Assess
    expect(error).toBeInstanceOf(UnauthorizedError);
  });

  it('throws UnauthorizedError when sub is missing', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys } });
    const token = await sign({ sub: undefined });

    // Act
    const error = await rejection(verifier.verify(token));

    // Assess
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ message: 'Invalid token' });
  });

  it.each([
    ['cognito:groups is a number', { 'cognito:groups': 5 }],
    ['cognito:groups holds a non-string', { 'cognito:groups': ['admins', { name: 'ops' }] }],
    ['sub is not a string', { sub: 42 as unknown as string }],
    ['sub is an object', { sub: { id: USER_1 } as unknown as string }],
    ['sub is not a UUID', { sub: 'admin' }],
    ['email is an object', { email: { address: 'ada@example.com' } }],
    ['email holds a NUL', { email: 'ada\u0000@example.com' }],
    ['username is a number', { email: undefined, username: 7 }],
  ])('throws UnauthorizedError when the signature is valid but %s', async (_label, claims) => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys } });
    const token = await sign(claims as JWTPayload);

    // Act
    const error = await rejection(verifier.verify(token));

    // Assess
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ message: 'Invalid token' });
  });

  it('lower-cases the sub, as user ids are stored', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys } });

    // Act
    const identity = await verifier.verify(await sign({ sub: USER_1.toUpperCase() }));

    // Assess
    expect(identity.userId).toBe(USER_1);
  });

  it('throws UnauthorizedError when the token is empty or not a JWT', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys } });

    // Act & Assess
    await expect(verifier.verify('')).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(verifier.verify('not.a.jwt')).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('throws UnauthorizedError when token_use is neither id nor access', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys } });
    const token = await sign({ token_use: 'refresh' });

    // Act & Assess
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('accepts an RS256 token like the ones Cognito issues', async () => {
    // Prepare
    const rsa = await generateKeyPair('RS256');
    const rsaKeys = { keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256' }] };
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys: rsaKeys } });
    const token = await new SignJWT({ sub: USER_2, token_use: 'id' })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime('1h')
      .sign(rsa.privateKey);

    // Act
    const identity = await verifier.verify(token);

    // Assess
    expect(identity).toEqual({ userId: USER_2, email: '', groups: [] });
  });

  it('throws UnauthorizedError when the token is signed with a symmetric algorithm', async () => {
    // Prepare
    const secret = new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!');
    const octKeys = { keys: [{ ...(await exportJWK(secret)), kid: 'oct-1', alg: 'HS256' }] };
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys: octKeys } });
    const token = await new SignJWT({ sub: USER_1, token_use: 'id' })
      .setProtectedHeader({ alg: 'HS256', kid: 'oct-1' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime('1h')
      .sign(secret);

    // Act & Assess
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('accepts an access token when its client_id is the audience', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys } });

    // Act
    const identity = await verifier.verify(await signAccessToken(audience));

    // Assess
    expect(identity).toEqual({ userId: USER_2, email: 'grace', groups: [] });
  });

  it('throws UnauthorizedError when an access token was issued to another client', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { keys } });

    // Act
    const error = await rejection(verifier.verify(await signAccessToken('other-client')));

    // Assess
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ message: 'Invalid token' });
  });

  it('accepts any audience when none is configured', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, jwks: { keys } });

    // Act
    const identity = await verifier.verify(await sign({ aud: 'whatever', token_use: undefined }));

    // Assess
    expect(identity.userId).toBe(USER_1);
  });
});

describe('Function: verify with a remote JWKS', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(keys));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  });

  it('verifies with keys fetched from the JWKS URL', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({ issuer, audience, jwks: { url } });

    // Act
    const identity = await verifier.verify(await sign());

    // Assess
    expect(identity).toEqual({ userId: USER_1, email: 'ada@example.com', groups: ['admins'] });
  });

  it('throws UnauthorizedError when the JWKS endpoint is unreachable', async () => {
    // Prepare
    const verifier = createJwtTokenVerifier({
      issuer,
      audience,
      jwks: { url: 'http://127.0.0.1:1/jwks.json' },
    });

    // Act
    const error = await rejection(verifier.verify(await sign()));

    // Assess
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ message: 'Invalid token' });
  });
});
