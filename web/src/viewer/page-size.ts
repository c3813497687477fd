const A4 = 210 / 297;
const SCAN_BYTES = 512 * 1024;

/**
 * Width ÷ height of each page of a PDF, read from the `/MediaBox` entries in its first bytes,
 * without a PDF renderer (pdf.js would add ~1 MB for one number). Falls back to A4 when the page
 * dictionaries sit in compressed object streams.
 */
export const pdfPageAspects = async (url: string): Promise<number[]> => {
  try {
    const res = await fetch(url);
    if (!res.ok || !res.body) return [];
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (size < SCAN_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
    void reader.cancel();
    const text = new TextDecoder('latin1').decode(await new Blob(chunks as BlobPart[]).arrayBuffer());
    const aspects: number[] = [];
    for (const match of text.matchAll(/\/MediaBox\s*\[\s*(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*\]/g)) {
      const width = Number(match[3]) - Number(match[1]);
      const height = Number(match[4]) - Number(match[2]);
      if (width > 0 && height > 0) aspects.push(width / height);
    }
    return aspects;
  } catch {
    return [];
  }
};

export const DEFAULT_ASPECT = A4;
