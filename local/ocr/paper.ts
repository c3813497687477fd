/**
 * Finds the sheet of paper in a scan or photo that shows more than the paper: a receipt laid on a
 * flatbed scanner (grey cardboard beside it, the black of the open lid around), a receipt
 * photographed on a table. Tesseract's layout analysis reads the background's texture as text
 * (noise lines) and, next to it, splits a receipt's price column from its item names; cut to the
 * paper, the page reads as the receipt it is, and there are fewer pixels to read.
 *
 * The paper is the brightest of three brightness classes (background, cardboard or table, paper:
 * Otsu's method with two thresholds), taken as the largest connected region of that class once
 * thin bright strips (a scanner's edge) are opened away. A page is only cut when the evidence is
 * plain: the paper clearly brighter than what surrounds it, a region that is a real part of the
 * picture but not nearly all of it, and no print outside it (text on a tinted page must never be
 * cut away, so the background is checked for ink).
 */
import sharp from 'sharp';
import type { UprightPage } from './orientation.js';
import type { PageImage } from './rasterize.js';
import type { Bbox } from './worker-pool.js';

export interface PaperTuning {
  /** Look for a sheet to cut to at all. */
  cropToPaper: boolean;
  /** Tesseract segmentation mode of a page cut to its paper (whatever its shape). */
  cutPsm: string;
}

/** A rectangle in pixels. */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Width of the thumbnail the paper is looked for in: fine enough for a receipt, cheap to scan. */
const THUMB_WIDTH = 256;
/** Brightness (0–255) by which the paper must outshine the class below it. */
const MIN_PAPER_CONTRAST = 30;
/** The paper's box must cover at least this share of the picture… */
const MIN_PAPER_AREA = 0.03;
/** …and at most this share, else there is little to cut. */
const MAX_PAPER_AREA = 0.7;
/** Opening radius (thumbnail pixels) that removes bright strips a few pixels wide. */
const OPEN_RADIUS = 2;
/** Margin kept around the paper, as a share of the thumbnail's width. */
const MARGIN = 0.02;
/** A thumbnail pixel is ink when the picture closed over it is this much brighter… */
const INK_CONTRAST = 60;
/** …with a window of this radius: print is at most a few thumbnail pixels thick. */
const INK_RADIUS = 2;
/** Share of the background that may look like ink (edges of the paper, of the cardboard) before the cut is refused. */
const MAX_BACKGROUND_INK = 0.004;

/**
 * Two thresholds that split a histogram into three classes with the largest between-class
 * variance (Otsu's method for three classes).
 *
 * @param histogram - 256 counts.
 * @returns `[low, high]`: class 0 is `< low`, class 1 `< high`, class 2 the rest.
 */
export function otsuThresholds(histogram: ArrayLike<number>): [number, number] {
  const count = [0];
  const sum = [0];
  for (let i = 0; i < 256; i += 1) {
    count.push((count[i] ?? 0) + (histogram[i] ?? 0));
    sum.push((sum[i] ?? 0) + i * (histogram[i] ?? 0));
  }
  const n = count[256] ?? 0;
  const total = sum[256] ?? 0;
  let best = -1;
  let thresholds: [number, number] = [0, 0];
  for (let low = 1; low < 255; low += 1) {
    const w0 = count[low] ?? 0;
    if (w0 === 0) continue;
    const s0 = sum[low] ?? 0;
    for (let high = low + 1; high < 256; high += 1) {
      const w1 = (count[high] ?? 0) - w0;
      const w2 = n - w0 - w1;
      if (w1 === 0 || w2 === 0) continue;
      const s1 = (sum[high] ?? 0) - s0;
      const s2 = total - s0 - s1;
      const variance = (s0 * s0) / w0 + (s1 * s1) / w1 + (s2 * s2) / w2;
      if (variance > best) {
        best = variance;
        thresholds = [low, high];
      }
    }
  }
  return thresholds;
}

/** Mean value of the histogram's bins `[from, to)`. */
function classMean(histogram: ArrayLike<number>, from: number, to: number): number {
  let n = 0;
  let s = 0;
  for (let i = from; i < to; i += 1) {
    n += histogram[i] ?? 0;
    s += i * (histogram[i] ?? 0);
  }
  return n === 0 ? 0 : s / n;
}

/**
 * Square-window minimum or maximum of 8-bit pixels (erosion, dilation), in two separable passes.
 * Outside the picture counts as neither: the window is cut at the edge.
 */
