/**
 * Reads small print again, enlarged. Tesseract finds and binarizes glyphs at the size they are
 * stored; text under about 14 px a word (a letter-size form scanned at 75–100 dpi) loses strokes to
 * the threshold and merges letters, which no later step recovers. Enlarging such a page before
 * reading it recovers much of that (docs/ocr.md); pages with larger print read as well or worse
 * enlarged, so only small print is read twice, and only on images: PDF pages are rendered at the
 * resolution the engine chose.
 */
import { confidentText, readPage, TELLING_WORD, wordsOf } from './orientation.js';
import type { SegmentationTuning, UprightPage } from './orientation.js';
import type { PageImage } from './rasterize.js';
import type { RecognizedPage, SlotHandle } from './worker-pool.js';

export interface SmallPrintTuning extends SegmentationTuning {
  /** Median word height (px) under which a page is read again enlarged; 0 turns this off. */
  smallPrintHeight: number;
  /** Word height (px) the enlargement aims at. */
  targetPrintHeight: number;
  /** Largest enlargement. */
  maxEnlargement: number;
  /** Pixels an enlarged page may have. */
  maxEnlargedPixels: number;
}

/**
 * Median height of the words of a reading, in its pixels.
 *
 * @returns The height, or undefined when fewer than five words can say.
 */
export function medianWordHeight(page: RecognizedPage): number | undefined {
  const heights: number[] = [];
  for (const w of wordsOf(page)) if (TELLING_WORD.test(w.text)) heights.push(w.bbox.y1 - w.bbox.y0);
  if (heights.length < 5) return undefined;
  heights.sort((a, b) => a - b);
  return heights[Math.floor(heights.length / 2)];
}

/**
 * The page read again enlarged when its print is small and the enlarged reading finds more
 * confidently read text; otherwise the reading as it was.
 *
 * @param slot - Worker slot to read on.
 * @param image - The page as stored.
 * @param upright - The reading in its upright frame (turn applied).
 * @param tuning - Thresholds.
 * @returns The better reading, in the frame (and pixels) it was read in.
 */
export async function enlargeSmallPrint(
  slot: SlotHandle,
  image: PageImage,
  upright: UprightPage,
  tuning: SmallPrintTuning,
): Promise<UprightPage> {
  // PDF pages are rendered at a resolution chosen for speed (docs/ocr.md, "Resolution"); reading
  // their small print again doubled the CPU of the tune half's papers for 0.7 points of CER.
  if (tuning.smallPrintHeight <= 0 || image.rendered === true) return upright;
  const height = medianWordHeight(upright.result);
  if (height === undefined || height >= tuning.smallPrintHeight) return upright;
  const scale = Math.min(
    tuning.maxEnlargement,
    tuning.targetPrintHeight / Math.max(1, height),
    Math.sqrt(tuning.maxEnlargedPixels / (upright.width * upright.height)),
  );
  if (scale <= 1) return upright;
  const enlarged = await readPage(slot, image, tuning, upright.degrees, scale);
  return confidentText(enlarged.result) >= confidentText(upright.result) ? enlarged : upright;
}
