import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { UprightPage } from '../../../../local/ocr/orientation.js';
import { enlargeSmallPrint, medianWordHeight } from '../../../../local/ocr/small-print.js';
import type { SmallPrintTuning } from '../../../../local/ocr/small-print.js';
import type { RecognizedPage, SlotHandle } from '../../../../local/ocr/worker-pool.js';

const TUNING: SmallPrintTuning = {
  smallPrintHeight: 14,
  targetPrintHeight: 20,
  maxEnlargement: 3,
  maxEnlargedPixels: 40_000_000,
  psm: '3',
  tallAspect: 1.8,
  tallPsm: '6',
};

/** A reading of words `text` with the given heights (px), each at `confidence`. */
const reading = (heights: number[], confidence = 80, text = 'word'): RecognizedPage => ({
  confidence,
  blocks: [
    {
      paragraphs: [
        {
          lines: heights.map((h, i) => ({
            text,
            confidence,
            bbox: { x0: 0, y0: i * 40, x1: 4 * h, y1: i * 40 + h },
            words: [{ text, confidence, bbox: { x0: 0, y0: i * 40, x1: 4 * h, y1: i * 40 + h } }],
          })),
        },
      ],
    },
  ],
});

/** A slot that records the size of every image it reads and answers `answer`. */
function sizeSlot(answer: RecognizedPage): SlotHandle & { sizes: [number, number][] } {
  const slot = {
    sizes: [] as [number, number][],
    detectOrientation: () => Promise.resolve(undefined),
    async recognize(png: Buffer): Promise<RecognizedPage> {
      const { width = 0, height = 0 } = await sharp(png).metadata();
      slot.sizes.push([width, height]);
      return answer;
    },
  };
  return slot;
}

const page = async (
  width: number,
  height: number,
): Promise<{ png: Buffer; width: number; height: number }> => ({
  png: await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer(),
  width,
  height,
});

const upright = (result: RecognizedPage, width: number, height: number, degrees = 0): UprightPage => ({
  result,
  width,
  height,
  degrees,
});

describe('Function: medianWordHeight', () => {
  it('gives the median height of words of three or more letters or digits', () => {
    // Prepare: five sized words and a short one that does not count
    const page = reading([8, 9, 10, 30, 40]);
    page.blocks[0]!.paragraphs[0]!.lines[0]!.words.push({
      text: 'a',
      confidence: 90,
      bbox: { x0: 0, y0: 0, x1: 5, y1: 100 },
    });

    // Act
    const height = medianWordHeight(page);

    // Assess
    expect(height).toBe(10);
  });

  it('says nothing about a page with fewer than five sized words', () => {
    // Act
    const height = medianWordHeight(reading([8, 9, 10, 11]));

    // Assess
    expect(height).toBeUndefined();
  });
});

describe('Function: enlargeSmallPrint', () => {
  it('keeps a page with print of ordinary size without reading it again', async () => {
    // Prepare
    const slot = sizeSlot(reading([20, 20, 20, 20, 20]));
    const first = upright(reading([16, 16, 17, 18, 18]), 400, 300);

    // Act
    const result = await enlargeSmallPrint(slot, await page(400, 300), first, TUNING);

    // Assess
    expect(result).toBe(first);
    expect(slot.sizes).toEqual([]);
  });

  it('reads small print again enlarged to the target height and keeps it when it reads more text', async () => {
    // Prepare: words 10 px high → ×2; the enlarged reading finds the same words more confidently
    const slot = sizeSlot(reading([20, 20, 20, 20, 20], 90));
    const first = upright(reading([10, 10, 10, 10, 10], 60), 400, 300);

    // Act
    const result = await enlargeSmallPrint(slot, await page(400, 300), first, TUNING);

    // Assess
    expect(slot.sizes).toEqual([[800, 600]]);
    expect([result.width, result.height, result.degrees]).toEqual([800, 600, 0]);
    expect(result.result.confidence).toBe(90);
  });

  it('enlarges the page in the turn it was read in', async () => {
    // Prepare: stored 300 × 400, read turned a quarter (400 × 300)
    const slot = sizeSlot(reading([20, 20, 20, 20, 20], 90));
    const first = upright(reading([10, 10, 10, 10, 10], 60), 400, 300, 90);

    // Act
    const result = await enlargeSmallPrint(slot, await page(300, 400), first, TUNING);

    // Assess
    expect(slot.sizes).toEqual([[800, 600]]);
    expect(result.degrees).toBe(90);
  });

  it('keeps the first reading when the enlarged one reads less text', async () => {
    // Prepare
    const slot = sizeSlot(reading([20, 20, 20, 20, 20], 30));
    const first = upright(reading([10, 10, 10, 10, 10], 80), 400, 300);

    // Act
    const result = await enlargeSmallPrint(slot, await page(400, 300), first, TUNING);

    // Assess
    expect(result).toBe(first);
  });

  it('leaves a page rendered from a PDF as it was read', async () => {
    // Prepare
    const slot = sizeSlot(reading([20, 20, 20, 20, 20], 90));
    const first = upright(reading([10, 10, 10, 10, 10], 60), 400, 300);
    const rendered = { ...(await page(400, 300)), dpi: 150, rendered: true };

    // Act
    const result = await enlargeSmallPrint(slot, rendered, first, TUNING);

    // Assess
    expect(result).toBe(first);
    expect(slot.sizes).toEqual([]);
  });

  it('enlarges no further than the pixel cap allows', async () => {
    // Prepare: words 5 px high would be ×3, but the cap allows 4 × the pixels (×2)
    const slot = sizeSlot(reading([20, 20, 20, 20, 20], 90));
    const first = upright(reading([5, 5, 5, 5, 5], 60), 400, 300);

    // Act
    await enlargeSmallPrint(slot, await page(400, 300), first, {
      ...TUNING,
      maxEnlargedPixels: 4 * 400 * 300,
    });

    // Assess
    expect(slot.sizes).toEqual([[800, 600]]);
  });
});
