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
import type { RecognizedPage, SlotHandle, TesseractWord } from './worker-pool.js';

export interface OrientationTuning {
  /** Find and undo turns at all. */
  detect: boolean;
  /**
   * How a turn is found. `reading`: read the page as stored and let the reading tell; words set
   * vertically mean the page lies sideways (then it is read turned both ways), a poor reading may be
   * upside down (then it is read turned over). `osd`: ask Tesseract's orientation detector first
   * and weigh its verdict by confidence (the thresholds below).
   */
  strategy: 'reading' | 'osd';
  /**
   * With `reading`: the share of the characters read (in words of three or more letters or digits)
   * whose words are taller than wide, from which the page counts as lying sideways. Upright and
   * upside-down pages read 0–0.04, pages turned a quarter 0.96–1.00 (docs/ocr.md).
   */
  sidewaysShare: number;
  /**
   * With `reading`: a reading whose legible share (characters in telling words read at confidence
   * 50 or more) is under this is noise, and the other turns are tried. Receipts and forms read
   * upright: 0.38–0.70; a sideways strip read as one block: 0.03–0.07 (docs/ocr.md).
   */
  minLegibleShare: number;
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

/** Every word of a reading, in reading order. */
export function* wordsOf(page: RecognizedPage): Generator<TesseractWord> {
  for (const block of page.blocks) for (const p of block.paragraphs) for (const l of p.lines) yield* l.words;
}

/** Number of words Tesseract found, to tell a blank page from an unreadable one. */
function wordCount(page: RecognizedPage): number {
  let count = 0;
  for (const _ of wordsOf(page)) count += 1;
  return count;
}

/** Words that say how text runs and how large it is: three or more letters or digits (a lone `I` or `1` is taller than wide upright). */
export const TELLING_WORD = /[\p{L}\p{N}]{3}/u;
/** Telling words a reading needs before its word shapes count as evidence. */
const MIN_TELLING_WORDS = 3;

/**
 * Share of the characters in telling words whose boxes are taller than wide: Tesseract reads the
 * lines of a page turned a quarter as vertical text, word boxes standing on end.
 *
 * @returns 0–1, or undefined when too few words were read to tell.
 */
export function verticalShare(page: RecognizedPage): number | undefined {
  let words = 0;
  let characters = 0;
  let vertical = 0;
  for (const w of wordsOf(page)) {
    if (!TELLING_WORD.test(w.text)) continue;
    words += 1;
    characters += w.text.length;
    if (w.bbox.y1 - w.bbox.y0 > w.bbox.x1 - w.bbox.x0) vertical += w.text.length;
  }
  return words < MIN_TELLING_WORDS ? undefined : vertical / characters;
}

/** Share of the characters read that are in telling words read at confidence 50 or more. */
export function legibleShare(page: RecognizedPage): number {
  let characters = 0;
  let legible = 0;
  for (const w of wordsOf(page)) {
    characters += w.text.length;
    if (w.confidence >= 50 && TELLING_WORD.test(w.text)) legible += w.text.length;
  }
  return characters === 0 ? 0 : legible / characters;
}

/** Characters read, each weighted by its word's confidence (0–1): how much text a reading found for sure. */
export function confidentText(page: RecognizedPage): number {
  let total = 0;
  for (const w of wordsOf(page)) total += (w.text.trim().length * Math.max(0, w.confidence)) / 100;
  return total;
}

/** Segmentation modes: ordinary pages, and tall ones (receipts) read as one block. */
export type SegmentationTuning = Pick<OrientationTuning, 'psm' | 'tallAspect' | 'tallPsm'>;

/**
 * Reads a page turned clockwise by `degrees` and enlarged by `scale`, with the segmentation mode its
 * shape calls for.
 *
 * @returns The reading, in the pixels of the turned (and enlarged) image.
 */
export async function readPage(
  slot: SlotHandle,
  image: PageImage,
  tuning: SegmentationTuning,
  degrees: number,
  scale = 1,
): Promise<UprightPage> {
  let { png, width, height } = image;
  if (degrees !== 0 || scale !== 1) {
    const turnedWidth = degrees % 180 === 0 ? width : height;
    const pipeline = sharp(png).rotate(degrees);
    if (scale !== 1) pipeline.resize({ width: Math.round(turnedWidth * scale), kernel: 'cubic' });
    const turned = await pipeline.png({ compressionLevel: 1 }).toBuffer({ resolveWithObject: true });
    png = turned.data;
    width = turned.info.width;
    height = turned.info.height;
  }
  const params = {
    // Known resolution helps Tesseract's size heuristics; 0 lets it estimate from the glyphs.
    user_defined_dpi: String(image.dpi === undefined ? 0 : Math.round(image.dpi * scale)),
    tessedit_pageseg_mode: (height >= width * tuning.tallAspect ? tuning.tallPsm : tuning.psm) as never,
  };
  return { result: await slot.recognize(png, params), width, height, degrees };
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
  const read = (degrees: number): Promise<UprightPage> => readPage(slot, image, tuning, degrees);
  if (!tuning.detect) return recognizeAt(0);

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

  const { best: first, trusted } =
    tuning.strategy === 'osd'
      ? await byOsd(slot, image, tuning, recognizeAt, better)
      : { best: await byReading(recognizeAt, tuning), trusted: false };
  let best = first;
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
  const reading = tuning.strategy === 'reading';
  const isPoor = (page: UprightPage): boolean =>
    page.result.confidence < tuning.verifyBelowConfidence ||
    (reading && legibleShare(page.result) < tuning.minLegibleShare);
  if (!isPoor(best) || wordCount(best.result) === 0) return best;

  // A poor reading may be upside down; confidence decides. Found by reading, a poor page may also
  // lie sideways unnoticed: a tall page is read as one block (`tallPsm`), which finds no vertical
  // text, so a sideways strip of text reads as noise rather than as words on end. The flip is tried
  // first and ends the search when it reads well. A quarter turn only counts when its words run
  // across: Tesseract reads an upright page turned a quarter as vertical text, often about as
  // confidently as the page itself, and that must not turn a poorly printed upright receipt.
  const alternatives = reading && best.degrees === 0 ? [180, 90, 270] : [(best.degrees + 180) % 360];
  let candidate: UprightPage | undefined;
  for (const degrees of alternatives) {
    const turned = await recognizeAt(degrees);
    if (degrees % 180 !== 0 && (verticalShare(turned.result) ?? 1) >= tuning.sidewaysShare) continue;
    if (candidate === undefined || turned.result.confidence > candidate.result.confidence) candidate = turned;
    if (!isPoor(turned) && better(best, turned) === turned) return turned;
  }
  return candidate === undefined ? best : better(best, candidate);
}

type ReadAt = (degrees: number) => Promise<UprightPage>;

/**
 * The page as stored, or turned a quarter when the stored reading's words stand on end. Both
 * quarter turns are read: the one whose text runs right side up reads at 55–95 mean confidence, the
 * other at 20–35, so the more confident one is the way up.
 */
async function byReading(recognizeAt: ReadAt, tuning: OrientationTuning): Promise<UprightPage> {
  const stored = await recognizeAt(0);
  if ((verticalShare(stored.result) ?? 0) < tuning.sidewaysShare) return stored;
  const right = await recognizeAt(90);
  const left = await recognizeAt(270);
  const turned = right.result.confidence >= left.result.confidence ? right : left;
  // The turn must read the lines across and about as confidently: a sideways page reads at about
  // its upright confidence, so a much worse turned reading means the words were not sideways text.
  const across = (verticalShare(turned.result) ?? 1) < tuning.sidewaysShare;
  return across && turned.result.confidence >= stored.result.confidence - tuning.turnMinGain
    ? turned
    : stored;
}

/** OSD's verdict, applied when trusted, checked against the page as stored when weak. */
async function byOsd(
  slot: SlotHandle,
  image: PageImage,
  tuning: OrientationTuning,
  recognizeAt: ReadAt,
  better: (base: UprightPage, turned: UprightPage) => UprightPage,
): Promise<{ best: UprightPage; trusted: boolean }> {
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
  if (trusted) return { best: await recognizeAt(suggested), trusted };
  const stored = await recognizeAt(0);
  // A weak verdict is checked against the page as stored: both readings, the turn must win clearly.
  return { best: considered ? better(stored, await recognizeAt(suggested)) : stored, trusted };
}
