/**
 * Converts Tesseract's recognition tree into Amazon Textract `DetectDocumentText` blocks.
 *
 * Order follows Textract: per page, the PAGE block, then all its LINE blocks in reading order, then
 * all WORD blocks in the same order (Textract lists children after their parents, grouped by type).
 * PAGE blocks carry no Confidence, LINE blocks no TextType, as in Textract's own responses.
 */
import { randomUUID } from 'node:crypto';
import type { Block, BoundingBox, Geometry } from '@aws-sdk/client-textract';
import type { Bbox, RecognizedPage } from './worker-pool.js';

export interface ToBlocksOptions {
  /** 1-based page number. */
  page: number;
  /** Size of the image the boxes refer to, in pixels. */
  width: number;
  height: number;
  /** Words below this confidence (0–100) are dropped, as noise from rules, logos and stains. */
  minWordConfidence?: number;
}

const clamp01 = (value: number): number => Math.min(1, Math.max(0, value));

/** Normalised axis-aligned geometry of a pixel box; the polygon runs TL, TR, BR, BL as Textract's. */
function geometry(box: Bbox, width: number, height: number): Geometry {
  const left = clamp01(box.x0 / width);
  const top = clamp01(box.y0 / height);
  const right = clamp01(box.x1 / width);
  const bottom = clamp01(box.y1 / height);
  const boundingBox: BoundingBox = { Width: right - left, Height: bottom - top, Left: left, Top: top };
  return {
    BoundingBox: boundingBox,
    Polygon: [
      { X: left, Y: top },
      { X: right, Y: top },
      { X: right, Y: bottom },
      { X: left, Y: bottom },
    ],
  };
}

/** The union of boxes (for a line rebuilt from the words that survived filtering). */
function union(boxes: Bbox[]): Bbox {
  return {
    x0: Math.min(...boxes.map((b) => b.x0)),
    y0: Math.min(...boxes.map((b) => b.y0)),
    x1: Math.max(...boxes.map((b) => b.x1)),
    y1: Math.max(...boxes.map((b) => b.y1)),
  };
}

const clampConfidence = (value: number): number =>
  Math.min(100, Math.max(0, Number.isFinite(value) ? value : 0));

/**
 * Textract blocks of one recognized page.
 *
 * @param result - tesseract.js `blocks` output of the page.
 * @param options - Page number, image size and word filter.
 * @returns PAGE, LINE and WORD blocks of the page, in Textract's order.
 */
export function toTextractBlocks(result: RecognizedPage, options: ToBlocksOptions): Block[] {
  const { page, width, height, minWordConfidence = 0 } = options;
  const lines: Block[] = [];
  const words: Block[] = [];
  for (const block of result.blocks) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        const kept = line.words.filter(
          (word) => word.text.trim() !== '' && word.confidence >= minWordConfidence,
        );
        if (kept.length === 0) continue;
        const wordBlocks: Block[] = kept.map((word) => ({
          BlockType: 'WORD',
          Confidence: clampConfidence(word.confidence),
          Text: word.text.trim(),
          TextType: 'PRINTED',
          Geometry: geometry(word.bbox, width, height),
          Id: randomUUID(),
          Page: page,
        }));
        words.push(...wordBlocks);
        lines.push({
          BlockType: 'LINE',
          Confidence: clampConfidence(kept.reduce((sum, word) => sum + word.confidence, 0) / kept.length),
          Text: wordBlocks.map((word) => word.Text).join(' '),
          Geometry: geometry(union(kept.map((word) => word.bbox)), width, height),
          Id: randomUUID(),
          Relationships: [{ Type: 'CHILD', Ids: wordBlocks.map((word) => word.Id as string) }],
          Page: page,
        });
      }
    }
  }
  const pageBlock: Block = {
    BlockType: 'PAGE',
    Geometry: geometry({ x0: 0, y0: 0, x1: width, y1: height }, width, height),
    Id: randomUUID(),
    // A blank page has no children; Textract then leaves Relationships out.
    ...(lines.length > 0
      ? { Relationships: [{ Type: 'CHILD' as const, Ids: lines.map((line) => line.Id as string) }] }
      : {}),
    Page: page,
  };
  return [pageBlock, ...lines, ...words];
}
