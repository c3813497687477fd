import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  OCR_SYNC_MAX_BYTES,
  convertForOcr,
  inspectDocument,
} from '../../../../lambdas/core/document-inspection.js';
import type { DocumentInspection } from '../../../../lambdas/core/document-inspection.js';
import { DocumentRejectedError, UnsupportedMediaTypeError } from '../../../../lambdas/core/errors.js';
import { LIMITS } from '../../../../lambdas/core/task.js';
import type { TaskErrorCode } from '../../../../lambdas/core/task.js';
import {
  makeAnimatedWebp,
  makeEncryptedPdf,
  makeImage,
  makeTypeSamples,
  makeMultiPageTiff,
  makeNoisePng,
  makePdf,
  makePngBomb,
  makeTiffWithPageSizes,
} from '../../../fixtures/documents.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const text = (value: string): Uint8Array => new TextEncoder().encode(value);

/** Runs `inspectDocument` and returns the rejection, failing the test if there is none. */
async function rejectionOf(bytes: Uint8Array, declared?: string | null): Promise<DocumentRejectedError> {
  const error: unknown = await inspectDocument(bytes, declared).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DocumentRejectedError);
  return error as DocumentRejectedError;
}

async function expectRejected(
  bytes: Uint8Array,
  code: TaskErrorCode,
  declared?: string | null,
): Promise<DocumentRejectedError> {
  const error = await rejectionOf(bytes, declared);
  expect(error.taskCode).toBe(code);
  expect(error.code).toBe(code);
  expect(error.message.length).toBeGreaterThan(10);
  return error;
}

let png: Uint8Array;
let jpeg: Uint8Array;
let webp: Uint8Array;
let gif: Uint8Array;
let tiff: Uint8Array;
let pdf: Uint8Array;

beforeAll(async () => {
  ({ png, jpeg, webp, gif, tiff, pdf } = await makeTypeSamples());
});

