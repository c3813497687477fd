import { describe, expect, it } from 'vitest';
import { toTextractBlocks } from '../../../../local/ocr/textract.js';
import type { RecognizedPage, TesseractWord } from '../../../../local/ocr/worker-pool.js';

const word = (text: string, x0: number, confidence = 90): TesseractWord => ({
  text,
  confidence,
  bbox: { x0, y0: 10, x1: x0 + 40, y1: 30 },
});

function page(lines: TesseractWord[][]): RecognizedPage {
  return {
    confidence: 90,
    blocks: [
      {
        paragraphs: [
          {
            lines: lines.map((words) => ({
              text: words.map((w) => w.text).join(' '),
              confidence: 90,
              bbox: { x0: 0, y0: 0, x1: 200, y1: 40 },
              words,
            })),
          },
        ],
      },
    ],
  };
}

describe('Function: toTextractBlocks', () => {
  it('lists the PAGE, then its LINEs, then its WORDs with CHILD links when a page has text', () => {
    // Prepare
    const input = page([[word('Hello', 0), word('world', 50)], [word('Bye', 0)]]);

    // Act
    const blocks = toTextractBlocks(input, { page: 3, width: 200, height: 100 });

    // Assess
    expect(blocks.map((b) => b.BlockType)).toEqual(['PAGE', 'LINE', 'LINE', 'WORD', 'WORD', 'WORD']);
    expect(blocks.every((b) => b.Page === 3)).toBe(true);
    const [pageBlock, first, second, ...words] = blocks;
    expect(pageBlock?.Relationships).toEqual([{ Type: 'CHILD', Ids: [first?.Id, second?.Id] }]);
    expect(first?.Relationships).toEqual([{ Type: 'CHILD', Ids: [words[0]?.Id, words[1]?.Id] }]);
    expect(first?.Text).toBe('Hello world');
    expect(words.map((w) => w.TextType)).toEqual(['PRINTED', 'PRINTED', 'PRINTED']);
    expect(pageBlock?.Confidence).toBeUndefined();
  });

  it('normalises pixel boxes to the page and lists the polygon clockwise from top-left', () => {
    // Prepare
    const input = page([[word('Box', 50)]]);

    // Act
    const wordBlock = toTextractBlocks(input, { page: 1, width: 200, height: 100 }).at(-1);

    // Assess
    const box = wordBlock?.Geometry?.BoundingBox;
    expect([box?.Left, box?.Top, box?.Width, box?.Height].map((v) => Number(v?.toFixed(6)))).toEqual([
      0.25, 0.1, 0.2, 0.2,
    ]);
    expect(wordBlock?.Geometry?.Polygon?.map((p) => [p.X, p.Y])).toEqual([
      [0.25, 0.1],
      [0.45, 0.1],
      [0.45, 0.3],
      [0.25, 0.3],
    ]);
  });

  it('drops blank and low-confidence words and rebuilds the line from the rest when filtering', () => {
    // Prepare
    const input = page([[word('keep', 0), word(' ', 50), word('~~', 100, 5)], [word('|', 0, 3)]]);

    // Act
    const blocks = toTextractBlocks(input, { page: 1, width: 200, height: 100, minWordConfidence: 10 });

    // Assess
    expect(blocks.map((b) => [b.BlockType, b.Text])).toEqual([
      ['PAGE', undefined],
      ['LINE', 'keep'],
      ['WORD', 'keep'],
    ]);
    expect(blocks[1]?.Geometry?.BoundingBox?.Width).toBeCloseTo(0.2);
  });

  it('leaves Relationships out of the PAGE when the page is blank', () => {
    // Prepare
    const input: RecognizedPage = { confidence: 0, blocks: [] };

    // Act
    const blocks = toTextractBlocks(input, { page: 1, width: 10, height: 10 });

    // Assess
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.Relationships).toBeUndefined();
  });
});
