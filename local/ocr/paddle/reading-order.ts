/**
 * Reading order of detected text lines: top to bottom, with the columns of a multi-column page
 * kept together (all of the left column, then all of the right), by a recursive X-Y cut.
 *
 * At each region the engine first looks for a vertical gutter (a band of x no line crosses) that
 * separates two real text columns; failing that it cuts at the widest horizontal gap and tries again
 * in each part. A gutter only counts when both sides hold several lines and a fair share of the
 * region's width, so a receipt's column of prices or a form's right-aligned values stay on the rows
 * they belong to instead of being read after everything else.
 */
import type { PixelBox } from './db-postprocess.js';

export interface ReadingOrderOptions {
  /** A gutter must be at least this many median line heights wide. */
  minGutter: number;
  /** Each side of a gutter needs at least this many lines. */
  minColumnLines: number;
  /** Each side of a gutter needs this share of the region's width (its lines' extent). */
  minColumnShare: number;
  /** Never look for columns (one-column pages such as receipts). */
  singleColumn: boolean;
}

export const DEFAULT_READING_ORDER: ReadingOrderOptions = {
  minGutter: 1.2,
  minColumnLines: 3,
  minColumnShare: 0.25,
  singleColumn: false,
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/** Items in row order: grouped into rows by vertical overlap, rows top to bottom, each left to right. */
export function rowsOf<T extends { box: PixelBox }>(items: T[]): T[][] {
  const sorted = [...items].sort((a, b) => a.box.y0 + a.box.y1 - (b.box.y0 + b.box.y1));
  const rows: { y0: number; y1: number; items: T[] }[] = [];
  for (const item of sorted) {
    const centre = (item.box.y0 + item.box.y1) / 2;
    const row = rows.find(
      (r) =>
        centre >= r.y0 &&
        centre <= r.y1 &&
        !r.items.some((o) => item.box.x0 < o.box.x1 && item.box.x1 > o.box.x0),
    );
    if (row === undefined) {
      rows.push({ y0: item.box.y0, y1: item.box.y1, items: [item] });
    } else {
      row.items.push(item);
      // The row's band follows its first line: merging bands would chain neighbouring rows.
    }
  }
  rows.sort((a, b) => a.y0 + a.y1 - (b.y0 + b.y1));
  return rows.map((r) => r.items.sort((a, b) => a.box.x0 - b.box.x0));
}

/** Widest gap along one axis not crossed by any item: [start, end) or undefined. */
function widestGap<T extends { box: PixelBox }>(
  items: T[],
  axis: 'x' | 'y',
): { start: number; end: number } | undefined {
  const spans = items
    .map((i) => (axis === 'x' ? [i.box.x0, i.box.x1] : [i.box.y0, i.box.y1]) as [number, number])
    .sort((a, b) => a[0] - b[0]);
  let best: { start: number; end: number } | undefined;
  let reach = spans[0]?.[1] ?? 0;
  for (const [start, end] of spans.slice(1)) {
    if (start > reach && (best === undefined || start - reach > best.end - best.start)) {
      best = { start: reach, end: start };
    }
    reach = Math.max(reach, end);
  }
  return best;
}

/**
 * Orders text lines for reading.
 *
 * @param items - Lines with pixel boxes.
 * @param options - Column detection thresholds.
 * @returns Blocks in reading order (a column or a run of full-width rows), each a list of rows.
 */
export function readingOrder<T extends { box: PixelBox }>(
  items: T[],
  options: ReadingOrderOptions = DEFAULT_READING_ORDER,
): T[][][] {
  if (items.length === 0) return [];
  const lineHeight = median(items.map((i) => i.box.y1 - i.box.y0));
  const blocks: T[][][] = [];
  const visit = (region: T[]): void => {
    if (!options.singleColumn && region.length >= 2 * options.minColumnLines) {
      const gap = widestGap(region, 'x');
      if (gap !== undefined && gap.end - gap.start >= options.minGutter * lineHeight) {
        const left = region.filter((i) => i.box.x1 <= gap.start);
        const right = region.filter((i) => i.box.x0 >= gap.end);
        const x0 = Math.min(...region.map((i) => i.box.x0));
        const x1 = Math.max(...region.map((i) => i.box.x1));
        const share = (side: T[]): number =>
          (Math.max(...side.map((i) => i.box.x1)) - Math.min(...side.map((i) => i.box.x0))) / (x1 - x0);
        if (
          left.length >= options.minColumnLines &&
          right.length >= options.minColumnLines &&
          share(left) >= options.minColumnShare &&
          share(right) >= options.minColumnShare
        ) {
          visit(left);
          visit(right);
          return;
        }
      }
    }
    const gap = region.length > 1 ? widestGap(region, 'y') : undefined;
    // Only a gap wider than ordinary line spacing is worth a cut; otherwise this is one block.
    if (gap !== undefined && gap.end - gap.start >= 0.5 * lineHeight && !options.singleColumn) {
      visit(region.filter((i) => i.box.y1 <= gap.start));
      visit(region.filter((i) => i.box.y0 >= gap.end));
      return;
    }
    blocks.push(rowsOf(region));
  };
  visit(items);
  return blocks;
}
