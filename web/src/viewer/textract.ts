/** The parts of a Textract `DetectDocumentText` answer the viewer draws. */
export interface BoundingBox {
  Left: number;
  Top: number;
  Width: number;
  Height: number;
}

interface Block {
  BlockType?: string;
  Text?: string;
  Confidence?: number;
  Page?: number;
  Geometry?: { BoundingBox?: BoundingBox };
}

export interface Word {
  text: string;
  confidence: number | null;
  box: BoundingBox;
}

/** Words per page (1-based), from the JSON result; blocks without geometry are skipped. */
export const wordsByPage = (json: unknown): Map<number, Word[]> => {
  const blocks = (json as { Blocks?: Block[] } | null)?.Blocks;
  const pages = new Map<number, Word[]>();
  if (!Array.isArray(blocks)) return pages;
  for (const block of blocks) {
    const page = block.Page ?? 1;
    if (block.BlockType === 'PAGE' && !pages.has(page)) pages.set(page, []);
    const box = block.Geometry?.BoundingBox;
    if (block.BlockType !== 'WORD' || !box || !block.Text) continue;
    if (!pages.has(page)) pages.set(page, []);
    pages.get(page)!.push({
      text: block.Text,
      confidence: typeof block.Confidence === 'number' ? block.Confidence : null,
      box,
    });
  }
  return pages;
};

/** Word colour by confidence: the numbers are on hover, the colour shows where to look. */
export const confidenceLevel = (confidence: number | null): 'high' | 'medium' | 'low' =>
  confidence === null || confidence >= 90 ? 'high' : confidence >= 70 ? 'medium' : 'low';