describe('Function: inspectDocument', () => {
  it('accepts a single-page PNG for sync OCR with its pixel size', async () => {
    // Act
    const inspection = await inspectDocument(png, 'image/png');

    // Assess
    expect(inspection).toEqual({
      contentType: 'image/png',
      pages: 1,
      width: 120,
      height: 80,
      needsConversion: false,
      mode: 'sync',
      warnings: [],
    });
  });

  it('accepts a JPEG and a single-page TIFF as they are', async () => {
    // Act
    const [fromJpeg, fromTiff] = await Promise.all([inspectDocument(jpeg), inspectDocument(tiff)]);

    // Assess
    expect(fromJpeg).toMatchObject({
      contentType: 'image/jpeg',
      pages: 1,
      needsConversion: false,
      mode: 'sync',
    });
    expect(fromTiff).toMatchObject({
      contentType: 'image/tiff',
      pages: 1,
      needsConversion: false,
      mode: 'sync',
    });
  });

  it('marks a WEBP for conversion and explains why', async () => {
    // Act
    const inspection = await inspectDocument(webp, 'image/webp');

    // Assess
    expect(inspection).toMatchObject({
      contentType: 'image/webp',
      pages: 1,
      needsConversion: true,
      mode: 'sync',
    });
    expect(inspection.warnings).toEqual([expect.stringContaining('converted to PNG')]);
  });

  it('warns that only the first frame of an animated WEBP is recognised', async () => {
    // Prepare
    const animated = await makeAnimatedWebp(3);

    // Act
    const inspection = await inspectDocument(animated);

    // Assess
    expect(inspection.pages).toBe(1);
    expect(inspection.warnings).toContainEqual(expect.stringContaining('3 frames'));
  });

  it('marks an image with a side over the Textract limit for downscaling', async () => {
    // Prepare
    const wide = await makeImage(LIMITS.maxImageSide + 2_000, 300, 'png');

    // Act
    const inspection = await inspectDocument(wide, 'image/png');

    // Assess
    expect(inspection).toMatchObject({ width: 12_000, height: 300, needsConversion: true, mode: 'sync' });
    expect(inspection.warnings).toEqual([expect.stringContaining('scaled down')]);
  });

  it('marks a PNG over the 10 MB OCR cap for re-encoding', async () => {
    // Prepare
    const heavy = await makeNoisePng(2_000, 2_000);

    // Act
    const inspection = await inspectDocument(heavy);

    // Assess
    expect(heavy.byteLength).toBeGreaterThan(OCR_SYNC_MAX_BYTES);
    expect(inspection).toMatchObject({ contentType: 'image/png', needsConversion: true, mode: 'sync' });
    expect(inspection.warnings).toEqual([expect.stringContaining('re-encoded')]);
  });

  it('sends a single-page PDF to sync OCR and a multi-page PDF to async OCR', async () => {
    // Prepare
    const threePages = await makePdf(3);

    // Act
    const [single, multi] = await Promise.all([inspectDocument(pdf), inspectDocument(threePages)]);

    // Assess
    expect(single).toEqual({
      contentType: 'application/pdf',
      pages: 1,
      needsConversion: false,
      mode: 'sync',
      warnings: [],
    });
    expect(multi).toMatchObject({
      contentType: 'application/pdf',
      pages: 3,
      needsConversion: false,
      mode: 'async',
    });
  });

  it('sends a single-page PDF over 10 MB to async OCR', async () => {
    // Prepare
    const heavy = await makePdf(1, { padBytes: OCR_SYNC_MAX_BYTES + 1024 });

    // Act
    const inspection = await inspectDocument(heavy);

    // Assess
    expect(inspection).toMatchObject({ pages: 1, mode: 'async', needsConversion: false });
  });

  it('leaves the caller’s bytes intact after parsing a PDF', async () => {
    // Prepare
    const bytes = await makePdf(2);
    const copy = bytes.slice();

    // Act
    await inspectDocument(bytes);

    // Assess: pdfjs transfers the buffer it is given; the caller's must survive for the upload to OCR.
    expect(bytes.byteLength).toBe(copy.byteLength);
    expect(Buffer.from(bytes).equals(Buffer.from(copy))).toBe(true);
  });

  it('counts the pages of a 3-page TIFF and sends it to async OCR', async () => {
    // Prepare
    const threePages = await makeMultiPageTiff(3);

    // Act
    const inspection = await inspectDocument(threePages, 'image/tiff');

    // Assess
    expect(inspection).toEqual({
      contentType: 'image/tiff',
      pages: 3,
      width: 60,
      height: 40,
      needsConversion: false,
      mode: 'async',
      warnings: [],
    });
  });

  it('counts the pages of a TIFF whose pages differ in size', async () => {
    // Prepare
    const mixed = makeTiffWithPageSizes([
      { width: 64, height: 64 },
      { width: 40, height: 30 },
      { width: 32, height: 32 },
    ]);

    // Act
    const inspection = await inspectDocument(mixed);

    // Assess
    expect(inspection).toMatchObject({
      contentType: 'image/tiff',
      pages: 3,
      width: 64,
      height: 64,
      mode: 'async',
    });
  });

  it('ignores a generic declared type but warns about an unrelated one', async () => {
    // Act
    const generic = await inspectDocument(png, 'application/octet-stream');
    const unrelated = await inspectDocument(png, 'text/plain');
    const absent = await inspectDocument(png, null);

    // Assess
    expect(generic.warnings).toEqual([]);
    expect(absent.warnings).toEqual([]);
    expect(unrelated.contentType).toBe('image/png');
    expect(unrelated.warnings).toEqual([expect.stringContaining('declared as text/plain')]);
  });

  it('accepts a matching declared type written with parameters, other case or an alias', async () => {
    // Act
    const results = await Promise.all([
      inspectDocument(png, 'IMAGE/PNG; charset=binary'),
      inspectDocument(jpeg, 'image/jpg'),
    ]);

    // Assess
    expect(results.map((r) => r.contentType)).toEqual(['image/png', 'image/jpeg']);
  });

  it('rejects an empty file with EMPTY_FILE', async () => {
    // Act
    const error = await expectRejected(new Uint8Array(0), 'EMPTY_FILE', 'application/pdf');

    // Assess
    expect(error.message).toContain('empty');
  });

  it('rejects a file over the upload limit with FILE_TOO_LARGE before looking at it', async () => {
    // Prepare
    const huge = new Uint8Array(LIMITS.maxUploadBytes + 1);
    huge.set(png);

    // Act
    const error = await expectRejected(huge, 'FILE_TOO_LARGE');

    // Assess
    expect(error.message).toContain('50.0 MB');
  });

  it('rejects a GIF with UNSUPPORTED_TYPE and names what it is, even when declared as PNG', async () => {
    // Act
    const error = await expectRejected(gif, 'UNSUPPORTED_TYPE', 'image/png');

    // Assess
    expect(error.message).toContain('GIF');
    expect(error.message).toContain('image/gif');
  });

  it('rejects plain text and an executable with UNSUPPORTED_TYPE', async () => {
    // Prepare
    const exe = new Uint8Array(512);
    exe.set(text('MZ'));

    // Act
    const fromText = await expectRejected(
      text('%not a pdf, just text\n'),
      'UNSUPPORTED_TYPE',
      'application/pdf',
    );
    const fromExe = await expectRejected(exe, 'UNSUPPORTED_TYPE', 'application/pdf');

    // Assess
    expect(fromText.message).toContain('not a PDF, PNG, JPEG, TIFF or WEBP');
    expect(fromExe.message).toContain('application/x-msdownload');
  });

  it('rejects a PNG declared as image/jpeg with TYPE_MISMATCH saying what it really is', async () => {
    // Act
    const error = await expectRejected(png, 'TYPE_MISMATCH', 'image/jpeg');

    // Assess
    expect(error.message).toContain('declared as image/jpeg');
    expect(error.message).toContain('PNG image (image/png)');
  });

  it('rejects a PDF declared as a TIFF with TYPE_MISMATCH', async () => {
    // Act & Assess
    await expectRejected(pdf, 'TYPE_MISMATCH', 'image/tiff');
  });

  it('rejects a truncated PDF with CORRUPT_DOCUMENT', async () => {
    // Prepare
    const whole = await makePdf(3);
    const truncated = whole.subarray(0, Math.floor(whole.byteLength / 2));

    // Act & Assess
    await expectRejected(truncated, 'CORRUPT_DOCUMENT', 'application/pdf');
  });

  it('rejects a PDF header followed by garbage with CORRUPT_DOCUMENT', async () => {
    // Prepare
    const garbled = new Uint8Array(2_000).fill(0x41);
    garbled.set(text('%PDF-1.7\n'));

    // Act & Assess
    await expectRejected(garbled, 'CORRUPT_DOCUMENT');
  });

  it('rejects a truncated PNG and a truncated JPEG with CORRUPT_DOCUMENT', async () => {
    // Prepare: uncompressed-ish content so the cut lands in the pixel data, after an intact header.
    const fullPng = await makeNoisePng(300, 300);
    const fullJpeg = await sharp(fullPng).jpeg().toBuffer();

    // Act & Assess
    await expectRejected(fullPng.subarray(0, Math.floor(fullPng.byteLength / 2)), 'CORRUPT_DOCUMENT');
    await expectRejected(fullJpeg.subarray(0, Math.floor(fullJpeg.byteLength * 0.6)), 'CORRUPT_DOCUMENT');
  });

  it('rejects a PNG signature followed by garbage with CORRUPT_DOCUMENT', async () => {
    // Prepare
    const garbled = new Uint8Array(200).fill(7);
    garbled.set(PNG_SIGNATURE);

    // Act & Assess
    await expectRejected(garbled, 'CORRUPT_DOCUMENT');
  });

  it('rejects a password-protected PDF with ENCRYPTED_PDF, not CORRUPT_DOCUMENT', async () => {
    // Prepare
    const locked = makeEncryptedPdf('required');

    // Act
    const error = await expectRejected(locked, 'ENCRYPTED_PDF', 'application/pdf');

    // Assess: the pdfjs PasswordException is kept as the cause.
    expect((error.cause as Error).name).toBe('PasswordException');
    expect(error.message).toContain('password');
  });

  it('accepts a PDF encrypted with an empty user password but warns about it', async () => {
    // Prepare
    const ownerOnly = makeEncryptedPdf('empty');

    // Act
    const inspection = await inspectDocument(ownerOnly);

    // Assess
    expect(inspection).toMatchObject({ contentType: 'application/pdf', pages: 1, mode: 'sync' });
    expect(inspection.warnings).toEqual([expect.stringContaining('owner password')]);
  });

  it('rejects a PNG whose header claims 50,000 × 50,000 px with IMAGE_TOO_LARGE without decoding it', async () => {
    // Prepare
    const bomb = makePngBomb(50_000, 50_000);

    // Act
    const started = performance.now();
    const error = await expectRejected(bomb, 'IMAGE_TOO_LARGE', 'image/png');
    const elapsed = performance.now() - started;

    // Assess: tiny on disk, 2.5 billion pixels claimed, answered from the header alone.
    expect(bomb.byteLength).toBeLessThan(200);
    expect(error.message).toContain('50,000 × 50,000 px');
    expect(elapsed).toBeLessThan(5_000);
  });

  it('rejects a multi-page TIFF with a page bomb with IMAGE_TOO_LARGE naming the page', async () => {
    // Prepare
    const tiffBomb = makeTiffWithPageSizes([
      { width: 64, height: 64 },
      { width: 20_000, height: 20_000 },
    ]);

    // Act
    const error = await expectRejected(tiffBomb, 'IMAGE_TOO_LARGE');

    // Assess
    expect(error.message).toContain('Page 2');
    expect(error.message).toContain('20,000 × 20,000 px');
  });

  it('rejects a multi-page TIFF with a page over 10,000 px wide with IMAGE_TOO_LARGE', async () => {
    // Prepare: few pixels, but Textract refuses the side and a multi-page TIFF cannot be converted.
    const wide = makeTiffWithPageSizes([
      { width: 64, height: 64 },
      { width: 20_000, height: 10 },
      { width: 64, height: 64 },
    ]);

    // Act
    const error = await expectRejected(wide, 'IMAGE_TOO_LARGE');

    // Assess
    expect(error.message).toContain('Page 2');
    expect(error.message).toContain('10,000 px');
  });

  it('rejects a PDF with more pages than allowed with TOO_MANY_PAGES', async () => {
    // Prepare
    const tooMany = await makePdf(LIMITS.maxPages + 1);

    // Act
    const error = await expectRejected(tooMany, 'TOO_MANY_PAGES');

    // Assess
    expect(error.message).toContain('3,001 pages');
  }, 60_000);
});

