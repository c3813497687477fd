import { describe, expect, it } from 'vitest';
import { boxesFromProbabilityMap } from '../../../../../local/ocr/paddle/db-postprocess.js';

/** A `width × height` map with rectangles of probability `p`. */
function map(
  width: number,
  height: number,
  rects: { x: number; y: number; w: number; h: number; p: number }[],
): Float32Array {
  const out = new Float32Array(width * height);
  for (const r of rects)
    for (let y = r.y; y < r.y + r.h; y += 1)
      for (let x = r.x; x < r.x + r.w; x += 1) out[y * width + x] = r.p;
  return out;
}

describe('Function: boxesFromProbabilityMap', () => {
  it('finds one grown box per text region and scales it to the image', () => {
    // Prepare: one 20×4 region on a 40×20 map of an 80×40 image.
    const probs = map(40, 20, [{ x: 10, y: 8, w: 20, h: 4, p: 0.9 }]);

    // Act
    const boxes = boxesFromProbabilityMap(probs, 40, 20, 2, 2, 80, 40);

    // Assess: unclip distance = 20·4·1.5 / (2·24) = 2.5 map px each side.
    expect(boxes).toHaveLength(1);
    expect(boxes[0]).toMatchObject({ x0: 15, y0: 11, x1: 65, y1: 29 });
    expect(boxes[0]?.score).toBeCloseTo(0.9, 5);
  });

  it('drops regions whose mean probability is under the box threshold and specks under the minimum size', () => {
    // Prepare: a weak region (0.4 > threshold 0.3 but < box threshold 0.6) and a 2-px speck.
    const probs = map(40, 20, [
      { x: 2, y: 2, w: 10, h: 5, p: 0.4 },
      { x: 30, y: 10, w: 2, h: 2, p: 0.99 },
    ]);

    // Act
    const boxes = boxesFromProbabilityMap(probs, 40, 20, 1, 1, 40, 20);

    // Assess
    expect(boxes).toEqual([]);
  });

  it('keeps two regions apart when they do not touch', () => {
    const probs = map(40, 20, [
      { x: 2, y: 2, w: 10, h: 4, p: 0.9 },
      { x: 2, y: 12, w: 10, h: 4, p: 0.9 },
    ]);
    expect(boxesFromProbabilityMap(probs, 40, 20, 1, 1, 40, 20)).toHaveLength(2);
  });
});
