/**
 * `Content-Disposition: attachment` per RFC 6266, with the name sanitized: a download name comes
 * from a user's upload, so it must not carry paths, quotes, control characters or header breaks.
 */

const FALLBACK_NAME = 'download';
const MAX_NAME_LENGTH = 200;

/**
 * Reduces a user-supplied file name to a safe base name: no directories, no control or quote
 * characters, no leading dots (hidden files), at most 200 characters (keeping the extension).
 */
export function sanitizeFileName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f"*:<>?|]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  if (cleaned === '') return FALLBACK_NAME;
  const chars = Array.from(cleaned);
  if (chars.length <= MAX_NAME_LENGTH) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 && cleaned.length - dot <= 16 ? cleaned.slice(dot) : '';
  return chars.slice(0, MAX_NAME_LENGTH - Array.from(extension).length).join('') + extension;
}

/**
 * Builds `attachment; filename="…"; filename*=UTF-8''…`: an ASCII fallback for old clients and
 * the exact UTF-8 name (RFC 5987) for everyone else.
 *
 * @example attachmentDisposition('Rechnung März.pdf')
 *   === `attachment; filename="Rechnung M_rz.pdf"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf`
 */
export function attachmentDisposition(name: string): string {
  const safe = sanitizeFileName(name);
  const ascii = safe.replace(/[^\x20-\x7e]/g, '_').replace(/[\\%]/g, '_');
  const encoded = encodeURIComponent(safe).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
