/**
 * Decides, from the uploaded bytes alone, whether and how a document can be processed. Runs in the
 * workflow's Download step, before anything is sent to an OCR engine, so that a bad document fails
 * fast with a stable code and a message the user can act on instead of an opaque engine error.
 *
 * Documents are judged by content (magic bytes, then the real decoders), never by file name or the
 * declared Content-Type: both are user-controlled and routinely wrong.
 */
import sharp from 'sharp';
import type { Metadata } from 'sharp';
import { isSupportedType, sniff, type Sniffed } from './content-type.js';
import { DocumentRejectedError, UnsupportedMediaTypeError } from './errors.js';
import { LIMITS } from './task.js';
import type { SupportedType } from './task.js';

/**
 * Textract's cap for synchronous `DetectDocumentText`, and for JPEG/PNG in any mode (PDF and TIFF
 * may be larger when processed asynchronously).
 */
export const OCR_SYNC_MAX_BYTES = 10 * 1024 * 1024;

export interface DocumentInspection {
  /** The type the bytes really are (sniffed), regardless of what was declared. */
  contentType: SupportedType;
  pages: number;
  /** Pixel size of the (first) page of a raster image; absent for PDFs. */
  width?: number;
  height?: number;
  /**
   * The bytes cannot go to Textract as they are and must pass through `convertForOcr` first: WEBP
   * (not accepted by Textract), an image with a side over `LIMITS.maxImageSide`, or a PNG/JPEG over
   * `OCR_SYNC_MAX_BYTES` (Textract's size cap for those formats in every mode).
   */
  needsConversion: boolean;
  /**
   * How to call the OCR engine for the document as it will be sent, i.e. after conversion when
   * `needsConversion`: `sync` for one page within `OCR_SYNC_MAX_BYTES`, `async` for multi-page
   * PDF/TIFF and for single-page PDF/TIFF over that size.
   */
  mode: 'sync' | 'async';
  /** Things worth telling the user that do not stop processing. */
  warnings: string[];
}

const TYPE_LABELS: Record<SupportedType, string> = {
  'application/pdf': 'PDF',
  'image/png': 'PNG image',
  'image/jpeg': 'JPEG image',
  'image/tiff': 'TIFF image',
  'image/webp': 'WEBP image',
};

const SUPPORTED_LIST = 'PDF, PNG, JPEG, TIFF or WEBP';

/** Common non-canonical spellings of our types, so that e.g. a PNG declared `image/jpg` still mismatches. */
const DECLARED_ALIASES: Record<string, SupportedType> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
  'image/apng': 'image/png',
  'image/tif': 'image/tiff',
  'image/x-tiff': 'image/tiff',
  'application/x-pdf': 'application/pdf',
};

/** Raster formats as sharp names them; a disagreement with the sniffed type means a garbled file. */
const SHARP_FORMATS: Partial<Record<SupportedType, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/tiff': 'tiff',
  'image/webp': 'webp',
};

