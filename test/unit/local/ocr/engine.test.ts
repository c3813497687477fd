import type { Block } from '@aws-sdk/client-textract';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectedText } from '../../../../lambdas/core/ports.js';
import { createLocalOcrEngine } from '../../../../local/ocr/index.js';
import type { LocalOcrEngine } from '../../../../local/ocr/index.js';
import {
  characterErrorRate,
  corruptPdf,
  encryptedPdf,
  renderReceiptOnBackground,
  renderTextJpeg,
  renderTextPdf,
  renderTextPng,
  renderTextTiff,
  renderTextWebp,
} from '../../../fixtures/documents.js';

const LINES = [
  'Invoice 2024-0815 from Example Supplies Ltd',
  'The quick brown fox jumps over the lazy dog.',
  'Total amount due: EUR 1,234.56',
];
const GERMAN = ['Grüße aus München', 'Straße 12, 80331 Größenwahn'];
const MAX_CER = 0.05;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u;

/** Text of the LINE blocks, optionally of one page, in output order. */
function linesOf(result: DetectedText, page?: number): string[] {
  return result.Blocks.filter((b) => b.BlockType === 'LINE' && (page === undefined || b.Page === page)).map(
    (b) => b.Text ?? '',
  );
}

function within01(value: number | undefined): boolean {
  return value !== undefined && value >= 0 && value <= 1;
}

/**
 * Checks the structure Textract's `DetectDocumentText` promises: one PAGE per page, every LINE a
 * child of its PAGE, every LINE child an existing WORD of the same page, geometry normalised to the
 * page, confidences in 0–100, and per page the order PAGE, LINEs, WORDs.
 */
function expectTextractShape(result: DetectedText, pages: number): void {
  expect(result.DocumentMetadata.Pages).toBe(pages);
  const byId = new Map<string, Block>(result.Blocks.map((b) => [b.Id ?? '', b]));
  expect(byId.size).toBe(result.Blocks.length);
  const pageBlocks = result.Blocks.filter((b) => b.BlockType === 'PAGE');
  expect(pageBlocks.map((b) => b.Page)).toEqual(Array.from({ length: pages }, (_, i) => i + 1));

  for (const block of result.Blocks) {
    expect(block.Id).toMatch(UUID);
    expect(['PAGE', 'LINE', 'WORD']).toContain(block.BlockType);
    expect(block.Page).toBeGreaterThanOrEqual(1);
    const box = block.Geometry?.BoundingBox;
    expect([box?.Left, box?.Top, box?.Width, box?.Height].every(within01)).toBe(true);
    expect((box?.Left ?? 0) + (box?.Width ?? 0)).toBeLessThanOrEqual(1 + 1e-9);
    expect((box?.Top ?? 0) + (box?.Height ?? 0)).toBeLessThanOrEqual(1 + 1e-9);
    const polygon = block.Geometry?.Polygon ?? [];
    expect(polygon).toHaveLength(4);
    expect(polygon.every((p) => within01(p.X) && within01(p.Y))).toBe(true);
    if (block.BlockType !== 'PAGE') {
      expect(block.Confidence).toBeGreaterThanOrEqual(0);
      expect(block.Confidence).toBeLessThanOrEqual(100);
      expect(block.Text?.length).toBeGreaterThan(0);
    }
    if (block.BlockType === 'WORD') {
      expect(block.TextType).toBe('PRINTED');
      expect(block.Text).not.toMatch(/\s/u);
      expect(block.Relationships).toBeUndefined();
    }
    if (block.BlockType === 'LINE') {
      const childIds = block.Relationships?.find((r) => r.Type === 'CHILD')?.Ids ?? [];
      expect(childIds.length).toBeGreaterThan(0);
      const words = childIds.map((id) => byId.get(id));
      expect(words.every((w) => w?.BlockType === 'WORD' && w.Page === block.Page)).toBe(true);
      expect(words.map((w) => w?.Text).join(' ')).toBe(block.Text);
    }
  }

  for (const page of pageBlocks) {
    const lineIds = page.Relationships?.find((r) => r.Type === 'CHILD')?.Ids ?? [];
    const linesOfPage = result.Blocks.filter((b) => b.BlockType === 'LINE' && b.Page === page.Page);
    expect(lineIds).toEqual(linesOfPage.map((b) => b.Id));
    // Textract's order within a page: the PAGE, then its LINEs, then its WORDs.
    const types = result.Blocks.filter((b) => b.Page === page.Page).map((b) => b.BlockType);
    const firstWord = types.indexOf('WORD');
    expect(types[0]).toBe('PAGE');
    expect(types.lastIndexOf('LINE')).toBeLessThan(firstWord === -1 ? Infinity : firstWord);
  }
  // Pages follow each other: all blocks of page n come before those of page n + 1.
  const pageNumbers = result.Blocks.map((b) => b.Page ?? 0);
  expect(pageNumbers).toEqual([...pageNumbers].sort((a, b) => a - b));
}

let engine: LocalOcrEngine;

beforeAll(() => {
  engine = createLocalOcrEngine({ workers: 2 });
});

