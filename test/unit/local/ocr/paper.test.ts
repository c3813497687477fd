import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { UprightPage } from '../../../../local/ocr/orientation.js';
import { cutToPaper, findPaper, otsuThresholds, placeOnPage } from '../../../../local/ocr/paper.js';
import type { PaperTuning, Rect } from '../../../../local/ocr/paper.js';
import type { PageImage } from '../../../../local/ocr/rasterize.js';

const TUNING: PaperTuning = { cropToPaper: true, cutPsm: '4' };

/** Dark text lines (as SVG rectangles) inside `area`, one every 40 px. */
const printSvg = (area: Rect): string =>
  Array.from(
    { length: Math.floor((area.height - 40) / 40) },
    (_, i) =>
      `<rect x="${area.left + 30}" y="${area.top + 30 + i * 40}" width="${area.width - 60}" height="12" fill="#202020"/>`,
  ).join('');

/**
 * A greyscale page like a flatbed scan of a receipt: the black of the open lid on the left, grey
 * cardboard, a white sheet with print, and the scanner's bright edge on the right (a thumbnail pixel wide).
 */
async function flatbedScan(
  paper: Rect,
  options: { cardboard?: string; printOutside?: boolean } = {},
): Promise<PageImage> {
  const [width, height] = [1200, 1600];
  const outside: Rect = { left: 320, top: 100, width: 300, height: 1400 };
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="${width}" height="${height}" fill="${options.cardboard ?? '#a8a29c'}"/>
    <rect width="300" height="${height}" fill="#1e1e1e"/>
    <rect x="${width - 10}" width="10" height="${height}" fill="#ffffff"/>
    <rect x="${paper.left}" y="${paper.top}" width="${paper.width}" height="${paper.height}" fill="#f4f4f4"/>
    ${printSvg(paper)}
    ${options.printOutside === true ? printSvg(outside) : ''}
  </svg>`;
  const png = await sharp(Buffer.from(svg)).greyscale().png().toBuffer();
  return { png, width, height };
}

const contains = (outer: Rect, inner: Rect): boolean =>
  outer.left <= inner.left &&
  outer.top <= inner.top &&
  outer.left + outer.width >= inner.left + inner.width &&
  outer.top + outer.height >= inner.top + inner.height;

describe('otsuThresholds', () => {
  it('splits three brightness peaks between them', () => {
    // Prepare: background 40, cardboard 165, paper 215
    const histogram = new Array<number>(256).fill(0);
    for (const [level, count] of [
      [40, 500],
      [165, 800],
      [215, 300],
    ] as const)
      for (let d = -5; d <= 5; d += 1) histogram[level + d] = count;

    // Act
    const [low, high] = otsuThresholds(histogram);

    // Assess
    expect(low).toBeGreaterThan(45);
    expect(low).toBeLessThanOrEqual(160);
    expect(high).toBeGreaterThan(170);
    expect(high).toBeLessThanOrEqual(210);
  });
});

describe('cutToPaper', () => {
  // Against the scanner's edge, as receipts often lie.
  const paper: Rect = { left: 860, top: 0, width: 330, height: 1300 };

  it('cuts a flatbed scan to the receipt, keeping all its print and a margin, not the scanner edge', async () => {
    // Prepare
    const page = await flatbedScan(paper);

    // Act
    const cut = await cutToPaper(page, TUNING);

    // Assess
    expect(cut.verdict).toBe('cut');
    const crop = cut.crop as Rect;
    expect(contains(crop, paper)).toBe(true);
    // At most the margin (2 % of the width on each side) more than the sheet.
    expect(crop.width).toBeLessThan(paper.width + 0.05 * page.width);
    expect(crop.height).toBeLessThan(paper.height + 0.05 * page.width);
    expect(cut.image).toMatchObject({ width: crop.width, height: crop.height });
    expect(await sharp(cut.image.png).metadata()).toMatchObject({ width: crop.width, height: crop.height });
  });

  it('leaves a page alone when print lies outside the bright region (a tinted form with a white box)', async () => {
    // Prepare
    const page = await flatbedScan(paper, { printOutside: true });

    // Act
    const cut = await cutToPaper(page, TUNING);

    // Assess
    expect(cut.verdict).toBe('ink-outside');
    expect(cut.crop).toBeUndefined();
    expect(cut.image).toBe(page);
  });

  it('leaves a page alone when the paper is not clearly brighter than what surrounds it', async () => {
    // Prepare: cardboard as bright as the paper
    const page = await flatbedScan(paper, { cardboard: '#eeeeee' });

    // Act
    const cut = await cutToPaper(page, TUNING);

    // Assess
    expect(cut.crop).toBeUndefined();
    expect(cut.verdict).not.toBe('cut');
  });

  it('leaves a page that is all paper alone', async () => {
    // Prepare: a white page with print edge to edge
    const whole: Rect = { left: 0, top: 0, width: 1200, height: 1600 };
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="1600"><rect width="1200" height="1600" fill="#ffffff"/>${printSvg(whole)}</svg>`;
    const page: PageImage = {
      png: await sharp(Buffer.from(svg)).png().toBuffer(),
      width: 1200,
      height: 1600,
    };

    // Act
    const cut = await cutToPaper(page, TUNING);

    // Assess
    expect(cut.verdict).toBe('fills-picture');
    expect(cut.crop).toBeUndefined();
  });

  it('does not look at PDF pages or when turned off', async () => {
    // Prepare
    const page = await flatbedScan(paper);

    // Act
    const rendered = await cutToPaper({ ...page, rendered: true }, TUNING);
    const off = await cutToPaper(page, { ...TUNING, cropToPaper: false });

    // Assess
    expect(rendered).toMatchObject({ verdict: 'skipped', image: page });
    expect(rendered.crop).toBeUndefined();
    expect(off.crop).toBeUndefined();
  });
});

