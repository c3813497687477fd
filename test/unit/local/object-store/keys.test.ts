import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../lambdas/core/errors.js';
import {
  attachmentDisposition,
  decodeS3Key,
  encodeS3Key,
  sanitizeFileName,
  validateObjectKey,
} from '../../../../local/object-store/index.js';

describe('Function: encodeS3Key', () => {
  it('encodes like S3 event notifications when the key has spaces, symbols and unicode', () => {
    // Prepare
    const cases: Array<[string, string]> = [
      ['uploads/u1/red flower.jpg', 'uploads/u1/red+flower.jpg'],
      ['uploads/u1/this im + age.txt', 'uploads/u1/this+im+%2B+age.txt'],
      ['uploads/u1/dt=2018-05-04/_SUCCESS', 'uploads/u1/dt%3D2018-05-04/_SUCCESS'],
      ["uploads/u1/a(1)!~'*.pdf", 'uploads/u1/a%281%29%21%7E%27*.pdf'],
      ['uploads/u1/März.pdf', 'uploads/u1/M%C3%A4rz.pdf'],
      ['uploads/u1/10:47:07;x.log', 'uploads/u1/10%3A47%3A07%3Bx.log'],
    ];

    // Act
    const encoded = cases.map(([key]) => encodeS3Key(key));

    // Assess
    expect(encoded).toEqual(cases.map(([, expected]) => expected));
  });
});

describe('Function: decodeS3Key', () => {
  it('returns the original key when given an S3-encoded key', () => {
    // Prepare
    const keys = [
      'uploads/u1/c++ notes (draft).pdf',
      'uploads/u1/100% sure=yes.pdf',
      'uploads/u1/日本語 ファイル.png',
    ];

    // Act
    const roundTripped = keys.map((key) => decodeS3Key(encodeS3Key(key)));

    // Assess
    expect(roundTripped).toEqual(keys);
  });

  it('turns + into a space when decoding', () => {
    // Prepare
    const key = 'uploads/u1/red+flower%2B.jpg';

    // Act
    const decoded = decodeS3Key(key);

    // Assess
    expect(decoded).toBe('uploads/u1/red flower+.jpg');
  });
});

describe('Function: validateObjectKey', () => {
  it('throws ValidationError when the key is unsafe', () => {
    // Prepare
    const keys = [
      '..',
      'a/../b',
      './a',
      'a/./b',
      '/a',
      'a//b',
      'a/',
      'C:/x',
      'a\\b',
      'a\u0000b',
      'a\nb',
      'a\u007fb',
      '\ud800x',
    ];

    // Act
    const outcomes = keys.map((key) => {
      try {
        validateObjectKey(key);
        return 'accepted';
      } catch (error) {
        return error instanceof ValidationError ? 'rejected' : 'other';
      }
    });

    // Assess
    expect(outcomes).toEqual(keys.map(() => 'rejected'));
  });

  it('returns the key when it is a normal upload key', () => {
    // Prepare
    const key = 'uploads/5b1f/0a9c/Scan vom 3. März (final)...pdf';

    // Act
    const validated = validateObjectKey(key);

    // Assess
    expect(validated).toBe(key);
  });
});

describe('Function: attachmentDisposition', () => {
  it('builds an RFC 6266 value with an ASCII fallback when the name is unicode', () => {
    // Prepare
    const name = 'Übersicht – 2024.pdf';

    // Act
    const value = attachmentDisposition(name);

    // Assess
    expect(value).toBe(
      `attachment; filename="_bersicht _ 2024.pdf"; filename*=UTF-8''%C3%9Cbersicht%20%E2%80%93%202024.pdf`,
    );
  });

  it('strips paths, quotes, control characters and leading dots when the name is hostile', () => {
    // Prepare
    const names = ['../../etc/passwd', 'a"b\r\nSet-Cookie: x.pdf', '..\\..\\win.ini', '.htaccess', '   '];

    // Act
    const sanitized = names.map(sanitizeFileName);

    // Assess
    expect(sanitized).toEqual(['passwd', 'a_b__Set-Cookie_ x.pdf', 'win.ini', 'htaccess', 'download']);
    for (const name of names) expect(attachmentDisposition(name)).not.toMatch(/[\r\n]/);
  });

  it('shortens a very long name but keeps its extension', () => {
    // Prepare
    const name = `${'x'.repeat(500)}.pdf`;

    // Act
    const sanitized = sanitizeFileName(name);

    // Assess
    expect(sanitized).toHaveLength(200);
    expect(sanitized.endsWith('.pdf')).toBe(true);
  });
});
