/**
 * What a file really is, from its first bytes (magic numbers). Kept apart from
 * `document-inspection.ts` because it needs no image library: the dispatcher and the upload path
 * sniff types too, and importing sharp there would pin those functions to x86_64 (see
 * `lib/config/module-graph.ts`).
 */
import { fileTypeFromBuffer } from 'file-type';
import { SUPPORTED_TYPES } from './task.js';
import type { SupportedType } from './task.js';

/** How many leading bytes `sniffContentType` needs (file-type's own "reasonable detection size"). */
export const SNIFF_HEAD_BYTES = 4100;

export interface Sniffed {
  contentType: SupportedType | undefined;
  /** What file-type recognised even when it is not one of ours, to name it in messages. */
  detectedMime: string | undefined;
  detectedExt: string | undefined;
}

export function isSupportedType(value: string): value is SupportedType {
  return (SUPPORTED_TYPES as readonly string[]).includes(value);
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  return signature.every((byte, i) => bytes[offset + i] === byte);
}

const ascii = (value: string): number[] => [...value].map((c) => c.charCodeAt(0));

/**
 * Bare signatures of our five types, consulted only when file-type recognises nothing. file-type is
 * strict: it gives up on a TIFF whose first IFD lies beyond the bytes it was given (libvips and many
 * scanners write it at the end, so a 4 KB head never shows it) and on a PNG whose first chunk is
 * broken. The former must not be refused at upload; the latter is a damaged PNG, and the decoders
 * will say so with `CORRUPT_DOCUMENT` instead of a misleading `UNSUPPORTED_TYPE`.
 */
function signatureOf(bytes: Uint8Array): SupportedType | undefined {
  if (startsWith(bytes, ascii('%PDF-'))) return 'application/pdf';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]))
    return 'image/tiff';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  return undefined;
}

export async function sniff(bytes: Uint8Array): Promise<Sniffed> {
  const result = await fileTypeFromBuffer(bytes).catch(() => undefined);
  if (result === undefined) {
    return { contentType: signatureOf(bytes), detectedMime: undefined, detectedExt: undefined };
  }
  // An animated PNG is still a PNG: decoders (and Textract) read its first frame.
  const mime = result.mime === 'image/apng' ? 'image/png' : result.mime;
  return {
    contentType: isSupportedType(mime) ? mime : undefined,
    detectedMime: result.mime,
    detectedExt: result.ext,
  };
}

/**
 * Identifies which supported type a document is from its first bytes (magic numbers).
 *
 * @param head - The start of the file; `SNIFF_HEAD_BYTES` is enough, the whole file works too.
 * @returns The supported content type, or `undefined` when the bytes are none of the five
 *   (including formats file-type knows but untxt does not accept, such as GIF or TIFF-based camera RAW).
 *   A bare signature of one of the five counts even when file-type cannot confirm it from the head
 *   (e.g. a TIFF whose directory is at the end); `inspectDocument` later judges the whole file.
 */
export async function sniffContentType(head: Uint8Array): Promise<SupportedType | undefined> {
  if (head.byteLength === 0) return undefined;
  return (await sniff(head)).contentType;
}
