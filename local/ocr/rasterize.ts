/**
 * Turns a document (PDF or image) into one grayscale PNG per page for Tesseract. PDFs are rendered
 * with pdf.js on @napi-rs/canvas, images are decoded and normalised with sharp.
 */
import sharp from 'sharp';
import type { Metadata, OutputInfo, Sharp } from 'sharp';
import type * as Pdfjs from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { LIMITS } from '../../lambdas/core/task.js';
import { pdfjsDocumentParams } from './assets.js';
import { corruptDocument, encryptedPdf, OcrError } from './errors.js';

/** One page ready for OCR. */
export interface PageImage {
  /** 8-bit grayscale PNG. */
  png: Buffer;
  width: number;
  height: number;
  /** Resolution when known (PDF rendering, or a trustworthy image density); Tesseract estimates it otherwise. */
  dpi?: number;
  /** Rendered from a PDF at the chosen resolution (`pdfDpi`), rather than decoded from an image. */
  rendered?: boolean;
}

/** An opened document whose pages are rendered on demand, so only pages in flight use memory. */
export interface RasterDocument {
  readonly pageCount: number;
  /** Renders page `index` (0-based). */
  renderPage(index: number): Promise<PageImage>;
  close(): Promise<void>;
}

export interface RasterOptions {
  /** Rendering resolution of PDF pages. */
  pdfDpi?: number;
  /** Pixel cap of one page; larger pages are rendered (or scaled) smaller. */
  maxPixelsPerPage?: number;
  /** Cap on each side of a page, as Textract has. */
  maxSide?: number;
  /**
   * Images whose width is below this are upscaled to it: Tesseract's LSTM reads text best with
   * glyphs about 20–30 px high, and phone shots of receipts are often far smaller.
   */
  minImageWidth?: number;
}

const DEFAULTS: Required<RasterOptions> = {
  pdfDpi: 300,
  maxPixelsPerPage: LIMITS.maxPixelsPerPage,
  maxSide: LIMITS.maxImageSide,
  minImageWidth: 0,
};

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/tiff', 'image/webp']);

/**
 * Opens a document for page rendering.
 *
 * @param bytes - The document.
 * @param contentType - One of the supported types (already verified by magic bytes).
 * @param options - Rendering options.
 * @returns The opened document.
 * @throws OcrError `BadDocumentException` (`CORRUPT_DOCUMENT` / `ENCRYPTED_PDF`) when it cannot be
 *   read, `DocumentTooLargeException` when it has too many pages or too many pixels.
 */
export async function openRasterDocument(
  bytes: Uint8Array,
  contentType: string,
  options: RasterOptions = {},
): Promise<RasterDocument> {
  const opts = { ...DEFAULTS, ...options };
  let doc: RasterDocument;
  if (contentType === 'application/pdf') doc = await openPdf(bytes, opts);
  else if (IMAGE_TYPES.has(contentType)) doc = await openImage(bytes, contentType, opts);
  else
    throw new OcrError(
      'UnsupportedDocumentException',
      'UNSUPPORTED_TYPE',
      `Unsupported content type ${contentType}`,
    );
  if (doc.pageCount > LIMITS.maxPages) {
    await doc.close();
    throw new OcrError(
      'DocumentTooLargeException',
      'TOO_MANY_PAGES',
      `The document has ${doc.pageCount} pages; at most ${LIMITS.maxPages} are supported`,
    );
  }
  if (doc.pageCount < 1) {
    await doc.close();
    throw corruptDocument('The document has no pages');
  }
  return doc;
}

/** Scale that keeps a page within the pixel and side caps. */
function fitScale(width: number, height: number, maxPixels: number, maxSide: number): number {
  return Math.min(1, Math.sqrt(maxPixels / (width * height)), maxSide / width, maxSide / height);
}

/** Encodes for Tesseract: PNG at low compression, since it is decoded once moments later. */
function toPng(image: Sharp): Promise<{ data: Buffer; info: OutputInfo }> {
  return image.png({ compressionLevel: 1, adaptiveFiltering: false }).toBuffer({ resolveWithObject: true });
}

/** The slice of pdf.js's (untyped) canvas factory used here. */
interface CanvasFactory {
  create(width: number, height: number): CanvasAndContext;
  destroy(entry: CanvasAndContext): void;
}
interface CanvasAndContext {
  canvas: HTMLCanvasElement;
  context: CanvasRenderingContext2D;
}

type PdfjsModule = typeof Pdfjs;
let pdfjsModule: Promise<PdfjsModule> | undefined;

/** pdf.js is loaded on first use: image-only workloads never pay for it. */
function loadPdfjs(): Promise<PdfjsModule> {
  pdfjsModule ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjsModule;
}