/** Lower-cased media type without parameters (`image/png; charset=x` → `image/png`). */
function normalizeDeclared(declared: string): string {
  const base = declared.split(';', 1)[0] ?? '';
  return base.trim().toLowerCase();
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const formatInt = (n: number): string => n.toLocaleString('en-US');

function describeUnsupported(sniffed: Sniffed): string {
  if (sniffed.detectedMime === undefined) {
    return `The file's contents are not a ${SUPPORTED_LIST} document (it may be text or an unknown format). Upload a ${SUPPORTED_LIST} file.`;
  }
  const ext = sniffed.detectedExt?.toUpperCase() ?? 'unknown';
  return `The file is a ${ext} file (${sniffed.detectedMime}), which cannot be processed. Upload a ${SUPPORTED_LIST} file.`;
}

/**
 * Compares the declared type with the sniffed one. Only a declared type that is itself one of ours
 * can contradict the contents; generic or unrelated declarations (`application/octet-stream`, a
 * browser guessing from the extension) are common and harmless, so they only earn a warning.
 */
function checkDeclaredType(
  declared: string | null | undefined,
  actual: SupportedType,
  warnings: string[],
): void {
  if (declared === undefined || declared === null) return;
  const normalized = normalizeDeclared(declared);
  if (normalized === '') return;
  const canonical = DECLARED_ALIASES[normalized] ?? normalized;
  if (canonical === actual) return;
  // Client-controlled and echoed back to the user: keep it short.
  const shown = declared.trim().slice(0, 100);
  if (isSupportedType(canonical)) {
    throw new DocumentRejectedError(
      'TYPE_MISMATCH',
      `The file was declared as ${shown} but its contents are a ${TYPE_LABELS[actual]} (${actual}). Upload it again with the correct type.`,
    );
  }
  if (normalized !== 'application/octet-stream' && normalized !== 'binary/octet-stream') {
    warnings.push(
      `The file was declared as ${shown} but its contents are a ${TYPE_LABELS[actual]} (${actual}); it is processed as ${actual}.`,
    );
  }
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string'
    ? error.name
    : undefined;
}

function isPixelLimitError(error: unknown): boolean {
  return error instanceof Error && /pixel limit/i.test(error.message);
}

interface PdfFacts {
  pages: number;
  warnings: string[];
}

async function inspectPdf(bytes: Uint8Array): Promise<PdfFacts> {
  // Loaded lazily: pdfjs is large and only the PDF path needs it (Lambda cold starts, image-only tests).
  // The worker's module is imported too, not left for pdf.js to load by path at parse time: a bundle
  // has no `pdf.worker.mjs` beside it, and importing it registers `globalThis.pdfjsWorker`, which
  // pdf.js uses instead. (pdf.js also needs `DOMMatrix` while loading; in Lambda it comes from
  // @napi-rs/canvas in the function's layer, see lib/constructs/sharp-layer.ts.)
  const [{ getDocument }] = await Promise.all([
    import('pdfjs-dist/legacy/build/pdf.mjs'),
    import('pdfjs-dist/legacy/build/pdf.worker.mjs'),
  ]);
  const task = getDocument({
    // A copy, because pdfjs transfers (detaches) the buffer it is given to its worker.
    data: bytes.slice(),
    // Parse only: no eval, no fonts, no network, no XFA; nothing may be fetched or executed.
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    useWorkerFetch: false,
    disableAutoFetch: true,
    disableStream: true,
    disableRange: true,
    enableXfa: false,
    // Errors only: pdfjs otherwise prints a warning for every oddity of real-world PDFs.
    verbosity: 0,
  });
  const warnings: string[] = [];
  try {
    const doc = await task.promise;
    const pages = doc.numPages;
    if (pages > LIMITS.maxPages) {
      throw new DocumentRejectedError(
        'TOO_MANY_PAGES',
        `The PDF has ${formatInt(pages)} pages; at most ${formatInt(LIMITS.maxPages)} can be processed. Split it into smaller documents.`,
      );
    }
    if (pages < 1) throw new Error('PDF has no pages');
    // numPages comes from the catalog's /Count; resolving the first and last page walks the page tree,
    // which catches PDFs whose structure parses but whose pages do not.
    await doc.getPage(1);
    if (pages > 1) await doc.getPage(pages);
    // Permissions exist only on encrypted PDFs; reaching here means the user password is empty.
    if ((await doc.getPermissions()) !== null) {
      warnings.push(
        'The PDF is encrypted with an owner password (it opens without a password); some OCR engines may refuse it. If recognition fails, save an unprotected copy and upload that.',
      );
    }
    return { pages, warnings };
  } catch (error) {
    if (error instanceof DocumentRejectedError) throw error;
    if (errorName(error) === 'PasswordException') {
      throw new DocumentRejectedError(
        'ENCRYPTED_PDF',
        'The PDF is password-protected. Remove the password (e.g. print or save it as an unprotected PDF) and upload it again.',
        { cause: error },
      );
    }
    throw new DocumentRejectedError(
      'CORRUPT_DOCUMENT',
      'The PDF is damaged or incomplete and cannot be read. Check that the upload finished and that the file opens on your computer.',
      { cause: error },
    );
  } finally {
    await task.destroy().catch(() => undefined);
  }
}

interface PageSize {
  width: number;
  height: number;
}

function corruptImage(contentType: SupportedType, cause?: unknown): DocumentRejectedError {
  return new DocumentRejectedError(
    'CORRUPT_DOCUMENT',
    `The ${TYPE_LABELS[contentType]} is damaged or incomplete and cannot be read. Check that the upload finished and that the file opens on your computer.`,
    { cause },
  );
}

/**
 * Header-only metadata. `limitInputPixels: false` is safe here because metadata never decodes pixels,
 * and it lets us report the real size of a pixel bomb instead of a generic failure.
 */
async function readMetadata(bytes: Uint8Array, contentType: SupportedType, page?: number): Promise<Metadata> {
  try {
    return await sharp(bytes, {
      limitInputPixels: false,
      ...(page === undefined ? {} : { page }),
    }).metadata();
  } catch (error) {
    throw corruptImage(contentType, error);
  }
}

function sizeOf(meta: Metadata, contentType: SupportedType): PageSize {
  const { width, height } = meta;
  if (!(width > 0 && height > 0)) throw corruptImage(contentType);
  return { width, height };
}

/** Page sizes of a multi-page TIFF: one cheap call when all pages match, else one header read per page. */
async function tiffPageSizes(bytes: Uint8Array, pages: number): Promise<PageSize[]> {
  try {
    const all = await sharp(bytes, { pages: -1, limitInputPixels: false }).metadata();
    if (all.pageHeight !== undefined && all.pageHeight > 0 && all.width > 0) {
      return Array.from({ length: pages }, () => ({ width: all.width, height: all.pageHeight ?? 0 }));
    }
  } catch {
    // libvips refuses to stack pages of different sizes; fall through to reading each header.
  }
  const sizes: PageSize[] = [];
  for (let page = 0; page < pages; page++) {
    sizes.push(sizeOf(await readMetadata(bytes, 'image/tiff', page), 'image/tiff'));
  }
  return sizes;
}

/**
 * Decodes one page down to a single pixel to prove the pixel data is intact: headers of truncated
 * images parse fine, only decoding finds the damage. libvips streams the decode, so memory stays small,
 * and `limitInputPixels` is the hard stop should a header have lied about its size. Nearest-neighbour
 * to 1 × 1 still reads every row (PNG and TIFF strips inflate in order; JPEG decodes every scan), at
 * a third of the cost of a smoothed thumbnail.
 */
async function verifyDecodes(bytes: Uint8Array, contentType: SupportedType, page: number): Promise<void> {
  try {
    await sharp(bytes, {
      page,
      failOn: 'error',
      limitInputPixels: LIMITS.maxPixelsPerPage,
      sequentialRead: true,
    })
      .resize(1, 1, { fit: 'fill', kernel: 'nearest' })
      .raw()
      .toBuffer();
  } catch (error) {
    if (isPixelLimitError(error)) throw pixelBomb(contentType, undefined, page);
    throw corruptImage(contentType, error);
  }
}

function pixelBomb(
  contentType: SupportedType,
  size: PageSize | undefined,
  page: number,
): DocumentRejectedError {
  const where =
    contentType === 'image/tiff' ? `Page ${page + 1} of the TIFF image` : `The ${TYPE_LABELS[contentType]}`;
  const dims =
    size === undefined
      ? 'has more pixels than allowed'
      : `is ${formatInt(size.width)} × ${formatInt(size.height)} px (${formatInt(size.width * size.height)} pixels)`;
  return new DocumentRejectedError(
    'IMAGE_TOO_LARGE',
    `${where} ${dims}; at most ${formatInt(LIMITS.maxPixelsPerPage)} pixels per page can be processed. Scan or export it at a lower resolution.`,
  );
}

interface RasterFacts {
  pages: number;
  width: number;
  height: number;
  oversized: boolean;
  warnings: string[];
}

async function inspectRaster(bytes: Uint8Array, contentType: SupportedType): Promise<RasterFacts> {
  const meta = await readMetadata(bytes, contentType);
  const expectedFormat = SHARP_FORMATS[contentType];
  if (expectedFormat !== undefined && meta.format !== expectedFormat) throw corruptImage(contentType);
  const first = sizeOf(meta, contentType);
  const warnings: string[] = [];

  // Only TIFF pages are documents pages; extra frames of an animated WEBP are not.
  let pages = 1;
  if (contentType === 'image/tiff') {
    pages = meta.pages ?? 1;
  } else if ((meta.pages ?? 1) > 1) {
    warnings.push(`The image is animated (${meta.pages} frames); only the first frame is recognised.`);
  }
  if (pages > LIMITS.maxPages) {
    throw new DocumentRejectedError(
      'TOO_MANY_PAGES',
      `The TIFF image has ${formatInt(pages)} pages; at most ${formatInt(LIMITS.maxPages)} can be processed. Split it into smaller documents.`,
    );
  }

  const sizes = pages > 1 ? await tiffPageSizes(bytes, pages) : [first];
  sizes.forEach((size, page) => {
    if (size.width * size.height > LIMITS.maxPixelsPerPage) throw pixelBomb(contentType, size, page);
    // A single image can be downscaled into one PNG; a multi-page TIFF cannot be rebuilt that way,
    // and Textract rejects any page with a longer side, so say so now rather than fail in OCR.
    if (pages > 1 && Math.max(size.width, size.height) > LIMITS.maxImageSide) {
      throw new DocumentRejectedError(
        'IMAGE_TOO_LARGE',
        `Page ${page + 1} of the TIFF image is ${formatInt(size.width)} × ${formatInt(size.height)} px; pages of a multi-page TIFF may be at most ${formatInt(LIMITS.maxImageSide)} px on each side. Scan it at a lower resolution or upload the pages separately.`,
      );
    }
  });

  await verifyDecodes(bytes, contentType, 0);
  if (pages > 1) await verifyDecodes(bytes, contentType, pages - 1);

  const oversized = Math.max(first.width, first.height) > LIMITS.maxImageSide;
  if (oversized) {
    warnings.push(
      `The image is ${formatInt(first.width)} × ${formatInt(first.height)} px; it is scaled down to at most ${formatInt(LIMITS.maxImageSide)} px on its longest side for recognition.`,
    );
  }
  return { pages, width: first.width, height: first.height, oversized, warnings };
}

/**
 * Inspects an uploaded document and decides whether and how it can be processed.
 *
 * Checks, in order: emptiness, size, real type (magic bytes), the declared type against the real one,
 * then parses the document (pdfjs for PDFs, sharp for images) for damage, encryption, page count and
 * pixel dimensions. Pixels are decoded only as a streamed thumbnail, after the header proved the size
 * is within `LIMITS.maxPixelsPerPage`.
 *
 * @param bytes - The whole uploaded file.
 * @param declaredContentType - The Content-Type the client declared, if any. It never decides the type;
 *   a supported type that contradicts the contents is rejected as `TYPE_MISMATCH`.
 * @returns What the document is and how to send it to OCR.
 * @throws DocumentRejectedError with `EMPTY_FILE`, `FILE_TOO_LARGE`, `UNSUPPORTED_TYPE`,
 *   `TYPE_MISMATCH`, `CORRUPT_DOCUMENT`, `ENCRYPTED_PDF`, `IMAGE_TOO_LARGE` or `TOO_MANY_PAGES`.
 */
export async function inspectDocument(
  bytes: Uint8Array,
  declaredContentType?: string | null,
): Promise<DocumentInspection> {
  if (bytes.byteLength === 0) {
    throw new DocumentRejectedError('EMPTY_FILE', 'The file is empty (0 bytes). Upload it again.');
  }
  if (bytes.byteLength > LIMITS.maxUploadBytes) {
    throw new DocumentRejectedError(
      'FILE_TOO_LARGE',
      `The file is ${formatBytes(bytes.byteLength)}; at most ${formatBytes(LIMITS.maxUploadBytes)} can be processed.`,
    );
  }

  // The whole file, not just the head: some detectors (TIFF-based RAW, APNG) look past the first 4 KB.
  const sniffed = await sniff(bytes);
  const contentType = sniffed.contentType;
  if (contentType === undefined)
    throw new DocumentRejectedError('UNSUPPORTED_TYPE', describeUnsupported(sniffed));

  const warnings: string[] = [];
  checkDeclaredType(declaredContentType, contentType, warnings);

  if (contentType === 'application/pdf') {
    const pdf = await inspectPdf(bytes);
    warnings.push(...pdf.warnings);
    const mode = pdf.pages === 1 && bytes.byteLength <= OCR_SYNC_MAX_BYTES ? 'sync' : 'async';
    return { contentType, pages: pdf.pages, needsConversion: false, mode, warnings };
  }

  const raster = await inspectRaster(bytes, contentType);
  warnings.push(...raster.warnings);
  const singlePage = raster.pages === 1;
  // PNG and JPEG over the cap are refused by Textract in every mode; only re-encoding helps.
  const tooBigForImageOcr =
    (contentType === 'image/png' || contentType === 'image/jpeg') && bytes.byteLength > OCR_SYNC_MAX_BYTES;
  const needsConversion =
    singlePage && (contentType === 'image/webp' || raster.oversized || tooBigForImageOcr);
  if (contentType === 'image/webp') {
    warnings.push('WEBP is not accepted by the OCR engine; the image is converted to PNG.');
  } else if (tooBigForImageOcr && !raster.oversized) {
    warnings.push(
      `The image is ${formatBytes(bytes.byteLength)}; it is re-encoded (and scaled down if needed) to stay within ${formatBytes(OCR_SYNC_MAX_BYTES)}.`,
    );
  }
  const mode = needsConversion || (singlePage && bytes.byteLength <= OCR_SYNC_MAX_BYTES) ? 'sync' : 'async';
  return {
    contentType,
    pages: raster.pages,
    width: raster.width,
    height: raster.height,
    needsConversion,
    mode,
    warnings,
  };
}

export interface ConvertedDocument {
  bytes: Uint8Array;
  contentType: 'image/png';
  width: number;
  height: number;
}

async function encodePng(
  bytes: Uint8Array,
  maxSide: number,
  greyscale: boolean,
): Promise<{ data: Buffer; width: number; height: number }> {
  let pipeline = sharp(bytes, { failOn: 'error', limitInputPixels: LIMITS.maxPixelsPerPage })
    // Converting drops EXIF, so bake the orientation in or the OCR would see a rotated page.
    .autoOrient()
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true });
  if (greyscale) pipeline = pipeline.greyscale();
  const { data, info } = await pipeline.png().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * Converts a single-page image into a PNG the OCR engine accepts: WEBP becomes PNG, the longest side is
 * scaled down to `LIMITS.maxImageSide`, and the result is kept within `OCR_SYNC_MAX_BYTES` — first by
 * dropping colour (text recognition does not need it), then by scaling down further.
 *
 * @param bytes - The original upload.
 * @param inspection - Its inspection from `inspectDocument`.
 * @throws UnsupportedMediaTypeError for PDFs and multi-page TIFFs, which are never converted.
 * @throws DocumentRejectedError `CORRUPT_DOCUMENT` when the pixels cannot be decoded.
 */
