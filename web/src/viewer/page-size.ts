/** Width ÷ height of an A4 page: the fallback when a document's page shape cannot be read. */
export const DEFAULT_ASPECT = 210 / 297;
const SCAN_BYTES = 2 * 1024 * 1024;

const latin1 = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes);

const inflate = async (bytes: Uint8Array): Promise<string> => {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate'));
  return latin1(new Uint8Array(await new Response(stream).arrayBuffer()));
};

const mediaBoxes = (text: string): number[] => {
  const aspects: number[] = [];
  for (const m of text.matchAll(
    /\/MediaBox\s*\[\s*(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*\]/g,
  )) {
    const width = Number(m[3]) - Number(m[1]);
    const height = Number(m[4]) - Number(m[2]);
    if (width > 0 && height > 0) aspects.push(width / height);
  }
  return aspects;
};

/**
 * Width ÷ height of a PDF's pages, from their `/MediaBox` entries — in plain objects or inside
 * deflated object streams (unpacked with the browser's DecompressionStream). This is all the viewer
 * needs to draw word boxes on a page of the right shape; a PDF renderer (pdf.js, ~1 MB) is not worth
 * it for a background. Entries come in file order, which is page order for common writers.
 */
export const pdfAspectsFromBytes = async (bytes: Uint8Array): Promise<number[]> => {
  const text = latin1(bytes);
  const aspects = mediaBoxes(text);
  // latin1 maps every byte to one character, so string offsets are byte offsets.
  for (const m of text.matchAll(/\bstream\r?\n/g)) {
    // The stream's dictionary sits between its `obj` keyword and `stream`, keys in any order.
    const dictionary = text.slice(Math.max(0, text.lastIndexOf(' obj', m.index)), m.index);
    if (!dictionary.includes('/ObjStm') || !dictionary.includes('/FlateDecode')) continue;
    const start = m.index + m[0].length;
    // Exact bytes matter: Chromium's DecompressionStream rejects anything after the zlib data, so use
    // a direct /Length, else cut the end-of-line before `endstream`.
    const length = /\/Length\s+(\d+)(?!\s+\d+\s+R)/.exec(dictionary)?.[1];
    const marker = text.indexOf('endstream', start);
    if (marker < 0) continue;
    const end = length
      ? start + Number(length)
      : marker - (text.slice(marker - 2, marker) === '\r\n' ? 2 : 1);
    try {
      aspects.push(...mediaBoxes(await inflate(bytes.subarray(start, end))));
    } catch {
      // A truncated or unusual stream: skip it.
    }
  }
  return aspects;
};

/** Width ÷ height of the first image of a TIFF (tags 256/257 of the first IFD). */
export const tiffAspectFromBytes = (bytes: Uint8Array): number | null => {
  if (bytes.byteLength < 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = bytes[0] === 0x49;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > bytes.byteLength) return null;
  const count = view.getUint16(ifd, little);
  let width = 0;
  let height = 0;
  for (let i = 0; i < count; i += 1) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > bytes.byteLength) break;
    const tag = view.getUint16(entry, little);
    const type = view.getUint16(entry + 2, little);
    const value = type === 3 ? view.getUint16(entry + 8, little) : view.getUint32(entry + 8, little);
    if (tag === 256) width = value;
    if (tag === 257) height = value;
  }
  return width > 0 && height > 0 ? width / height : null;
};

/** Page shapes of an original the browser cannot show (PDF, TIFF), reading at most its first 2 MB. */
export const documentAspects = async (url: string, contentType: string): Promise<number[]> => {
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
    const bytes = new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());
    if (contentType === 'application/pdf') return await pdfAspectsFromBytes(bytes);
    const tiff = contentType === 'image/tiff' ? tiffAspectFromBytes(bytes) : null;
    return tiff ? [tiff] : [];
  } catch {
    return [];
  }
};