function rankFilter(
  src: Uint8Array,
  width: number,
  height: number,
  radius: number,
  pick: 'min' | 'max',
): Uint8Array {
  const better = pick === 'min' ? (a: number, b: number) => a < b : (a: number, b: number) => a > b;
  const pass = (from: Uint8Array, dx: number, dy: number): Uint8Array => {
    const out = new Uint8Array(from.length);
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        let value = from[y * width + x] ?? 0;
        for (let d = -radius; d <= radius; d += 1) {
          const xx = x + d * dx;
          const yy = y + d * dy;
          if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
          const v = from[yy * width + xx] ?? 0;
          if (better(v, value)) value = v;
        }
        out[y * width + x] = value;
      }
    }
    return out;
  };
  return pass(pass(src, 1, 0), 0, 1);
}

/** Opening (erode, then dilate: removes bright marks thinner than the window) or closing (the reverse: fills dark ones). */
function morphology(
  src: Uint8Array,
  width: number,
  height: number,
  radius: number,
  operation: 'open' | 'close',
): Uint8Array {
  const [first, second] = operation === 'open' ? (['min', 'max'] as const) : (['max', 'min'] as const);
  return rankFilter(rankFilter(src, width, height, radius, first), width, height, radius, second);
}

/** Bounding box and size of the largest 4-connected region of a 0/1 mask. */
function largestRegion(
  mask: Uint8Array,
  width: number,
  height: number,
): { rect: Rect; pixels: number } | undefined {
  const seen = new Uint8Array(mask.length);
  let best: { rect: Rect; pixels: number } | undefined;
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start += 1) {
    if (mask[start] !== 1 || seen[start] === 1) continue;
    seen[start] = 1;
    stack.push(start);
    let pixels = 0;
    let x0 = width;
    let y0 = height;
    let x1 = 0;
    let y1 = 0;
    while (stack.length > 0) {
      const p = stack.pop() as number;
      const x = p % width;
      const y = (p - x) / width;
      pixels += 1;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
      const next = [
        x > 0 ? p - 1 : -1,
        x < width - 1 ? p + 1 : -1,
        y > 0 ? p - width : -1,
        y < height - 1 ? p + width : -1,
      ];
      for (const q of next) {
        if (q >= 0 && mask[q] === 1 && seen[q] === 0) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    if (best === undefined || pixels > best.pixels)
      best = { rect: { left: x0, top: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 }, pixels };
  }
  return best;
}

/**
 * Share of the pixels outside `rect` that are ink: darker by `INK_CONTRAST` than the picture closed
 * over them (dilated, then eroded), i.e. thin dark marks on a brighter ground. A step from the
 * cardboard to the black of the lid is no mark; print is.
 */
function backgroundInk(grey: Uint8Array, width: number, height: number, rect: Rect): number {
  const closed = morphology(grey, width, height, INK_RADIUS, 'close');
  let outside = 0;
  let ink = 0;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if (x >= rect.left && x < rect.left + rect.width && y >= rect.top && y < rect.top + rect.height)
        continue;
      outside += 1;
      const i = y * width + x;
      if ((closed[i] ?? 0) - (grey[i] ?? 0) >= INK_CONTRAST) ink += 1;
    }
  }
  return outside === 0 ? 0 : ink / outside;
}

/** Why a picture was or was not cut (the benchmark and tests read it). */
export interface PaperVerdict {
  /** The paper, in the thumbnail's pixels, margin included; undefined when the picture is not cut. */
  rect?: Rect;
  reason: 'cut' | 'no-contrast' | 'too-small' | 'fills-picture' | 'ink-outside';
  /** Share of the background that looks like ink, when it was measured. */
  ink?: number;
}

/**
 * Looks for the paper in a greyscale thumbnail.
 *
 * @param grey - 8-bit pixels, row by row.
 * @param width - Thumbnail width.
 * @param height - Thumbnail height.
 * @returns The verdict, with the rectangle to cut to when there is one.
 */