describe('findPaper', () => {
  it('finds nothing in a picture of one brightness', () => {
    // Prepare
    const grey = new Uint8Array(64 * 64).fill(128);

    // Act
    const verdict = findPaper(grey, 64, 64);

    // Assess
    expect(verdict.rect).toBeUndefined();
  });
});

describe('placeOnPage', () => {
  /** Where a point of the stored page lands once the page is turned clockwise by `degrees`. */
  const turn = (x: number, y: number, degrees: number, width: number, height: number): [number, number] =>
    degrees === 90
      ? [height - y, x]
      : degrees === 180
        ? [width - x, height - y]
        : degrees === 270
          ? [y, width - x]
          : [x, y];

  const stored = { width: 1000, height: 1400 };
  const crop: Rect = { left: 600, top: 100, width: 300, height: 1000 };
  // A word's corner on the stored page, inside the cut.
  const point: [number, number] = [650, 400];

  for (const degrees of [0, 90, 180, 270])
    for (const scale of [1, 2])
      it(`puts a word read on the cut turned ${degrees}° at ×${scale} where it is on the whole page`, () => {
        // Prepare: the word's corner in the turned, enlarged cut
        const [cx, cy] = turn(point[0] - crop.left, point[1] - crop.top, degrees, crop.width, crop.height);
        const bbox = { x0: cx * scale, y0: cy * scale, x1: cx * scale + 10, y1: cy * scale + 10 };
        const quarter = degrees % 180 !== 0;
        const reading: UprightPage = {
          degrees,
          width: (quarter ? crop.height : crop.width) * scale,
          height: (quarter ? crop.width : crop.height) * scale,
          result: {
            confidence: 90,
            blocks: [
              {
                paragraphs: [
                  {
                    lines: [
                      { text: 'w', confidence: 90, bbox, words: [{ text: 'w', confidence: 90, bbox }] },
                    ],
                  },
                ],
              },
            ],
          },
        };

        // Act
        const placed = placeOnPage(reading, crop, stored);

        // Assess
        const [px, py] = turn(point[0], point[1], degrees, stored.width, stored.height);
        const word = placed.result.blocks[0]?.paragraphs[0]?.lines[0]?.words[0];
        expect(word?.bbox.x0).toBeCloseTo(px * scale);
        expect(word?.bbox.y0).toBeCloseTo(py * scale);
        expect(placed.result.blocks[0]?.paragraphs[0]?.lines[0]?.bbox.x0).toBeCloseTo(px * scale);
        expect(placed.width).toBe((quarter ? stored.height : stored.width) * scale);
        expect(placed.height).toBe((quarter ? stored.width : stored.height) * scale);
      });
});