describe('Function: convertForOcr', () => {
  async function pngInfo(bytes: Uint8Array) {
    return sharp(bytes).metadata();
  }

  it('converts a WEBP to a PNG of the same size', async () => {
    // Prepare
    const inspection = await inspectDocument(webp);

    // Act
    const converted = await convertForOcr(webp, inspection);

    // Assess
    const meta = await pngInfo(converted.bytes);
    expect(converted.contentType).toBe('image/png');
    expect([...converted.bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 120, 80]);
    expect([converted.width, converted.height]).toEqual([120, 80]);
  });

  it('scales an oversized image down so its longest side fits the Textract limit', async () => {
    // Prepare
    const tall = await makeImage(400, 15_000, 'jpeg');
    const inspection = await inspectDocument(tall);

    // Act
    const converted = await convertForOcr(tall, inspection);

    // Assess
    const meta = await pngInfo(converted.bytes);
    expect(inspection.needsConversion).toBe(true);
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 267, LIMITS.maxImageSide]);
  });

  it('keeps a PNG over 10 MB within the OCR size cap', async () => {
    // Prepare
    const heavy = await makeNoisePng(2_000, 2_000);
    const inspection = await inspectDocument(heavy);

    // Act
    const converted = await convertForOcr(heavy, inspection);

    // Assess
    expect(converted.bytes.byteLength).toBeLessThanOrEqual(OCR_SYNC_MAX_BYTES);
    expect(converted.width).toBeGreaterThan(1_000);
  });

  it('applies the EXIF orientation, which the PNG cannot carry', async () => {
    // Prepare: stored 100 × 50, displayed rotated by 90° (orientation 6).
    const rotated = await sharp({ create: { width: 100, height: 50, channels: 3, background: '#fff' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const inspection = await inspectDocument(rotated);

    // Act
    const converted = await convertForOcr(rotated, inspection);

    // Assess
    const meta = await pngInfo(converted.bytes);
    expect([meta.width, meta.height]).toEqual([50, 100]);
  });

  it('refuses to convert a PDF or a multi-page TIFF', async () => {
    // Prepare
    const pdfInspection: DocumentInspection = await inspectDocument(pdf);
    const multiTiff = await makeMultiPageTiff(2);
    const tiffInspection = await inspectDocument(multiTiff);

    // Act & Assess
    await expect(convertForOcr(pdf, pdfInspection)).rejects.toBeInstanceOf(UnsupportedMediaTypeError);
    await expect(convertForOcr(multiTiff, tiffInspection)).rejects.toBeInstanceOf(UnsupportedMediaTypeError);
  });
});
