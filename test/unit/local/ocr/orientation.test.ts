import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { recognizeUpright, verticalShare } from '../../../../local/ocr/orientation.js';
import type { OrientationTuning } from '../../../../local/ocr/orientation.js';
import type { RecognizedPage, SlotHandle } from '../../../../local/ocr/worker-pool.js';

const TUNING: OrientationTuning = {
  detect: true,
  strategy: 'osd',
  sidewaysShare: 0.5,
  minLegibleShare: 0.2,
  osdMinConfidence: 5,
  osdSidewaysMinConfidence: 1,
  osdTrustConfidence: 8,
  osdSidewaysTrustConfidence: 6,
  turnMinGain: 10,
  turnEvidence: 'meanConfidence',
  turnMinTextRatio: 1.5,
  wideTurnCheck: false,
  verifyBelowConfidence: 50,
  psm: '3',
  tallAspect: 1.8,
  tallPsm: '6',
};

/** A page that reads `words` words of four letters, each with `confidence`. */
const page = (confidence: number, words = 1): RecognizedPage => ({
  confidence,
  blocks: [
    {
      paragraphs: [
        {
          lines: [
            {
              text: 'word',
              confidence,
              bbox: { x0: 0, y0: 0, x1: 10, y1: 10 },
              words: Array.from({ length: words }, () => ({
                text: 'word',
                confidence,
                bbox: { x0: 0, y0: 0, x1: 10, y1: 10 },
              })),
            },
          ],
        },
      ],
    },
  ],
});

/**
 * A slot whose OSD gives `verdict` and whose recognition confidence depends on the shape of the
 * image it is given: `wide` for the stored 300 × 200 page, `tall` for it turned sideways.
 */
function fakeSlot(
  verdict: { degrees: number; confidence: number },
  confidence: { wide: number; tall: number },
  words: { wide: number; tall: number } = { wide: 1, tall: 1 },
): SlotHandle & { readings: number } {
  const slot = {
    readings: 0,
    detectOrientation: () => Promise.resolve(verdict),
    async recognize(png: Buffer): Promise<RecognizedPage> {
      slot.readings += 1;
      const { width = 0, height = 0 } = await sharp(png).metadata();
      return width > height ? page(confidence.wide, words.wide) : page(confidence.tall, words.tall);
    },
  };
  return slot;
}

const image = async (width = 300, height = 200): Promise<{ png: Buffer; width: number; height: number }> => ({
  png: await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer(),
  width,
  height,
});

