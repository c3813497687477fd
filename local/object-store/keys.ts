/**
 * Object keys and bucket names: validation (a key becomes a path on disk, so a bad one must never
 * escape the root) and the two encodings S3 uses for keys — in URLs and in event notifications.
 */
import { ValidationError } from '../../lambdas/core/errors.js';

/** S3's own cap on a key's UTF-8 length. */
export const MAX_KEY_BYTES = 1024;
/**
 * Local-only cap on one `/`-separated segment: file systems allow 255 bytes per name. S3 has no
 * such limit, so callers should keep the file names they put in keys short.
 */
export const MAX_SEGMENT_BYTES = 255;

// C0 controls, DEL and C1 controls: S3 accepts some of them, but they break file names, logs and
// HTTP headers, and NUL truncates paths in some syscalls.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks that a key is safe to map onto `${rootDir}/${bucket}/${key}`.
 *
 * Stricter than S3 on purpose: besides S3's 1024-byte cap it rejects control characters,
 * backslashes (a separator on Windows), absolute paths and empty, `.` or `..` segments, so the
 * joined path always stays under the bucket directory, and segments over 255 bytes, which no
 * file system could hold.
 *
 * @param key - The object key, e.g. `uploads/{userId}/{fileId}/scan.pdf`.
 * @returns The key unchanged.
 * @throws ValidationError when the key is unsafe.
 */
export function validateObjectKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new ValidationError('Object key is empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new ValidationError(`Object key is longer than ${MAX_KEY_BYTES} bytes`);
  }
  if (CONTROL_CHARS.test(key)) throw new ValidationError('Object key contains control characters');
  if (key.includes('\\')) throw new ValidationError('Object key contains a backslash');
  if (key.startsWith('/')) throw new ValidationError('Object key is an absolute path');
  if (/^[a-zA-Z]:/.test(key)) throw new ValidationError('Object key starts with a drive letter');
  for (const segment of key.split('/')) {
    if (segment === '') throw new ValidationError('Object key has an empty path segment');
    if (segment === '.' || segment === '..') throw new ValidationError('Object key has a relative segment');
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) {
      throw new ValidationError(`Object key has a path segment longer than ${MAX_SEGMENT_BYTES} bytes`);
    }
  }
  // Lone surrogates cannot round-trip through UTF-8 file names or percent-encoding.
  if (LONE_SURROGATE.test(key)) throw new ValidationError('Object key is not well-formed Unicode');
  return key;
}

/** Whether {@link validateObjectKey} accepts `key`. */
export function isStorableKey(key: string): boolean {
  try {
    validateObjectKey(key);
    return true;
  } catch (error) {
    if (error instanceof ValidationError) return false;
    throw error;
  }
}

/**
 * Checks a bucket name against S3's naming rules. Those rules also guarantee the name can never
 * start with a dot, so the store's own `.meta` and `.tmp` folders cannot clash with a bucket.
 *
 * @throws ValidationError when the name breaks S3's rules.
 */
export function validateBucketName(bucket: string): string {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    throw new ValidationError(`Invalid bucket name: ${bucket}`);
  }
  return bucket;
}

/**
 * Encodes a key the way S3 writes it into event notifications: form encoding
 * (`application/x-www-form-urlencoded`, Java `URLEncoder` style) except that `/` stays as is.
 * Only `A-Z a-z 0-9 - _ . *` survive; space becomes `+`; everything else, including
 * `! ' ( ) ~ + =`, is percent-encoded from its UTF-8 bytes.
 *
 * @example encodeS3Key('uploads/u1/red flower (1).jpg') === 'uploads/u1/red+flower+%281%29.jpg'
 */
export function encodeS3Key(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment)
        .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
        .replace(/%20/g, '+'),
    )
    .join('/');
}

/**
 * Decodes the key of an S3 event record back to the real object key (`+` is a space, then
 * percent-decoding). Every consumer of S3 notifications must do this before using the key.
 *
 * @example decodeS3Key('uploads/u1/c%2B%2B+notes.pdf') === 'uploads/u1/c++ notes.pdf'
 */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** Percent-encodes each segment of a key for the path of a URL, keeping the `/` separators. */
export function encodeKeyForUrl(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
