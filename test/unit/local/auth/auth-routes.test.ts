import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../../../database/connect.js';
import { migrateToLatest } from '../../../../database/migrate.js';
import { findUserByEmail } from '../../../../database/repositories/users.js';
import { createJwtTokenVerifier } from '../../../../lambdas/adapters/jwt-token-verifier.js';
import type { TokenVerifier } from '../../../../lambdas/core/ports.js';
import { createAuthRoutes, seedAdmin } from '../../../../local/auth/auth-routes.js';
import { createTokenIssuer } from '../../../../local/auth/token-issuer.js';

const ISSUER = 'http://localhost:3000/auth';
const AUDIENCE = 'untxt-local';

let database: DatabaseHandle;
let server: Server;
let baseUrl: string;
let verifier: TokenVerifier;
let keyDir: string;

beforeAll(async () => {
  database = await createDatabase({ inMemory: true });
  await migrateToLatest(database.db);
  keyDir = await mkdtemp(join(tmpdir(), 'untxt-auth-'));
  const issuer = createTokenIssuer({ keyFile: join(keyDir, 'key.json'), issuer: ISSUER, audience: AUDIENCE });
  verifier = createJwtTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: issuer.jwks() } });
  const routes = createAuthRoutes({ db: database.db, issuer, adminEmails: ['Boss@Example.com'] });
  server = createServer((req, res) => {
    void routes.handle(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end('not auth');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await database.close();
  await rm(keyDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await database.db.deleteFrom('users').execute();
});

function post(path: string, body: unknown, contentType = 'application/json') {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('Function: createAuthRoutes', () => {
  it('registers a user and returns a token the verifier accepts when the email is new', async () => {
    // Prepare
    const credentials = { email: '  Alice@Example.com ', password: 'correct horse' };

    // Act
    const response = await post('/api/auth/register', credentials);

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { token: string; expiresIn: number; user: { id: string } };
    expect(body).toEqual({
      token: expect.any(String),
      expiresIn: 3600,
      user: { id: expect.any(String), email: 'alice@example.com', groups: [] },
    });
    await expect(verifier.verify(body.token)).resolves.toEqual({
      userId: body.user.id,
      email: 'alice@example.com',
      groups: [],
    });
    const stored = await findUserByEmail(database.db, 'alice@example.com');
    expect(stored?.password_hash).toMatch(/^scrypt\$/);
    expect(stored?.is_admin).toBe(false);
  });

  it('makes configured admin emails admins when they register', async () => {
    // Prepare
    const credentials = { email: 'boss@example.com', password: 'correct horse' };

    // Act
    const response = await post('/api/auth/register', credentials);

    // Assess
    const body = (await response.json()) as { token: string; user: { groups: string[] } };
    expect(body.user.groups).toEqual(['admins']);
    expect((await verifier.verify(body.token)).groups).toEqual(['admins']);
    expect((await findUserByEmail(database.db, 'boss@example.com'))?.is_admin).toBe(true);
  });

  it('answers 409 when the email is already registered in any case', async () => {
    // Prepare
    await post('/api/auth/register', { email: 'alice@example.com', password: 'correct horse' });

    // Act
    const response = await post('/api/auth/register', {
      email: 'ALICE@example.com',
      password: 'another one',
    });

    // Assess
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error: { code: 'CONFLICT', message: 'An account with this email already exists' },
    });
  });

  it('logs a registered user in with the same response shape', async () => {
    // Prepare
    const registered = await post('/api/auth/register', {
      email: 'alice@example.com',
      password: 'correct horse',
    });
    const { user } = (await registered.json()) as { user: { id: string } };

    // Act
    const response = await post('/api/auth/login', { email: 'Alice@example.com', password: 'correct horse' });

    // Assess
    expect(response.status).toBe(200);
    const body = (await response.json()) as { token: string };
    expect(body).toEqual({
      token: expect.any(String),
      expiresIn: 3600,
      user: { id: user.id, email: 'alice@example.com', groups: [] },
    });
    expect((await verifier.verify(body.token)).userId).toBe(user.id);
  });

  it('answers 401 with the same message for a wrong password and an unknown email', async () => {
    // Prepare
    await post('/api/auth/register', { email: 'alice@example.com', password: 'correct horse' });

    // Act
    const wrongPassword = await post('/api/auth/login', {
      email: 'alice@example.com',
      password: 'wrong horse',
    });
    const unknownEmail = await post('/api/auth/login', {
      email: 'nobody@example.com',
      password: 'correct horse',
    });

    // Assess
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    const bodies = [await wrongPassword.json(), await unknownEmail.json()];
    expect(bodies[0]).toEqual({ error: { code: 'UNAUTHORIZED', message: 'Invalid email or password' } });
    expect(bodies[1]).toEqual(bodies[0]);
  });

  it('answers 400 with details when the body breaks the rules', async () => {
    // Prepare
    const cases = [
      { email: 'alice@example.com', password: 'short' },
      { email: 'alice@example.com', password: 'x'.repeat(257) },
      { email: 'not-an-email', password: 'correct horse' },
      { email: 'alice@example.com', password: 'correct horse', isAdmin: true },
      { email: 'alice@example.com' },
      ['alice@example.com', 'correct horse'],
    ];

    // Act
    const responses = await Promise.all(cases.map((body) => post('/api/auth/register', body)));
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as Array<{
      error: { code: string; details: Array<{ path: string; message: string }> };
    }>;

    // Assess
    expect(responses.map((response) => response.status)).toEqual([400, 400, 400, 400, 400, 400]);
    expect(bodies.every((body) => body.error.code === 'VALIDATION_ERROR')).toBe(true);
    expect(bodies[0]?.error.details).toEqual([
      { path: 'password', message: 'Password must be between 8 and 256 characters' },
    ]);
    expect(bodies[1]?.error.details).toEqual([
      { path: 'password', message: 'Password must be between 8 and 256 characters' },
    ]);
    expect(bodies[2]?.error.details).toEqual([{ path: 'email', message: 'Enter a valid email address' }]);
    expect(bodies[3]?.error.details).toEqual([{ path: '', message: expect.stringContaining('isAdmin') }]);
    expect(bodies[4]?.error.details).toEqual([{ path: 'password', message: 'Password is required' }]);
    expect(await findUserByEmail(database.db, 'alice@example.com')).toBeUndefined();
  });

  it('answers 400 when the body is not valid JSON', async () => {
    // Prepare
    const body = '{"email": "alice@example.com",';

    // Act
    const response = await post('/api/auth/login', body);

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: 'VALIDATION_ERROR', message: 'Request body is not valid JSON' },
    });
  });

  it('answers 415 when the body is not JSON', async () => {
    // Prepare
    const body = 'email=alice@example.com&password=correct+horse';

    // Act
    const response = await post('/api/auth/login', body, 'application/x-www-form-urlencoded');

    // Assess
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('answers 413 when the body is larger than 16 KB', async () => {
    // Prepare
    const body = { email: 'alice@example.com', password: 'x'.repeat(17 * 1024) };

    // Act
    const response = await post('/api/auth/register', body);

    // Assess
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 405 for other methods and leaves other paths alone', async () => {
    // Prepare
    const loginUrl = `${baseUrl}/api/auth/login`;

    // Act
    const get = await fetch(loginUrl);
    const other = await fetch(`${baseUrl}/api/auth/logout`, { method: 'POST' });

    // Assess
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(other.status).toBe(404);
    expect(await other.text()).toBe('not auth');
  });
});

describe('Function: seedAdmin', () => {
  it('creates the admin once and never changes its password afterwards', async () => {
    // Prepare
    const admin = { email: 'root@example.com', password: 'first password' };

    // Act
    const first = await seedAdmin(database.db, admin);
    const second = await seedAdmin(database.db, { ...admin, password: 'second password' });
    const withFirst = await post('/api/auth/login', admin);
    const withSecond = await post('/api/auth/login', { ...admin, password: 'second password' });

    // Assess
    expect(first).toEqual({ created: true });
    expect(second).toEqual({ created: false });
    expect(withFirst.status).toBe(200);
    expect(((await withFirst.json()) as { user: { groups: string[] } }).user.groups).toEqual(['admins']);
    expect(withSecond.status).toBe(401);
  });

  it('throws a ValidationError when the admin password is too short', async () => {
    // Prepare
    const admin = { email: 'root@example.com', password: 'short' };

    // Act
    const seeding = seedAdmin(database.db, admin);

    // Assess
    await expect(seeding).rejects.toMatchObject({ name: 'ValidationError', code: 'VALIDATION_ERROR' });
  });
});
