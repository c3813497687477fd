/**
 * Reads Tesseract's TSV output (`GetTSVText`, or the CLI's `tsv` config) into the block /
 * paragraph / line / word tree the engine works on. TSV is the compact way out of Tesseract: its
 * JSON dump (tesseract.js `blocks`) also lists every symbol and its alternatives, which costs time
 * to build, parse and copy between threads, and none of it is used. Both backends (WebAssembly and
 * the native CLI) speak it, so they share this reader.
 */
import type { Bbox, TesseractBlock, TesseractLine, TesseractWord } from './worker-pool.js';

/** TSV columns, in Tesseract's order. */
const LEVEL = 0;
const BLOCK = 2;
const PARAGRAPH = 3;
const LINE = 4;
const LEFT = 6;
const TOP = 7;
const WIDTH = 8;
const HEIGHT = 9;
const CONFIDENCE = 10;
const TEXT = 11;
/** Level of a word row (1 page, 2 block, 3 paragraph, 4 line, 5 word). */
const WORD_LEVEL = 5;

/**
 * Words of a TSV page grouped into blocks, paragraphs and lines, in Tesseract's reading order.
 * Rows of other levels only delimit the groups; a header line, blank lines and words without text
 * are skipped.
 *
 * @param tsv - Tesseract TSV of one page (with or without the CLI's header line).
 * @returns The recognized blocks.
 */
export function parseTesseractTsv(tsv: string): TesseractBlock[] {
  const blocks: TesseractBlock[] = [];
  let lastBlock = '';
  let lastParagraph = '';
  let lastLine = '';
  let line: TesseractLine | undefined;
  for (const row of tsv.split('\n')) {
    const cells = row.replace(/\r$/u, '').split('\t');
    if (Number(cells[LEVEL]) !== WORD_LEVEL || cells.length <= TEXT) continue;
    // Text is the last column and cannot hold a tab, but keep anything after it just in case.
    const text = cells.slice(TEXT).join('\t').trim();
    if (text === '') continue;
    const left = Number(cells[LEFT]);
    const top = Number(cells[TOP]);
    const bbox: Bbox = {
      x0: left,
      y0: top,
      x1: left + Number(cells[WIDTH]),
      y1: top + Number(cells[HEIGHT]),
    };
    const word: TesseractWord = { text, confidence: Number(cells[CONFIDENCE]), bbox };
    const blockKey = cells[BLOCK] ?? '';
    const paragraphKey = `${blockKey}/${cells[PARAGRAPH] ?? ''}`;
    const lineKey = `${paragraphKey}/${cells[LINE] ?? ''}`;
    if (blockKey !== lastBlock || blocks.length === 0) {
      blocks.push({ paragraphs: [] });
      lastBlock = blockKey;
      lastParagraph = '';
    }
    const block = blocks[blocks.length - 1] as TesseractBlock;
    if (paragraphKey !== lastParagraph) {
      block.paragraphs.push({ lines: [] });
      lastParagraph = paragraphKey;
      lastLine = '';
    }
    const paragraph = block.paragraphs[block.paragraphs.length - 1] as TesseractBlock['paragraphs'][number];
    if (lineKey !== lastLine || line === undefined) {
      line = { text: '', confidence: 0, bbox: { ...bbox }, words: [] };
      paragraph.lines.push(line);
      lastLine = lineKey;
    }
    line.words.push(word);
    line.bbox = {
      x0: Math.min(line.bbox.x0, bbox.x0),
      y0: Math.min(line.bbox.y0, bbox.y0),
      x1: Math.max(line.bbox.x1, bbox.x1),
      y1: Math.max(line.bbox.y1, bbox.y1),
    };
  }
  for (const block of blocks)
    for (const paragraph of block.paragraphs)
      for (const l of paragraph.lines) {
        l.text = l.words.map((w) => w.text).join(' ');
        l.confidence = l.words.reduce((sum, w) => sum + w.confidence, 0) / l.words.length;
      }
  return blocks;
}