export async function convertForOcr(
  bytes: Uint8Array,
  inspection: DocumentInspection,
): Promise<ConvertedDocument> {
  if (inspection.contentType === 'application/pdf' || inspection.pages !== 1) {
    throw new UnsupportedMediaTypeError(
      `Only single-page images can be converted for OCR, not a ${inspection.pages}-page ${inspection.contentType}.`,
    );
  }
  try {
    let maxSide: number = LIMITS.maxImageSide;
    let greyscale = false;
    for (let attempt = 0; ; attempt++) {
      const png = await encodePng(bytes, maxSide, greyscale);
      if (png.data.byteLength <= OCR_SYNC_MAX_BYTES || attempt >= 8) {
        return { bytes: png.data, contentType: 'image/png', width: png.width, height: png.height };
      }
      if (!greyscale) {
        greyscale = true;
        maxSide = Math.max(png.width, png.height);
        continue;
      }
      // PNG size is roughly proportional to the pixel count, so scale each side by the square root.
      const scale = Math.sqrt(OCR_SYNC_MAX_BYTES / png.data.byteLength) * 0.9;
      maxSide = Math.max(1, Math.floor(Math.max(png.width, png.height) * scale));
    }
  } catch (error) {
    if (isPixelLimitError(error)) {
      throw pixelBomb(inspection.contentType, undefined, 0);
    }
    throw corruptImage(inspection.contentType, error);
  }
}
