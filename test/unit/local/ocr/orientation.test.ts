import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { recognizeUpright } from '../../../../local/ocr/orientation.js';
import type { OrientationTuning } from '../../../../local/ocr/orientation.js';
import type { RecognizedPage, SlotHandle } from '../../../../local/ocr/worker-pool.js';

const TUNING: OrientationTuning = {
  detect: true,
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
