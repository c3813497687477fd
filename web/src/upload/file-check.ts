/** Accepted documents, decided by their first bytes like the server does (names and OS types lie). */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

export type DocumentType = 'application/pdf' | 'image/png' | 'image/jpeg' | 'image/tiff' | 'image/webp';

const startsWith = (bytes: Uint8Array, signature: number[], offset = 0) =>
  signature.every((byte, i) => bytes[offset + i] === byte);

/** The document type of a file's first bytes, or `null` when it is none untxt reads. */
export const sniffType = (head: Uint8Array): DocumentType | null => {
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf'; // %PDF-
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a]))
    return 'image/tiff';
  if (startsWith(head, [0x52, 0x49, 0x46, 0x46]) && startsWith(head, [0x57, 0x45, 0x42, 0x50], 8))
    return 'image/webp'; // RIFF....WEBP
  return null;
};

export const formatBytes = (bytes: number): string => {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
};

export type FileCheck = { ok: true; contentType: DocumentType } | { ok: false; message: string };

/** Checks size and type before anything is sent, with a message the user can act on. */
export const checkFile = async (file: File): Promise<FileCheck> => {
  if (file.size === 0) return { ok: false, message: 'This file is empty.' };
  if (file.size > MAX_UPLOAD_BYTES)
    return { ok: false, message: `This file is ${formatBytes(file.size)}; the limit is 50 MB.` };
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
  const contentType = sniffType(head);
  if (!contentType)
    return { ok: false, message: 'Unsupported file type: upload a PDF, PNG, JPEG, TIFF or WEBP document.' };
  return { ok: true, contentType };
};