export function findPaper(grey: Uint8Array, width: number, height: number): PaperVerdict {
  const histogram = new Array<number>(256).fill(0);
  for (const v of grey) histogram[v] = (histogram[v] ?? 0) + 1;
  const [low, high] = otsuThresholds(histogram);
  if (classMean(histogram, high, 256) - classMean(histogram, low, high) < MIN_PAPER_CONTRAST)
    return { reason: 'no-contrast' };
  const bright = new Uint8Array(grey.length);
  for (let i = 0; i < grey.length; i += 1) bright[i] = (grey[i] ?? 0) >= high ? 1 : 0;
  const opened = morphology(bright, width, height, OPEN_RADIUS, 'open');
  const region = largestRegion(opened, width, height);
  const area = width * height;
  if (region === undefined || (region.rect.width * region.rect.height) / area < MIN_PAPER_AREA)
    return { reason: 'too-small' };
  const margin = Math.ceil(width * MARGIN);
  const left = Math.max(0, region.rect.left - margin);
  const top = Math.max(0, region.rect.top - margin);
  const rect: Rect = {
    left,
    top,
    width: Math.min(width, region.rect.left + region.rect.width + margin) - left,
    height: Math.min(height, region.rect.top + region.rect.height + margin) - top,
  };
  if ((rect.width * rect.height) / area > MAX_PAPER_AREA) return { reason: 'fills-picture' };
  const ink = backgroundInk(grey, width, height, rect);
  if (ink > MAX_BACKGROUND_INK) return { reason: 'ink-outside', ink };
  return { rect, reason: 'cut', ink };
}

/** A page cut to its paper, and where the cut lies on the page. */
export interface PaperCut {
  image: PageImage;
  /** The cut on the page as stored, in its pixels; undefined when the page was not cut. */
  crop?: Rect;
  /** Why it was or was not cut; `skipped` when not looked at (turned off, or a PDF page). */
  verdict: PaperVerdict['reason'] | 'skipped';
  ink?: number;
}

/**
 * The page cut to the paper it shows, when it shows more than paper. PDF pages are left alone: a
 * rendered page is the paper.
 *
 * @param image - The page as stored.
 * @param tuning - Whether to look at all.
 */
export async function cutToPaper(image: PageImage, tuning: PaperTuning): Promise<PaperCut> {
  if (!tuning.cropToPaper || image.rendered === true) return { image, verdict: 'skipped' };
  const thumb = await sharp(image.png)
    .resize({ width: THUMB_WIDTH })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const verdict = findPaper(new Uint8Array(thumb.data), thumb.info.width, thumb.info.height);
  if (verdict.rect === undefined) return { image, verdict: verdict.reason, ink: verdict.ink };
  const sx = image.width / thumb.info.width;
  const sy = image.height / thumb.info.height;
  const left = Math.floor(verdict.rect.left * sx);
  const top = Math.floor(verdict.rect.top * sy);
  const crop: Rect = {
    left,
    top,
    width: Math.min(image.width, Math.ceil((verdict.rect.left + verdict.rect.width) * sx)) - left,
    height: Math.min(image.height, Math.ceil((verdict.rect.top + verdict.rect.height) * sy)) - top,
  };
  const png = await sharp(image.png).extract(crop).png({ compressionLevel: 1 }).toBuffer();
  return {
    image: { ...image, png, width: crop.width, height: crop.height },
    crop,
    verdict: 'cut',
    ink: verdict.ink,
  };
}

/**
 * A reading of a cut page placed back on the whole page: boxes moved by where the cut lies, in the
 * reading's frame (turned by `degrees` and enlarged as it was read), and the size of the whole page
 * in that frame, so geometry stays relative to the page the user uploaded.
 *
 * @param page - The reading of the cut page.
 * @param crop - The cut, in the stored page's pixels.
 * @param stored - Size of the page as stored.
 */
export function placeOnPage(
  page: UprightPage,
  crop: Rect,
  stored: { width: number; height: number },
): UprightPage {
  const quarter = page.degrees % 180 !== 0;
  const scale = page.width / (quarter ? crop.height : crop.width);
  // Where the cut's top-left corner lands once the stored page is turned clockwise.
  const right = stored.width - crop.left - crop.width;
  const bottom = stored.height - crop.top - crop.height;
  const [dx, dy] =
    page.degrees === 90
      ? [bottom, crop.left]
      : page.degrees === 180
        ? [right, bottom]
        : page.degrees === 270
          ? [crop.top, right]
          : [crop.left, crop.top];
  const move = (box: Bbox): Bbox => ({
    x0: box.x0 + dx * scale,
    y0: box.y0 + dy * scale,
    x1: box.x1 + dx * scale,
    y1: box.y1 + dy * scale,
  });
  return {
    ...page,
    width: Math.round((quarter ? stored.height : stored.width) * scale),
    height: Math.round((quarter ? stored.width : stored.height) * scale),
    result: {
      ...page.result,
      blocks: page.result.blocks.map((block) => ({
        ...block,
        paragraphs: block.paragraphs.map((paragraph) => ({
          ...paragraph,
          lines: paragraph.lines.map((line) => ({
            ...line,
            bbox: move(line.bbox),
            words: line.words.map((word) => ({ ...word, bbox: move(word.bbox) })),
          })),
        })),
      })),
    },
  };
}