async function openPdf(bytes: Uint8Array, opts: Required<RasterOptions>): Promise<RasterDocument> {
  const pdfjs = await loadPdfjs();
  let pdf: PDFDocumentProxy;
  try {
    const task = pdfjs.getDocument(pdfjsDocumentParams(bytes));
    pdf = await task.promise;
  } catch (error) {
    if (errorName(error) === 'PasswordException') throw encryptedPdf(error);
    throw corruptDocument(`The PDF cannot be read: ${errorMessage(error)}`, error);
  }
  const scale = opts.pdfDpi / 72;
  return {
    pageCount: pdf.numPages,
    async renderPage(index) {
      try {
        const page = await pdf.getPage(index + 1);
        try {
          const base = page.getViewport({ scale });
          const fit = fitScale(base.width, base.height, opts.maxPixelsPerPage, opts.maxSide);
          const viewport = fit < 1 ? page.getViewport({ scale: scale * fit }) : base;
          const width = Math.max(1, Math.floor(viewport.width));
          const height = Math.max(1, Math.floor(viewport.height));
          // pdf.js draws with its own copy of @napi-rs/canvas; mixing in objects of another copy
          // (the project's) crashes the native code, so the canvas must come from its factory.
          const factory = pdf.canvasFactory as CanvasFactory;
          const entry = factory.create(width, height);
          const { canvas, context } = entry;
          // Transparent areas would turn black in grayscale; scanners and viewers show white paper.
          context.fillStyle = '#ffffff';
          context.fillRect(0, 0, width, height);
          await page.render({ canvas, canvasContext: context, viewport }).promise;
          const rgba = context.getImageData(0, 0, width, height).data;
          // Frees the 4-bytes-a-pixel surface now instead of at the next garbage collection.
          factory.destroy(entry);
          const { data } = await toPng(
            sharp(Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength), {
              raw: { width, height, channels: 4 },
            })
              .removeAlpha()
              .toColourspace('b-w'),
          );
          return { png: data, width, height, dpi: Math.round(opts.pdfDpi * fit), rendered: true };
        } finally {
          page.cleanup();
        }
      } catch (error) {
        if (error instanceof OcrError) throw error;
        throw corruptDocument(
          `Page ${index + 1} of the PDF cannot be rendered: ${errorMessage(error)}`,
          error,
        );
      }
    },
    async close() {
      await pdf.destroy().catch(() => undefined);
    },
  };
}

async function openImage(
  bytes: Uint8Array,
  contentType: string,
  opts: Required<RasterOptions>,
): Promise<RasterDocument> {
  // `limitInputPixels` makes sharp refuse decompression bombs before decoding the pixels.
  const input = { limitInputPixels: opts.maxPixelsPerPage, failOn: 'error' } as const;
  let metadata: Metadata;
  try {
    // Header only, no pixels decoded: the size check below gives a clearer error than sharp's.
    metadata = await sharp(bytes, { ...input, limitInputPixels: false }).metadata();
  } catch (error) {
    throw corruptDocument(`The image cannot be read: ${errorMessage(error)}`, error);
  }
  const { width = 0, height = 0 } = metadata;
  if (width * height > opts.maxPixelsPerPage) {
    throw new OcrError(
      'DocumentTooLargeException',
      'IMAGE_TOO_LARGE',
      `The image has ${width}×${height} pixels; at most ${opts.maxPixelsPerPage} pixels per page are supported`,
    );
  }
  // Only TIFF pages are pages; the frames of an animated WebP are not.
  const pageCount = contentType === 'image/tiff' ? Math.max(1, metadata.pages ?? 1) : 1;
  // Camera and screen images carry 72/96 dpi that says nothing about text size; only trust
  // scanner-like densities and let Tesseract estimate the others from the glyphs.
  const density = metadata.density;
  const dpi = density !== undefined && density >= 150 && density <= 1200 ? Math.round(density) : undefined;
  return {
    pageCount,
    async renderPage(index) {
      try {
        const image = sharp(bytes, { ...input, page: index })
          // EXIF orientation first: phones store portrait shots sideways plus a rotation tag.
          .rotate()
          .flatten({ background: '#ffffff' })
          .toColourspace('b-w');
        const page = await sharp(bytes, { ...input, page: index }).metadata();
        const swapped = (page.orientation ?? 1) >= 5;
        const w = (swapped ? page.height : page.width) ?? 1;
        const h = (swapped ? page.width : page.height) ?? 1;
        const up = opts.minImageWidth > w ? opts.minImageWidth / w : 1;
        const factor = up * fitScale(w * up, h * up, opts.maxPixelsPerPage, opts.maxSide);
        const target = Math.max(1, Math.round(w * factor));
        const resized = target !== w;
        if (resized) image.resize({ width: target, kernel: factor > 1 ? 'cubic' : 'lanczos3' });
        const { data, info } = await toPng(image);
        const scaled = resized && dpi !== undefined ? Math.round(dpi * factor) : dpi;
        return {
          png: data,
          width: info.width,
          height: info.height,
          ...(scaled !== undefined ? { dpi: scaled } : {}),
        };
      } catch (error) {
        throw corruptDocument(`The image cannot be decoded: ${errorMessage(error)}`, error);
      }
    },
    async close() {},
  };
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
