import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../../lambdas/core/use-cases/pipeline.js';

describe('Function: classifyFailure', () => {
  it('keeps the code and message of a rejected document from a Lambda error cause', () => {
    // Prepare
    const cause = JSON.stringify({
      errorType: 'DocumentRejectedError',
      errorMessage: 'ENCRYPTED_PDF: The PDF is password-protected',
    });

    // Act
    const result = classifyFailure({ Error: 'DocumentRejectedError', Cause: cause });

    // Assess
    expect(result).toEqual({ code: 'ENCRYPTED_PDF', message: 'The PDF is password-protected' });
  });

  it('reads the plain-text cause the local runner gives', () => {
    expect(
      classifyFailure({ Error: 'DocumentRejectedError', Cause: 'IMAGE_TOO_LARGE: 50000 x 50000 pixels' }),
    ).toEqual({
      code: 'IMAGE_TOO_LARGE',
      message: '50000 x 50000 pixels',
    });
  });

  it.each([
    ['ThrottlingException', 'OCR_THROTTLED'],
    ['BadDocumentException', 'CORRUPT_DOCUMENT'],
    ['UnsupportedDocumentException', 'UNSUPPORTED_TYPE'],
    ['States.Timeout', 'TIMEOUT'],
    ['TypeError', 'INTERNAL'],
  ])('maps %s to %s without exposing internals', (name, code) => {
    const result = classifyFailure({ Error: name, Cause: 'at Object.<anonymous> (/var/task/index.js:1:1)' });
    expect(result.code).toBe(code);
    expect(result.message).not.toMatch(/var\/task/);
  });

  it('does not trust an unknown code in a rejected-document cause', () => {
    expect(classifyFailure({ Error: 'DocumentRejectedError', Cause: 'DROP_TABLES: nope' }).code).toBe(
      'INTERNAL',
    );
  });

  it.each([
    ['Unsupported document format', 'UNSUPPORTED_TYPE'],
    ['The document has too many pages', 'TOO_MANY_PAGES'],
    ['Document size exceeds the limit', 'FILE_TOO_LARGE'],
    ['The PDF is password-protected', 'ENCRYPTED_PDF'],
    ['The PDF is damaged or incomplete and cannot be read', 'CORRUPT_DOCUMENT'],
    ['Request has invalid parameters', 'CORRUPT_DOCUMENT'],
    ['Something odd happened', 'OCR_FAILED'],
  ])('gives a failed text-detection job saying "%s" the code %s', (reason, code) => {
    // Prepare
    const cause = JSON.stringify({ errorType: 'TextDetectionFailedError', errorMessage: reason });

    // Act
    const result = classifyFailure({ Error: 'TextDetectionFailedError', Cause: cause });

    // Assess
    expect(result.code).toBe(code);
    expect(result.message.length).toBeGreaterThan(10);
  });
});
