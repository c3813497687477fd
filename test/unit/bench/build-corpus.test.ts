import { describe, expect, it } from 'vitest';
import {
  formatManifest,
  formatManifestRow,
  funsdGroundTruth,
  groupBoxesIntoLines,
  MANIFEST_COLUMNS,
  parseSroieBoxes,
  pdfPageLines,
  receiptFields,
  textractLines,
} from '../../../bench/build-corpus.js';
import type { ManifestRow, PlacedText } from '../../../bench/build-corpus.js';

describe('Function: parseSroieBoxes', () => {
  it('reads the bounding box of the eight corners and keeps commas in the transcript', () => {
    // Prepare
    const csv =
      '72,25,326,25,326,64,72,64,TAN WOON YANN\r\n110,144,383,140,383,163,110,165,NO.53 55,57 & 59,\r\n';

    // Act
    const boxes = parseSroieBoxes(csv);

    // Assess
    expect(boxes).toEqual([
      { left: 72, top: 25, right: 326, bottom: 64, text: 'TAN WOON YANN' },
      { left: 110, top: 140, right: 383, bottom: 165, text: 'NO.53 55,57 & 59,' },
    ]);
  });

  it('rejects a line that is not a box', () => {
    expect(() => parseSroieBoxes('1,2,3,TEXT')).toThrow(/not a SROIE box line/u);
  });
});

describe('Function: groupBoxesIntoLines', () => {
  const box = (left: number, top: number, right: number, bottom: number, text: string) => ({
    left,
    top,
    right,
    bottom,
    text,
  });

  it('joins boxes on one line left to right and starts a line where the centre moves down', () => {
    // Prepare: SROIE 003's "DOC NO … DATE …" row, boxes a few pixels apart vertically and listed
    // out of order, then the next row.
    const boxes = [
      box(276, 341, 312, 359, 'DATE'),
      box(19, 343, 78, 360, 'DOC NO'),
      box(141, 337, 251, 358, 'CS00031663'),
      box(329, 341, 415, 358, '25/12/2018'),
      box(18, 369, 79, 386, 'CASHIER'),
      box(143, 368, 191, 383, 'USER'),
      box(18, 316, 66, 333, 'CASH'),
    ];

    // Act
    const text = groupBoxesIntoLines(boxes);

    // Assess
    expect(text).toBe('CASH\nDOC NO CS00031663 DATE 25/12/2018\nCASHIER USER\n');
  });

  it('keeps boxes apart whose centres differ by more than half a box height', () => {
    // 20 px high boxes, centres 11 px apart: two lines; 9 px apart: one.
    expect(groupBoxesIntoLines([box(0, 0, 10, 20, 'a'), box(20, 11, 30, 31, 'b')])).toBe('a\nb\n');
    expect(groupBoxesIntoLines([box(20, 9, 30, 29, 'b'), box(0, 0, 10, 20, 'a')])).toBe('a b\n');
  });
});

describe('Function: funsdGroundTruth', () => {
  it('reads entities in rows top to bottom, left to right, keeps word order and skips empty entities', () => {
    // Prepare: box is [left, top, right, bottom]; "right" sits 3 px higher than the entity on its
    // left but in the same row.
    const entities = [
      { box: [300, 97, 400, 117], words: [{ text: 'right' }] },
      { box: [10, 200, 90, 220], words: [{ text: 'last' }, { text: '' }, { text: 'line' }] },
      { box: [50, 50, 60, 60], words: [{ text: ' ' }] },
      { box: [10, 100, 200, 120], words: [{ text: 'zebra' }, { text: 'apple' }] },
      { box: [5, 20, 80, 40], words: [{ text: 'TO:' }] },
    ];

    // Act
    const text = funsdGroundTruth(entities);

    // Assess
    expect(text).toBe('TO:\nzebra apple\nright\nlast line\n');
  });
});