afterAll(async () => {
  await engine.close();
});

describe('Function: createLocalOcrEngine', () => {
  it('recognizes a PNG in Textract shape when given clear printed text', async () => {
    // Prepare
    const png = await renderTextPng(LINES);

    // Act
    const result = await engine.detectDocumentText(png, 'image/png');

    // Assess
    expectTextractShape(result, 1);
    expect(characterErrorRate(linesOf(result).join('\n'), LINES.join('\n'))).toBeLessThan(MAX_CER);
    const tops = result.Blocks.filter((b) => b.BlockType === 'LINE').map(
      (b) => b.Geometry?.BoundingBox?.Top ?? 0,
    );
    expect(tops).toEqual([...tops].sort((a, b) => a - b));
  });

  it('recognizes German umlauts and ß when the default eng+deu languages are used', async () => {
    // Prepare
    const png = await renderTextPng(GERMAN);

    // Act
    const result = await engine.detectDocumentText(png, 'image/png');

    // Assess
    expect(characterErrorRate(linesOf(result).join('\n'), GERMAN.join('\n'))).toBeLessThan(MAX_CER);
  });

  it.each([
    ['image/jpeg', renderTextJpeg],
    ['image/webp', renderTextWebp],
  ] as const)('recognizes %s when given a lossy image', async (contentType, render) => {
    // Prepare
    const bytes = await render(LINES);

    // Act
    const result = await engine.detectDocumentText(bytes, contentType);

    // Assess
    expectTextractShape(result, 1);
    expect(characterErrorRate(linesOf(result).join('\n'), LINES.join('\n'))).toBeLessThan(MAX_CER);
  });

  it('returns one PAGE per TIFF page when given a multi-page TIFF', async () => {
    // Prepare
    const pages = [LINES, GERMAN];
    const tiff = await renderTextTiff(pages);

    // Act
    const result = await engine.detectDocumentText(tiff, 'image/tiff');

    // Assess
    expectTextractShape(result, 2);
    expect(characterErrorRate(linesOf(result, 1).join('\n'), LINES.join('\n'))).toBeLessThan(MAX_CER);
    expect(characterErrorRate(linesOf(result, 2).join('\n'), GERMAN.join('\n'))).toBeLessThan(MAX_CER);
  });

  it('rasterizes and recognizes every page and reports progress when given a scanned 2-page PDF', async () => {
    // Prepare
    const pages = [LINES, ['Second page of the document', 'Reference number 4711']];
    const pdf = await renderTextPdf(pages);
    const progress: [number, number][] = [];

    // Act
    const result = await engine.detectDocumentText(pdf, 'application/pdf', (done, total) =>
      progress.push([done, total]),
    );

    // Assess
    expectTextractShape(result, 2);
    pages.forEach((lines, i) => {
      expect(characterErrorRate(linesOf(result, i + 1).join('\n'), lines.join('\n'))).toBeLessThan(MAX_CER);
    });
    expect(progress).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });

  it.each([90, 180, 270] as const)(
    'turns the page upright and gives upright geometry when the scan is rotated %i°',
    async (rotate) => {
      // Prepare
      const png = await renderTextPng(LINES, { rotate });

      // Act
      const result = await engine.detectDocumentText(png, 'image/png');

      // Assess
      expectTextractShape(result, 1);
      expect(characterErrorRate(linesOf(result).join('\n'), LINES.join('\n'))).toBeLessThan(MAX_CER);
      // Upright frame: lines are wider than tall and run top to bottom.
      const boxes = result.Blocks.filter((b) => b.BlockType === 'LINE').map((b) => b.Geometry?.BoundingBox);
      const page = result.Blocks[0]?.Geometry?.BoundingBox;
      expect(page).toEqual({ Left: 0, Top: 0, Width: 1, Height: 1 });
      expect(boxes.map((b) => b?.Top ?? 0)).toEqual(boxes.map((b) => b?.Top ?? 0).sort((a, b) => a - b));
      const first = boxes[0];
      expect(first?.Left).toBeLessThan(0.2);
    },
  );

  it('reads an upside-down receipt by comparing confidences when the page is receipt-shaped', async () => {
    // Prepare
    const receipt = [
      'CORNER SHOP',
      'Main Street 5',
      'Milk 1.29',
      'Bread 2.49',
      'Apples 3.10',
      'Coffee 6.99',
      'Butter 2.19',
      'Cheese 4.50',
      'Eggs 3.29',
      'Tea 2.75',
      'Rice 1.99',
      'Sugar 1.49',
      'Total 32.78',
      'Cash 40.00',
      'Change 7.22',
      'Thank you',
    ];
    const png = await renderTextPng(receipt, { width: 420, fontSize: 28, rotate: 180 });

    // Act
    const result = await engine.detectDocumentText(png, 'image/png');

    // Assess
    expectTextractShape(result, 1);
    expect(characterErrorRate(linesOf(result).join('\n'), receipt.join('\n'))).toBeLessThan(MAX_CER);
  });

  it('reads a receipt lying on a dark background when its print is lighter than the background', async () => {
    // Prepare: one threshold for the whole page (Otsu) puts the grey print with the paper and reads nothing
    const receipt = ['CORNER SHOP', 'Main Street 5', 'Milk 1.29', 'Bread 2.49', 'Total 3.78', 'Thank you'];
    const png = await renderReceiptOnBackground(receipt);

    // Act
    const result = await engine.detectDocumentText(png, 'image/png');

    // Assess
    expectTextractShape(result, 1);
    expect(characterErrorRate(linesOf(result).join('\n'), receipt.join('\n'))).toBeLessThan(MAX_CER);
  });

  it('places the words of a receipt cut out of a flatbed scan where the receipt lies on the page', async () => {
    // Prepare: the fixture lays the receipt on the middle third of the width, 200 px from the top
    const receipt = ['CORNER SHOP', 'Main Street 5', 'Milk 1.29', 'Bread 2.49', 'Total 3.78', 'Thank you'];
    const png = await renderReceiptOnBackground(receipt);
    const { height = 0 } = await sharp(png).metadata();

    // Act
    const result = await engine.detectDocumentText(png, 'image/png');

    // Assess
    const words = (result.Blocks ?? []).filter((b) => b.BlockType === 'WORD');
    expect(words.map((w) => w.Text)).toContain('Total');
    for (const word of words) {
      const box = word.Geometry?.BoundingBox;
      expect(box?.Left).toBeGreaterThanOrEqual(0.5);
      expect((box?.Left ?? 0) + (box?.Width ?? 0)).toBeLessThanOrEqual(2.5 / 3);
      expect(box?.Top).toBeGreaterThanOrEqual(200 / height);
    }
    const page = (result.Blocks ?? []).find((b) => b.BlockType === 'PAGE');
    expect(page?.Geometry?.BoundingBox).toEqual({ Left: 0, Top: 0, Width: 1, Height: 1 });
  });

  it('reads small print from a low-resolution scan by reading the page again enlarged', async () => {
    // Prepare: 9 px type (a letter page scanned at about 75 dpi), JPEG-compressed
    const lines = [...LINES, 'Payable within 30 days to account 4711', 'Questions? Call 0800 123 456'];
    const sharp300 = await renderTextPng(lines, { fontSize: 27, width: 3000 });
    const jpeg = await sharp(sharp300)
      .resize({ width: 1000, kernel: 'cubic' })
      .jpeg({ quality: 70 })
      .toBuffer();

    // Act
    const result = await engine.detectDocumentText(jpeg, 'image/jpeg');

    // Assess: read as stored, this page scores a CER of about 25 %
    expectTextractShape(result, 1);
    expect(characterErrorRate(linesOf(result).join('\n'), lines.join('\n'))).toBeLessThan(MAX_CER);
  });

  it('rejects with BadDocumentException and CORRUPT_DOCUMENT when the PDF is corrupt', async () => {
    // Prepare
    const bytes = corruptPdf();

    // Act
    const error = await engine.detectDocumentText(bytes, 'application/pdf').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'BadDocumentException', code: 'CORRUPT_DOCUMENT' });
  });

  it('rejects with BadDocumentException and ENCRYPTED_PDF when the PDF needs a password', async () => {
    // Prepare
    const bytes = encryptedPdf();

    // Act
    const error = await engine.detectDocumentText(bytes, 'application/pdf').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'BadDocumentException', code: 'ENCRYPTED_PDF' });
    expect((error as Error).message).toMatch(/encrypt/iu);
  });

  it('rejects with BadDocumentException when an image cannot be decoded', async () => {
    // Prepare
    const png = await renderTextPng(LINES);
    const truncated = png.subarray(0, 100);

    // Act
    const error = await engine.detectDocumentText(truncated, 'image/png').catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'BadDocumentException', code: 'CORRUPT_DOCUMENT' });
  });

  it('serves several documents at once on the same workers when called concurrently', async () => {
    // Prepare
    const documents = [
      ['First document on the pool', 'Order 1001'],
      ['Second document on the pool', 'Order 2002'],
      ['Third document on the pool', 'Order 3003'],
    ];
    const pngs = await Promise.all(documents.map((lines) => renderTextPng(lines)));

    // Act
    const results = await Promise.all(pngs.map((png) => engine.detectDocumentText(png, 'image/png')));
    const again = await engine.detectDocumentText(pngs[0] ?? Buffer.alloc(0), 'image/png');

    // Assess
    results.forEach((result, i) => {
      expect(characterErrorRate(linesOf(result).join('\n'), (documents[i] ?? []).join('\n'))).toBeLessThan(
        MAX_CER,
      );
    });
    expect(linesOf(again)).toEqual(linesOf(results[0] as DetectedText));
  });

  it('keeps working after a failed document when the next one is valid', async () => {
    // Prepare
    const png = await renderTextPng(['Still alive after a failure']);

    // Act
    await engine.detectDocumentText(corruptPdf(), 'application/pdf').catch(() => undefined);
    const result = await engine.detectDocumentText(png, 'image/png');

    // Assess
    expect(linesOf(result)).toEqual(['Still alive after a failure']);
  });
});
