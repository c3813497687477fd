import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../../../local/auth/passwords.js';

describe('Function: hashPassword', () => {
  it('produces a self-describing scrypt hash with a random salt', async () => {
    // Prepare
    const password = 'correct horse battery staple';

    // Act
    const [first, second] = await Promise.all([hashPassword(password), hashPassword(password)]);

    // Assess
    expect(first).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain(password);
  });
});

describe('Function: verifyPassword', () => {
  it('accepts the password the hash was made from', async () => {
    // Prepare
    const hash = await hashPassword('s3cret-passw0rd');

    // Act
    const result = await verifyPassword('s3cret-passw0rd', hash);

    // Assess
    expect(result).toBe(true);
  });

  it('rejects a different password', async () => {
    // Prepare
    const hash = await hashPassword('s3cret-passw0rd');

    // Act
    const results = await Promise.all([verifyPassword('s3cret-passw0rD', hash), verifyPassword('', hash)]);

    // Assess
    expect(results).toEqual([false, false]);
  });

  it('matches equivalent Unicode spellings of the same password', async () => {
    // Prepare
    const composed = 'caf\u00e9-password';
    const decomposed = 'cafe\u0301-password';
    const hash = await hashPassword(composed);

    // Act
    const result = await verifyPassword(decomposed, hash);

    // Assess
    expect(result).toBe(true);
  });

  it('returns false instead of throwing when the hash is malformed or its cost is out of bounds', async () => {
    // Prepare
    const valid = await hashPassword('s3cret-passw0rd');
    const [, , , , salt, key] = valid.split('$');
    const malformed = [
      '',
      'not-a-hash',
      'bcrypt$10$8$1$abc$def',
      `scrypt$1000$8$1$${salt}$${key}`, // N not a power of two
      `scrypt$${2 ** 24}$8$1$${salt}$${key}`, // N too large: would eat the host
      `scrypt$32768$8$1$${salt}`,
      `scrypt$32768$x$1$${salt}$${key}`,
    ];

    // Act
    const results = await Promise.all(malformed.map((hash) => verifyPassword('s3cret-passw0rd', hash)));

    // Assess
    expect(results.every((result) => result === false)).toBe(true);
  });

  it('verifies hashes made with other cost parameters', async () => {
    // Prepare
    const { scryptSync, randomBytes } = await import('node:crypto');
    const salt = randomBytes(16);
    const key = scryptSync('legacy-password', salt, 32, { N: 1024, r: 4, p: 2 });
    const hash = `scrypt$1024$4$2$${salt.toString('base64')}$${key.toString('base64')}`;

    // Act
    const result = await verifyPassword('legacy-password', hash);

    // Assess
    expect(result).toBe(true);
  });
});