describe('Function: recognizeUpright', () => {
  it('keeps an upright page as stored when a weak sideways verdict does not read clearly better', async () => {
    // Prepare: OSD says 90° at confidence 2; the turned reading is only 5 points better.
    const slot = fakeSlot({ degrees: 90, confidence: 2 }, { wide: 70, tall: 75 });

    // Act
    const result = await recognizeUpright(slot, await image(), TUNING);

    // Assess
    expect(result.degrees).toBe(0);
    expect(result.result.confidence).toBe(70);
    expect(slot.readings).toBe(2);
  });

  it('turns a page on a weak verdict when the turned reading is clearly more confident', async () => {
    // Prepare
    const slot = fakeSlot({ degrees: 270, confidence: 2 }, { wide: 40, tall: 80 });

    // Act
    const result = await recognizeUpright(slot, await image(), TUNING);

    // Assess
    expect(result.degrees).toBe(270);
    expect([result.width, result.height]).toEqual([200, 300]);
  });

  it('applies a strong sideways verdict without reading the page as stored', async () => {
    // Prepare
    const slot = fakeSlot({ degrees: 90, confidence: 9 }, { wide: 70, tall: 60 });

    // Act
    const result = await recognizeUpright(slot, await image(), TUNING);

    // Assess
    expect(result.degrees).toBe(90);
    expect(slot.readings).toBe(1);
  });

  it('ignores a verdict under the lowest confidence considered, reading the page once', async () => {
    // Prepare
    const slot = fakeSlot({ degrees: 180, confidence: 4 }, { wide: 70, tall: 0 });

    // Act
    const result = await recognizeUpright(slot, await image(), TUNING);

    // Assess
    expect(result.degrees).toBe(0);
    expect(slot.readings).toBe(1);
  });

  it('judged by confidently read text, turns a sideways receipt read about as confidently but with far less text', async () => {
    // Prepare: stored sideways, Tesseract finds 10 words at 76; turned, 30 words at 78
    const slot = fakeSlot({ degrees: 90, confidence: 2 }, { wide: 76, tall: 78 }, { wide: 10, tall: 30 });
    const byText: OrientationTuning = { ...TUNING, turnEvidence: 'confidentText' };

    // Act
    const byMean = await recognizeUpright(slot, await image(), TUNING);
    const byTextResult = await recognizeUpright(slot, await image(), byText);

    // Assess
    expect(byMean.degrees).toBe(0);
    expect(byTextResult.degrees).toBe(90);
  });

  it('judged by confidently read text, keeps a page as stored when the turn reads about as much', async () => {
    // Prepare: a whole page Tesseract reads in either frame (20 words at 90 against 22 at 92)
    const slot = fakeSlot({ degrees: 90, confidence: 2 }, { wide: 90, tall: 92 }, { wide: 20, tall: 22 });

    // Act
    const result = await recognizeUpright(slot, await image(), { ...TUNING, turnEvidence: 'confidentText' });

    // Assess
    expect(result.degrees).toBe(0);
  });

  it('reads a very wide page with no verdict turned both ways and keeps the turn that reads far more text', async () => {
    // Prepare: a receipt scanned sideways (400 × 200); OSD says nothing; turned, three times the text
    const slot = fakeSlot({ degrees: 0, confidence: 0 }, { wide: 76, tall: 78 }, { wide: 10, tall: 30 });

    // Act
    const result = await recognizeUpright(slot, await image(400, 200), { ...TUNING, wideTurnCheck: true });

    // Assess
    expect(result.degrees).toBe(90);
    expect(slot.readings).toBe(3);
  });

  it('keeps a very wide upright page as stored when the turned readings find less text', async () => {
    // Prepare
    const slot = fakeSlot({ degrees: 0, confidence: 0 }, { wide: 90, tall: 60 }, { wide: 30, tall: 5 });

    // Act
    const result = await recognizeUpright(slot, await image(400, 200), { ...TUNING, wideTurnCheck: true });

    // Assess
    expect(result.degrees).toBe(0);
    expect(slot.readings).toBe(3);
  });

  it('does not read a page of ordinary shape turned when nothing suggests it', async () => {
    // Prepare
    const slot = fakeSlot({ degrees: 0, confidence: 0 }, { wide: 76, tall: 78 }, { wide: 10, tall: 30 });

    // Act
    const result = await recognizeUpright(slot, await image(300, 200), { ...TUNING, wideTurnCheck: true });

    // Assess
    expect(result.degrees).toBe(0);
    expect(slot.readings).toBe(1);
  });
});

/** A reading of `words` words `text`, each `w` × `h` pixels, at `confidence`. */
const shaped = (confidence: number, words: number, w: number, h: number, text = 'word'): RecognizedPage => ({
  confidence,
  blocks: [
    {
      paragraphs: [
        {
          lines: [
            {
              text,
              confidence,
              bbox: { x0: 0, y0: 0, x1: w, y1: h * words },
              words: Array.from({ length: words }, (_, i) => ({
                text,
                confidence,
                bbox: { x0: 0, y0: i * h, x1: w, y1: (i + 1) * h },
              })),
            },
          ],
        },
      ],
    },
  ],
});

const across = (confidence: number, words = 20): RecognizedPage => shaped(confidence, words, 40, 12);
const onEnd = (confidence: number, words = 20): RecognizedPage => shaped(confidence, words, 12, 40);

/**
 * A slot that knows which turn of the stored page it is given (from a dark mark in the stored
 * page's top-left corner) and answers each turn's reading; OSD must not be asked.
 */
function turnSlot(readings: Record<0 | 90 | 180 | 270, RecognizedPage>): SlotHandle & { turns: number[] } {
  const slot = {
    turns: [] as number[],
    detectOrientation: () => Promise.reject(new Error('OSD was asked')),
    async recognize(png: Buffer): Promise<RecognizedPage> {
      const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
      const dark = (x: number, y: number): boolean => (data[y * info.width + x] ?? 255) < 128;
      const [right, bottom] = [info.width - 1, info.height - 1];
      // The mark is top-left as stored; a clockwise turn moves it to the next corner.
      const turn = dark(0, 0) ? 0 : dark(right, 0) ? 90 : dark(right, bottom) ? 180 : 270;
      slot.turns.push(turn);
      return readings[turn];
    },
  };
  return slot;
}

const markedImage = async (
  width = 300,
  height = 200,
): Promise<{ png: Buffer; width: number; height: number }> => ({
  png: await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([
      {
        input: await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000000' } })
          .png()
          .toBuffer(),
        left: 0,
        top: 0,
      },
    ])
    .png()
    .toBuffer(),
  width,
  height,
});

