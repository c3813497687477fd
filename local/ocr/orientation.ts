/**
 * Puts pages upright before (or while) recognizing them.
 *
 * Tesseract's orientation detection (OSD, legacy classifier on `osd.traineddata`) is fast and
 * reliable on pages with enough text: confidences of 6–30 on documents. On sparse, small text
 * (receipts) it is near-random (confidence under 3), and a wrong 180° turn ruins the page. So a
 * rotation is only trusted above a confidence threshold; below it the page is recognized as stored
 * and, when that reads badly, the turned alternatives are recognized too and the most confident
 * reading wins. Recognition confidence separates upright (60–80) from upside-down text (about 30)
 * clearly; sideways text it does not, but OSD handles 90/270 well on anything with text lines.
 */
import sharp from 'sharp';
import type { PageImage } from './rasterize.js';
import type { RecognizedPage, SlotHandle } from './worker-pool.js';

export interface OrientationTuning {
  /** Run OSD at all. */
  detect: boolean;
  /** OSD confidence from which its rotation is applied without checking. */
  osdMinConfidence: number;
  /** Mean recognition confidence (0–100) below which turned alternatives are tried. */
  verifyBelowConfidence: number;
  /** Tesseract page segmentation mode for an upright page of this size. */
  psmFor(width: number, height: number): string;
}

/** Recognition of a page in the frame it was read in. */
export interface UprightPage {
  result: RecognizedPage;
  width: number;
  height: number;
  /** Clockwise turn applied to the stored page. */
  degrees: number;
}

/** Number of words Tesseract found, to tell a blank page from an unreadable one. */
function wordCount(page: RecognizedPage): number {
  let count = 0;
  for (const block of page.blocks)
    for (const p of block.paragraphs) for (const l of p.lines) count += l.words.length;
  return count;
}

/**
 * Recognizes a page in its upright orientation.
 *
 * @param slot - Worker slot to run OSD and recognition on.
 * @param image - The page as stored.
 * @param tuning - Thresholds.
 * @returns The recognition, the size of the image it refers to and the turn applied.
 */
export async function recognizeUpright(
  slot: SlotHandle,
  image: PageImage,
  tuning: OrientationTuning,
): Promise<UprightPage> {
  const recognizeAt = async (degrees: number): Promise<UprightPage> => {
    let { png, width, height } = image;
    if (degrees !== 0) {
      const turned = await sharp(png)
        .rotate(degrees)
        .png({ compressionLevel: 1 })
        .toBuffer({ resolveWithObject: true });
      png = turned.data;
      width = turned.info.width;
      height = turned.info.height;
    }
    const params = {
      // Known resolution helps Tesseract's size heuristics; 0 lets it estimate from the glyphs.
      user_defined_dpi: String(image.dpi ?? 0),
      tessedit_pageseg_mode: tuning.psmFor(width, height) as never,
    };
    return { result: await slot.recognize(png, params), width, height, degrees };
  };
  if (!tuning.detect) return recognizeAt(0);

  const osd = await slot.detectOrientation(image.png);
  // OSD reports the clockwise turn that makes the text upright.
  const suggested = osd === undefined ? 0 : ((osd.degrees % 360) + 360) % 360;
  const trusted = osd !== undefined && osd.confidence >= tuning.osdMinConfidence;
  let best = await recognizeAt(trusted ? suggested : 0);
  if (best.result.confidence >= tuning.verifyBelowConfidence || wordCount(best.result) === 0) return best;

  const alternatives = new Set([trusted ? 0 : suggested, (best.degrees + 180) % 360]);
  alternatives.delete(best.degrees);
  for (const degrees of alternatives) {
    const candidate = await recognizeAt(degrees);
    if (candidate.result.confidence > best.result.confidence) best = candidate;
  }
  return best;
}