describe('Function: textractLines', () => {
  it('keeps the LINE blocks in published order and ignores PAGE and WORD blocks', () => {
    const blocks = [
      { BlockType: 'PAGE', Id: 'p' },
      { BlockType: 'LINE', Text: 'ALDI SÜD' },
      { BlockType: 'WORD', Text: 'ALDI' },
      { BlockType: 'LINE', Text: 'EUR' },
      { BlockType: 'WORD', Text: 'EUR' },
    ];
    expect(textractLines(blocks)).toBe('ALDI SÜD\nEUR\n');
  });

  it('rejects a file that is not a block array', () => {
    expect(() => textractLines({ Blocks: [] })).toThrow(/expected a JSON array/u);
  });
});

describe('Function: receiptFields', () => {
  it('reads merchant, date, items and total from the file name as ../shared/corpus does', () => {
    expect(receiptFields('aldi_02032020_19_02423')).toBe(
      '{"merchant": "aldi", "date": "02.03.2020", "date_short": "02.03.20", "items": 19, "total": "24,23"}\n',
    );
    expect(receiptFields('saturn_08092017_112900')).toBe(
      '{"merchant": "saturn", "date": "08.09.2017", "date_short": "08.09.17", "total": "1129,00"}\n',
    );
  });
});

describe('Function: pdfPageLines', () => {
  const item = (str: string, x: number, y: number, width: number, height = 10): PlacedText => ({
    str,
    x,
    y,
    width,
    height,
  });

  it('joins consecutive items on one baseline, with a space only between items that do not touch', () => {
    // Prepare: "Hello" split into two touching items, a whitespace item, baselines a little apart.
    const items = [
      item('Hel', 0, 20, 15),
      item('lo', 15, 20.5, 10),
      item(' ', 25, 20, 3),
      item('world', 30, 19.8, 25),
      item('second line', 0, 40, 50),
    ];

    // Act
    const lines = pdfPageLines(items);

    // Assess
    expect(lines).toEqual(['Hello world', 'second line']);
  });

  it('keeps the content-stream order, so two columns are read one after the other', () => {
    // Prepare: the left column's two lines, then the right column's first line on the left's first baseline.
    const items = [item('left one', 0, 20, 40), item('left two', 0, 40, 40), item('right one', 100, 20, 45)];

    // Act
    const lines = pdfPageLines(items);

    // Assess
    expect(lines).toEqual(['left one', 'left two', 'right one']);
  });
});

describe('Function: formatManifestRow', () => {
  const row: ManifestRow = {
    path: 'sroie/020.jpg',
    source: 'zzzDavid/ICDAR-2019-SROIE@27be4271b251c256f695acbade9a801bffe85994',
    upstream_path: 'data/img/020.jpg',
    kind: 'scanned receipt (jpg)',
    pages: 1,
    license: 'repo MIT (code)',
    gt: 'human per-box transcripts (data/box) grouped into lines',
    lang: 'eng',
    bytes: 98120,
  };

  it('writes the cells in the column order of ../shared/corpus/MANIFEST.tsv', () => {
    expect(MANIFEST_COLUMNS.join('\t')).toBe(
      'path\tsource\tupstream_path\tkind\tpages\tlicense\tgt\tlang\tbytes',
    );
    expect(formatManifestRow(row)).toBe(
      'sroie/020.jpg\tzzzDavid/ICDAR-2019-SROIE@27be4271b251c256f695acbade9a801bffe85994\tdata/img/020.jpg\t' +
        'scanned receipt (jpg)\t1\trepo MIT (code)\thuman per-box transcripts (data/box) grouped into lines\teng\t98120',
    );
  });

  it('refuses a cell holding a tab', () => {
    expect(() => formatManifestRow({ ...row, kind: 'a\tb' })).toThrow(/tab or newline/u);
  });

  it('puts the header first and sorts rows by path', () => {
    const text = formatManifest([{ ...row, path: 'sroie/021.jpg' }, row]);
    expect(text.split('\n').map((l) => l.split('\t')[0])).toEqual([
      'path',
      'sroie/020.jpg',
      'sroie/021.jpg',
      '',
    ]);
  });
});
