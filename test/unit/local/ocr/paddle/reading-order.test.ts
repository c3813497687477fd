import { describe, expect, it } from 'vitest';
import type { PixelBox } from '../../../../../local/ocr/paddle/db-postprocess.js';
import { readingOrder, rowsOf } from '../../../../../local/ocr/paddle/reading-order.js';

interface Line {
  text: string;
  box: PixelBox;
}

/** A line of text `height` px high at (x, y), `width` px wide. */
const line = (text: string, x: number, y: number, width: number, height = 20): Line => ({
  text,
  box: { x0: x, y0: y, x1: x + width, y1: y + height },
});

const texts = (blocks: Line[][][]): string[] => blocks.flat(2).map((l) => l.text);

describe('Function: readingOrder', () => {
  it('reads the left column to its end before the right one when a page has two text columns', () => {
    // Prepare: a full-width title, then two columns whose rows line up exactly.
    const lines = [
      line('R1', 560, 100, 400),
      line('L1', 40, 100, 400),
      line('L2', 40, 130, 400),
      line('R2', 560, 130, 400),
      line('L3', 40, 160, 400),
      line('R3', 560, 160, 400),
      line('Title', 40, 40, 920),
    ];

    // Act
    const order = texts(readingOrder(lines));

    // Assess
    expect(order).toEqual(['Title', 'L1', 'L2', 'L3', 'R1', 'R2', 'R3']);
  });

  it('keeps a receipt price on the row of its item when the price column is narrow', () => {
    // Prepare: item names on the left, prices far right, four rows.
    const lines = [
      line('Milk', 20, 100, 200),
      line('1.29', 600, 101, 60),
      line('Bread', 20, 130, 200),
      line('2.49', 600, 129, 60),
      line('Eggs', 20, 160, 200),
      line('3.19', 600, 160, 60),
      line('Butter', 20, 190, 200),
      line('1.99', 600, 191, 60),
    ];

    // Act
    const order = texts(readingOrder(lines));

    // Assess
    expect(order).toEqual(['Milk', '1.29', 'Bread', '2.49', 'Eggs', '3.19', 'Butter', '1.99']);
  });

  it('never splits columns when the page is marked single-column', () => {
    // Prepare: the two-column layout of the first test, without title.
    const lines = [
      line('L1', 40, 100, 400),
      line('R1', 560, 100, 400),
      line('L2', 40, 130, 400),
      line('R2', 560, 130, 400),
      line('L3', 40, 160, 400),
      line('R3', 560, 160, 400),
    ];

    // Act
    const order = texts(
      readingOrder(lines, { minGutter: 1.2, minColumnLines: 3, minColumnShare: 0.25, singleColumn: true }),
    );

    // Assess
    expect(order).toEqual(['L1', 'R1', 'L2', 'R2', 'L3', 'R3']);
  });

  it('returns no blocks when there are no lines', () => {
    expect(readingOrder([])).toEqual([]);
  });
});

describe('Function: rowsOf', () => {
  it('orders rows top to bottom and each row left to right when lines are slightly skewed', () => {
    // Prepare
    const lines = [line('b', 300, 52, 100), line('c', 20, 90, 100), line('a', 20, 50, 100)];

    // Act
    const rows = rowsOf(lines).map((row) => row.map((l) => l.text));

    // Assess
    expect(rows).toEqual([['a', 'b'], ['c']]);
  });
});
