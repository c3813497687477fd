/**
 * Post-processing of PaddleOCR's DB (differentiable binarization) text detector: from the
 * per-pixel text probability map to text boxes.
 *
 * PaddleOCR fits a rotated rectangle to each region's contour; untxt's pages are upright (or turned
 * upright before detection), so an axis-aligned box is enough and needs no OpenCV. Each region is
 * grown by the "unclip" distance (area × ratio / perimeter), because DB is trained to find the
 * shrunk core of each text line.
 */

/** An axis-aligned box in pixels; `x1`/`y1` are exclusive. */
export interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A detected text region with the mean probability inside it (0–1). */
export interface DetectedBox extends PixelBox {
  score: number;
}

export interface DbOptions {
  /** Probability from which a pixel counts as text (PaddleOCR `det_db_thresh`). */
  threshold: number;
  /** Minimum mean probability of a region (PaddleOCR `det_db_box_thresh`). */
  boxThreshold: number;
  /** Growth of each region, relative to area / perimeter (PaddleOCR `det_db_unclip_ratio`). */
  unclipRatio: number;
  /** Regions whose shorter side is under this many map pixels are noise. */
  minSize: number;
}

export const DEFAULT_DB_OPTIONS: DbOptions = {
  threshold: 0.3,
  boxThreshold: 0.6,
  unclipRatio: 1.5,
  minSize: 3,
};

/**
 * Text boxes of a probability map.
 *
 * @param map - Probabilities, row-major, `width × height`.
 * @param width - Map width.
 * @param height - Map height.
 * @param scaleX - Factor from map to image x coordinates.
 * @param scaleY - Factor from map to image y coordinates.
 * @param imageWidth - Image width (boxes are clamped to it).
 * @param imageHeight - Image height.
 * @param options - Thresholds.
 * @returns Boxes in image pixels, in no particular order.
 */
export function boxesFromProbabilityMap(
  map: Float32Array,
  width: number,
  height: number,
  scaleX: number,
  scaleY: number,
  imageWidth: number,
  imageHeight: number,
  options: DbOptions = DEFAULT_DB_OPTIONS,
): DetectedBox[] {
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const boxes: DetectedBox[] = [];
  let next = 0;
  for (let start = 0; start < map.length; start += 1) {
    if (labels[start] !== 0 || (map[start] ?? 0) <= options.threshold) continue;
    next += 1;
    // Flood fill (8-connected) of one region, tracking its bounds and probability sum.
    let top = 0;
    stack[top++] = start;
    labels[start] = next;
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    let sum = 0;
    let count = 0;
    while (top > 0) {
      const index = stack[--top] as number;
      const x = index % width;
      const y = (index - x) / width;
      sum += map[index] ?? 0;
      count += 1;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy += 1) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx += 1) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const n = ny * width + nx;
          if (labels[n] === 0 && (map[n] ?? 0) > options.threshold) {
            labels[n] = next;
            stack[top++] = n;
          }
        }
      }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    if (Math.min(w, h) < options.minSize) continue;
    const score = sum / count;
    if (score < options.boxThreshold) continue;
    const distance = (w * h * options.unclipRatio) / (2 * (w + h));
    const bx0 = Math.max(0, Math.round((x0 - distance) * scaleX));
    const by0 = Math.max(0, Math.round((y0 - distance) * scaleY));
    const bx1 = Math.min(imageWidth, Math.round((x1 + 1 + distance) * scaleX));
    const by1 = Math.min(imageHeight, Math.round((y1 + 1 + distance) * scaleY));
    if (bx1 - bx0 < 2 || by1 - by0 < 2) continue;
    boxes.push({ x0: bx0, y0: by0, x1: bx1, y1: by1, score });
  }
  return boxes;
}
