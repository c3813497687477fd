import { describe, expect, it } from 'vitest';
import { parseTesseractTsv } from '../../../../local/ocr/tsv.js';

/** One TSV row: level, page, block, paragraph, line, word, left, top, width, height, conf, text. */
const row = (cells: (string | number)[]): string => cells.join('\t');

const HEADER = row([
  'level',
  'page_num',
  'block_num',
  'par_num',
  'line_num',
  'word_num',
  'left',
  'top',
  'width',
  'height',
  'conf',
  'text',
]);

describe('Function: parseTesseractTsv', () => {
  it('groups words into blocks, paragraphs and lines in order when given a two-block page', () => {
    // Prepare
    const tsv = [
      HEADER,
      row([1, 1, 0, 0, 0, 0, 0, 0, 800, 600, -1, '']),
      row([2, 1, 1, 0, 0, 0, 10, 10, 300, 60, -1, '']),
      row([3, 1, 1, 1, 0, 0, 10, 10, 300, 60, -1, '']),
      row([4, 1, 1, 1, 1, 0, 10, 10, 300, 20, -1, '']),
      row([5, 1, 1, 1, 1, 1, 10, 10, 100, 20, 96.5, 'Hello']),
      row([5, 1, 1, 1, 1, 2, 120, 12, 80, 18, 91.5, 'world']),
      row([4, 1, 1, 1, 2, 0, 10, 40, 300, 20, -1, '']),
      row([5, 1, 1, 1, 2, 1, 10, 40, 60, 20, 80, 'again']),
      row([2, 1, 2, 0, 0, 0, 10, 100, 300, 20, -1, '']),
      row([3, 1, 2, 1, 0, 0, 10, 100, 300, 20, -1, '']),
      row([4, 1, 2, 1, 1, 0, 10, 100, 300, 20, -1, '']),
      row([5, 1, 2, 1, 1, 1, 10, 100, 90, 20, 70, 'Total']),
      '',
    ].join('\n');

    // Act
    const blocks = parseTesseractTsv(tsv);

    // Assess
    expect(blocks).toHaveLength(2);
    const lines = blocks.flatMap((b) => b.paragraphs.flatMap((p) => p.lines));
    expect(lines.map((l) => l.text)).toEqual(['Hello world', 'again', 'Total']);
    expect(lines[0]?.words.map((w) => w.bbox)).toEqual([
      { x0: 10, y0: 10, x1: 110, y1: 30 },
      { x0: 120, y0: 12, x1: 200, y1: 30 },
    ]);
    expect(lines[0]?.bbox).toEqual({ x0: 10, y0: 10, x1: 200, y1: 30 });
    expect(lines[0]?.confidence).toBeCloseTo(94);
    expect(lines[0]?.words.map((w) => w.confidence)).toEqual([96.5, 91.5]);
  });

  it('starts a new line when the line number changes within a paragraph', () => {
    // Prepare: no level-4 rows at all, only words (the grouping must come from the numbers).
    const tsv = [
      row([5, 1, 1, 1, 1, 1, 0, 0, 10, 10, 90, 'a']),
      row([5, 1, 1, 1, 2, 1, 0, 20, 10, 10, 90, 'b']),
      row([5, 1, 1, 2, 1, 1, 0, 40, 10, 10, 90, 'c']),
    ].join('\n');

    // Act
    const blocks = parseTesseractTsv(tsv);

    // Assess
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.paragraphs.map((p) => p.lines.map((l) => l.text))).toEqual([['a', 'b'], ['c']]);
  });

  it('skips words without text and CRLF line ends when the TSV comes from the CLI', () => {
    // Prepare
    const tsv = [
      HEADER,
      row([5, 1, 1, 1, 1, 1, 0, 0, 10, 10, 95, ' ']),
      row([5, 1, 1, 1, 1, 2, 20, 0, 10, 10, 95, 'kept']),
    ].join('\r\n');

    // Act
    const blocks = parseTesseractTsv(tsv);

    // Assess
    const words = blocks.flatMap((b) => b.paragraphs.flatMap((p) => p.lines.flatMap((l) => l.words)));
    expect(words.map((w) => w.text)).toEqual(['kept']);
  });

  it('returns no blocks when the page has no words', () => {
    // Prepare
    const tsv = row([1, 1, 0, 0, 0, 0, 0, 0, 800, 600, -1, '']);

    // Act
    const blocks = parseTesseractTsv(tsv);

    // Assess
    expect(blocks).toEqual([]);
  });
});
