import { describe, expect, it } from 'vitest';
import { parseUploadKey, resultPrefix, uploadKey, validateFilename } from '../../../../lambdas/core/keys.js';

const USER = '0b1c2a4e-8a1b-4c1d-9e2f-0a1b2c3d4e5f';

describe('Function: validateFilename', () => {
  it('keeps an ordinary name, including spaces and non-ASCII letters', () => {
    expect(validateFilename('  Quittung März 2024.pdf ')).toBe('Quittung März 2024.pdf');
  });

  it.each([
    ['../../etc/passwd', /path separators/],
    ['..', /'\.\.'/],
    ['a\\b.pdf', /path separators/],
    ['bad\u0000name.pdf', /control characters/],
    ['line\nbreak.pdf', /control characters/],
    ['   ', /empty/],
    ['x'.repeat(256), /255 bytes/],
  ])('rejects %j', (name, message) => {
    expect(() => validateFilename(name)).toThrow(message);
  });
});

describe('Function: parseUploadKey', () => {
  it('reads the owner and filename of an upload key', () => {
    expect(parseUploadKey(uploadKey(USER, 'abc', 'scan 1.pdf'))).toEqual({
      userId: USER,
      filename: 'scan 1.pdf',
    });
  });

  it.each([
    'results/x/y.txt',
    `uploads/not-a-uuid/a.pdf`,
    `uploads/${USER}/../a.pdf`,
    `uploads/${USER}/`,
    `uploads/${USER}`,
  ])('returns undefined for %j', (key) => {
    expect(parseUploadKey(key)).toBeUndefined();
  });
});

describe('Function: resultPrefix', () => {
  it('groups results by owner and month', () => {
    expect(resultPrefix(USER, 'task-1', new Date('2026-03-05T10:00:00Z'))).toBe(
      `results/${USER}/2026-03/task-1/`,
    );
  });
});