describe('Function: recognizeUpright, turns found by reading', () => {
  const BY_READING: OrientationTuning = { ...TUNING, strategy: 'reading' };

  it('reads an upright page once and never asks OSD', async () => {
    // Prepare
    const slot = turnSlot({ 0: across(85), 90: onEnd(84), 180: across(30), 270: onEnd(28) });

    // Act
    const result = await recognizeUpright(slot, await markedImage(), BY_READING);

    // Assess
    expect(result.degrees).toBe(0);
    expect(slot.turns).toEqual([0]);
  });

  it('turns a page whose words stand on end the quarter that reads across and more confidently', async () => {
    // Prepare: stored a quarter turned; Tesseract reads its lines as vertical text at about upright confidence
    const slot = turnSlot({ 0: onEnd(86), 90: across(30), 180: onEnd(25), 270: across(88) });

    // Act
    const result = await recognizeUpright(slot, await markedImage(), BY_READING);

    // Assess
    expect(result.degrees).toBe(270);
    expect([result.width, result.height]).toEqual([200, 300]);
    expect(slot.turns).toEqual([0, 90, 270]);
  });

  it('keeps a page as stored when neither quarter turn reads about as confidently', async () => {
    // Prepare
    const slot = turnSlot({ 0: onEnd(80), 90: across(40), 180: onEnd(25), 270: across(45) });

    // Act
    const result = await recognizeUpright(slot, await markedImage(), BY_READING);

    // Assess
    expect(result.degrees).toBe(0);
  });

  it('turns an upside-down page over when the turned reading is clearly more confident', async () => {
    // Prepare
    const slot = turnSlot({ 0: across(30), 90: onEnd(25), 180: across(82), 270: onEnd(80) });

    // Act
    const result = await recognizeUpright(slot, await markedImage(), BY_READING);

    // Assess
    expect(result.degrees).toBe(180);
    expect(slot.turns).toEqual([0, 180]);
  });

  it('tries the quarter turns too when a tall page reads poorly, as a sideways strip read as one block does', async () => {
    // Prepare: a strip of text stored on end is taller than wide; read as one block it is noise
    const slot = turnSlot({ 0: across(25), 90: across(88), 180: across(20), 270: across(30) });

    // Act
    const result = await recognizeUpright(slot, await markedImage(200, 400), BY_READING);

    // Assess
    expect(result.degrees).toBe(90);
    expect(slot.turns).toEqual([0, 180, 90]);
  });

  it('keeps a poorly read upright page when a quarter turn reads it more confidently as vertical text', async () => {
    // Prepare: a faint upright receipt (read at 45); turned a quarter, Tesseract reads its lines on end at 60
    const slot = turnSlot({ 0: across(45), 90: onEnd(60), 180: across(25), 270: onEnd(30) });

    // Act
    const result = await recognizeUpright(slot, await markedImage(200, 400), BY_READING);

    // Assess
    expect(result.degrees).toBe(0);
    expect(slot.turns).toEqual([0, 180, 90, 270]);
  });

  it('does not take two words standing on end for a sideways page', async () => {
    // Prepare
    const slot = turnSlot({ 0: onEnd(80, 2), 90: across(90), 180: onEnd(25), 270: across(90) });

    // Act
    const result = await recognizeUpright(slot, await markedImage(), BY_READING);

    // Assess
    expect(result.degrees).toBe(0);
    expect(slot.turns).toEqual([0]);
  });
});

describe('Function: verticalShare', () => {
  it('counts characters of words of three or more letters or digits whose boxes stand on end', () => {
    // Prepare: 3 words of 4 letters on end, 1 across, and short words on end that do not count
    const page = shaped(80, 3, 10, 30);
    const line = page.blocks[0]!.paragraphs[0]!.lines[0]!;
    line.words.push({ text: 'wide', confidence: 80, bbox: { x0: 0, y0: 0, x1: 40, y1: 10 } });
    line.words.push({ text: 'I', confidence: 80, bbox: { x0: 0, y0: 0, x1: 3, y1: 10 } });
    line.words.push({ text: '1.', confidence: 80, bbox: { x0: 0, y0: 0, x1: 5, y1: 10 } });

    // Act
    const share = verticalShare(page);

    // Assess
    expect(share).toBeCloseTo(12 / 16);
  });

  it('says nothing with fewer than three telling words', () => {
    // Prepare
    const page = shaped(80, 2, 10, 30, 'abc');

    // Act
    const share = verticalShare(page);

    // Assess
    expect(share).toBeUndefined();
  });
});
