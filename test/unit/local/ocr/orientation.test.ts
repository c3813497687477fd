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
  verifyBelowConfidence: 50,
  psm: '3',
  tallAspect: 1.8,
  tallPsm: '6',
};

/** A page that reads with `confidence` and one word. */
const page = (confidence: number): RecognizedPage => ({
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
              words: [{ text: 'word', confidence, bbox: { x0: 0, y0: 0, x1: 10, y1: 10 } }],
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
): SlotHandle & { readings: number } {
  const slot = {
    readings: 0,
    detectOrientation: () => Promise.resolve(verdict),
    async recognize(png: Buffer): Promise<RecognizedPage> {
      slot.readings += 1;
      const { width = 0, height = 0 } = await sharp(png).metadata();
      return page(width > height ? confidence.wide : confidence.tall);
    },
  };
  return slot;
}

const image = async (): Promise<{ png: Buffer; width: number; height: number }> => ({
  png: await sharp({ create: { width: 300, height: 200, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer(),
  width: 300,
  height: 200,
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
});
