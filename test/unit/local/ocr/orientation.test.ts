import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { recognizeUpright } from '../../../../local/ocr/orientation.js';
import type { OrientationTuning } from '../../../../local/ocr/orientation.js';
import type { PageImage } from '../../../../local/ocr/rasterize.js';
import type { RecognizedPage, SlotHandle } from '../../../../local/ocr/worker-pool.js';

const TUNING: OrientationTuning = {
  detect: true,
  osdMinConfidence: 5,
  osdSidewaysMinConfidence: 1,
  verifyBelowConfidence: 50,
  psm: '3',
  tallAspect: 1.8,
  tallPsm: '6',
  tallReadFirst: true,
};

async function blankPage(width: number, height: number): Promise<PageImage> {
  const png = await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();
  return { png, width, height };
}

/** A page with one word read at the given confidence. */
function reading(confidence: number): RecognizedPage {
  const word = { text: 'word', confidence, bbox: { x0: 1, y0: 1, x1: 5, y1: 3 } };
  return {
    confidence,
    blocks: [{ paragraphs: [{ lines: [{ text: 'word', confidence, bbox: word.bbox, words: [word] }] }] }],
  };
}

/** A slot that answers recognitions from a list and records what was asked, in order. */
function fakeSlot(
  confidences: number[],
  osd?: { degrees: number; confidence: number },
): { slot: SlotHandle; calls: string[] } {
  const calls: string[] = [];
  const slot: SlotHandle = {
    async recognize(_png, params) {
      calls.push(`recognize psm ${String(params?.tessedit_pageseg_mode)}`);
      return reading(confidences.shift() ?? 0);
    },
    async detectOrientation() {
      calls.push('osd');
      return osd;
    },
  };
  return { slot, calls };
}

describe('Function: recognizeUpright', () => {
  it('reads a receipt-shaped page without OSD when the reading as stored is confident', async () => {
    // Prepare
    const image = await blankPage(100, 300);
    const { slot, calls } = fakeSlot([80]);

    // Act
    const page = await recognizeUpright(slot, image, TUNING);

    // Assess
    expect(calls).toEqual(['recognize psm 6']);
    expect(page.degrees).toBe(0);
  });

  it('asks OSD and keeps the better flip when a receipt-shaped page reads poorly as stored', async () => {
    // Prepare
    const image = await blankPage(100, 300);
    const { slot, calls } = fakeSlot([30, 75], { degrees: 0, confidence: 1.5 });

    // Act
    const page = await recognizeUpright(slot, image, TUNING);

    // Assess: the stored reading is reused, not recognized twice.
    expect(calls).toEqual(['recognize psm 6', 'osd', 'recognize psm 6']);
    expect(page.degrees).toBe(180);
    expect(page.result.confidence).toBe(75);
  });

  it('turns a receipt-shaped page sideways when it reads poorly and OSD says so', async () => {
    // Prepare
    const image = await blankPage(100, 300);
    const { slot, calls } = fakeSlot([20, 85], { degrees: 90, confidence: 3 });

    // Act
    const page = await recognizeUpright(slot, image, TUNING);

    // Assess: turned, the page is wide and read with the ordinary segmentation mode.
    expect(calls).toEqual(['recognize psm 6', 'osd', 'recognize psm 3']);
    expect([page.degrees, page.width, page.height]).toEqual([90, 300, 100]);
  });

  it('runs OSD before recognizing when the page is not receipt-shaped', async () => {
    // Prepare
    const image = await blankPage(200, 260);
    const { slot, calls } = fakeSlot([90], { degrees: 180, confidence: 20 });

    // Act
    const page = await recognizeUpright(slot, image, TUNING);

    // Assess
    expect(calls).toEqual(['osd', 'recognize psm 3']);
    expect(page.degrees).toBe(180);
  });

  it('runs OSD first on receipt-shaped pages too when reading first is turned off', async () => {
    // Prepare
    const image = await blankPage(100, 300);
    const { slot, calls } = fakeSlot([80], { degrees: 0, confidence: 2 });

    // Act
    await recognizeUpright(slot, image, { ...TUNING, tallReadFirst: false });

    // Assess
    expect(calls).toEqual(['osd', 'recognize psm 6']);
  });
});
