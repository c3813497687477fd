/**
 * Puts pages upright before recognizing them.
 *
 * Tesseract's orientation detection (OSD, legacy classifier on `osd.traineddata`) is fast and
 * reliable on pages with text lines: confidences of 6–30 on documents, and even a single sideways
 * line is called right. On sparse small print (receipts) its upright-versus-upside-down verdict is
 * near-random (confidence under 3), and a wrong 180° turn ruins the page. So a 180° verdict is only
 * trusted above a threshold; below it the page is read as stored and, when that reads badly, the
 * turned alternatives are read too and the most confident reading wins. Recognition confidence
 * separates upright (60–80) from upside-down text (about 30) clearly; sideways text it does not
 * (Tesseract reads vertical lines fairly confidently), which is why 90/270° verdicts are trusted.
 * Receipt-shaped pages also get their own segmentation mode (one block of text): their columns of
 * item names and prices are one list, not separate text columns.
 *
 * A turn is the one step that can make a good page unreadable, so it needs strong evidence: an OSD
 * verdict is applied unchecked only at a confidence real turned pages reach (documents 6–17) and
 * sparse upright pages do not; a weaker verdict makes the engine read the page both as stored and
 * turned, and the turned reading wins only when it is clearly more confident (`turnMinGain`).
 */
import sharp from 'sharp';
import type { PageImage } from './rasterize.js';
import type { RecognizedPage, SlotHandle } from './worker-pool.js';

export interface OrientationTuning {
  /** Run OSD at all. */
  detect: boolean;
  /**
   * OSD confidence from which an upside-down verdict (180°) is considered at all (with 25 glyphs
   * tried, receipts give 0–6, pages 8–17).
   */
  osdMinConfidence: number;
  /** OSD confidence from which a sideways verdict (90/270°) is considered at all (one line: about 1.5). */
  osdSidewaysMinConfidence: number;
  /** OSD confidence from which an upside-down verdict is applied without reading the page both ways. */
  osdTrustConfidence: number;
  /** OSD confidence from which a sideways verdict is applied without reading the page both ways (turned pages: 6–16). */
  osdSidewaysTrustConfidence: number;
  /**
   * A turned reading replaces the reading as stored only when its mean confidence is higher by at
   * least this much (0–100 scale): a turn needs clear evidence, an upright page must never lose.
   */
  turnMinGain: number;
  /**
   * What a turned reading is judged by against the page as stored: `meanConfidence` (its mean word
   * confidence must gain `turnMinGain` points) or `confidentText` (its confidently read text, the sum
   * of characters × confidence, must be `turnMinTextRatio` times as much). Tesseract reads a page
   * turned 90° at about its upright mean confidence but finds far less text on a sideways receipt.
   */
  turnEvidence: 'meanConfidence' | 'confidentText';
  /** With `confidentText`: how many times the stored reading's confident text a turn must read. */
  turnMinTextRatio: number;
  /**
   * Read a page far wider than tall (`tallAspect`) that nothing turned also turned 90° and 270°, and
   * keep a turn that reads `turnMinTextRatio` times the confident text: such a page is most likely a
   * receipt scanned sideways, on which OSD finds too few glyphs to say so.
   */
  wideTurnCheck: boolean;
  /** Mean recognition confidence (0–100) below which turned alternatives are tried. */
  verifyBelowConfidence: number;
  /** Tesseract page segmentation mode of ordinary pages; 3 = fully automatic (columns, blocks). */
  psm: string;
  /** Pages at least this many times taller than wide are receipts or till rolls. */
  tallAspect: number;
  /** Segmentation mode of tall pages: one column, read as one block. */
  tallPsm: string;
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

/** Characters read, each weighted by its word's confidence (0–1): how much text a reading found for sure. */
export function confidentText(page: RecognizedPage): number {
  let total = 0;
  for (const block of page.blocks)
    for (const p of block.paragraphs)
      for (const l of p.lines)
        for (const w of l.words) total += (w.text.trim().length * Math.max(0, w.confidence)) / 100;
  return total;
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
  const readings = new Map<number, Promise<UprightPage>>();
  const recognizeAt = (degrees: number): Promise<UprightPage> => {
    let reading = readings.get(degrees);
    if (!reading) {
      reading = read(degrees);
      readings.set(degrees, reading);
    }
    return reading;
  };
  const read = async (degrees: number): Promise<UprightPage> => {
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
      tessedit_pageseg_mode: (height >= width * tuning.tallAspect ? tuning.tallPsm : tuning.psm) as never,
    };
    return { result: await slot.recognize(png, params), width, height, degrees };
  };
  if (!tuning.detect) return recognizeAt(0);

  const osd = await slot.detectOrientation(image.png);
  // OSD reports the clockwise turn that makes the text upright.
  const suggested = osd === undefined ? 0 : ((osd.degrees % 360) + 360) % 360;
  // Sideways verdicts are trusted at a low confidence: OSD tells text lines from columns of glyphs
  // well even on a single line, and recognition confidence could not correct it (Tesseract reads
  // vertical lines fairly confidently). Its 0-versus-180 verdicts are what goes wrong on sparse text.
  const confidence = osd?.confidence ?? 0;
  const considered =
    suggested !== 0 &&
    confidence >= (suggested === 180 ? tuning.osdMinConfidence : tuning.osdSidewaysMinConfidence);
  const trusted =
    considered &&
    confidence >= (suggested === 180 ? tuning.osdTrustConfidence : tuning.osdSidewaysTrustConfidence);
  /** The turned reading if it is clearly better than `base`, else `base`. */
  const better = (base: UprightPage, turned: UprightPage): UprightPage => {
    if (wordCount(turned.result) === 0) return base;
    const wins =
      tuning.turnEvidence === 'confidentText'
        ? confidentText(turned.result) >= confidentText(base.result) * tuning.turnMinTextRatio &&
          confidentText(turned.result) > 0
        : turned.result.confidence >= base.result.confidence + tuning.turnMinGain;
    return wins ? turned : base;
  };

  let best: UprightPage;
  if (trusted) {
    best = await recognizeAt(suggested);
  } else {
    best = await recognizeAt(0);
    // A weak verdict is checked against the page as stored: both readings, the turn must win clearly.
    if (considered) best = better(best, await recognizeAt(suggested));
  }
  if (
    tuning.wideTurnCheck &&
    !trusted &&
    best.degrees === 0 &&
    image.width >= image.height * tuning.tallAspect
  ) {
    // Tesseract reads a sideways receipt at about its upright mean confidence, but finds far less text.
    const stored = confidentText(best.result);
    for (const degrees of [90, 270]) {
      const turned = await recognizeAt(degrees);
      const text = confidentText(turned.result);
      if (text > 0 && text >= stored * tuning.turnMinTextRatio && text > confidentText(best.result))
        best = turned;
    }
  }
  if (best.result.confidence >= tuning.verifyBelowConfidence || wordCount(best.result) === 0) return best;

  // A poor reading may be upside down; confidence decides (and only that flip: it cannot judge
  // sideways turns).
  return better(best, await recognizeAt((best.degrees + 180) % 360));
}
