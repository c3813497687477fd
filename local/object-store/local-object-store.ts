/**
 * The local stand-in for the documents bucket: an {@link ObjectStore} on the file system, plus the
 * HTTP endpoints presigned URLs point at and a scanner for files dropped straight into the folder.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { S3EventRecord } from 'aws-lambda';
import { NotFoundError, ValidationError } from '../../lambdas/core/errors.js';
import type { ObjectHead, ObjectStore, PresignedUpload } from '../../lambdas/core/ports.js';
import { attachmentDisposition } from './content-disposition.js';
import { scanDrops } from './drop-scanner.js';
import type { ScanSnapshot } from './drop-scanner.js';
import { ObjectStoreEngine } from './engine.js';
import { handleS3Request } from './http-handler.js';
import { encodeKeyForUrl, isStorableKey, validateBucketName, validateObjectKey } from './keys.js';
import { encodePolicy, signDownload, signPolicy, SIGNING_ALGORITHM } from './signing.js';

export interface LocalObjectStoreOptions {
  /** Folder holding the bucket folder and the store's `.meta` / `.tmp` trees. */
  rootDir: string;
  bucket: string;
  /** Origin the browser reaches the host at, e.g. `http://localhost:3000` (no trailing slash). */
  publicUrl: string;
  /** HMAC key for presigned URLs; anyone holding it can mint uploads and downloads. */
  secret: string;
  /** Region reported in events. Default `us-east-1`. */
  region?: string;
  /** Receives ObjectCreated notifications (uploads/ only), like the bucket's SQS notification. */
  onObjectCreated: (notification: { Records: S3EventRecord[] }) => Promise<void> | void;
  /** Clock in epoch milliseconds, for tests of expiry. Default `Date.now`. */
  now?: () => number;
}

export interface LocalObjectStore extends ObjectStore {
  /**
   * Serves `/_s3/…` (browser POST uploads, presigned GET/HEAD, CORS preflight).
   *
   * @returns `false` without touching `res` when the path is not under `/_s3/`.
   */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /**
   * Scans `uploads/` now and every `intervalMs` (default 1000) for dropped files.
   *
   * @returns A function that stops this scanner.
   */
  startDropScanner(intervalMs?: number): () => void;
  /** One scan, awaited (what the scanner runs on each tick); returns how many events it emitted. */
  scanDrops(): Promise<number>;
  /** The object's current tag set (empty when it has none). */
  getTags(key: string): Promise<Record<string, string>>;
  /** Stops every scanner and waits for a running scan. */
  close(): Promise<void>;
}

const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
const MAX_TAGS = 10;
// S3's allowed tag characters: letters, numbers, spaces and `+ - = . _ : / @`.
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * Creates the store and its folders (clearing temp files a crash left behind).
 *
 * @example
 * const store = createLocalObjectStore({ rootDir: '.untxt/s3', bucket: 'untxt-documents',
 *   publicUrl: 'http://localhost:3000', secret, onObjectCreated: (n) => intake.send(JSON.stringify(n)) });
 * http.createServer(async (req, res) => { if (!(await store.handle(req, res))) next(req, res); });
 */
export function createLocalObjectStore(options: LocalObjectStoreOptions): LocalObjectStore {
  const engine = new ObjectStoreEngine({
    rootDir: options.rootDir,
    bucket: validateBucketName(options.bucket),
    publicUrl: options.publicUrl.replace(/\/+$/, ''),
    secret: requireSecret(options.secret),
    region: options.region ?? 'us-east-1',
    now: options.now ?? Date.now,
    onObjectCreated: options.onObjectCreated,
  });
  engine.disk.init();
  return new FileObjectStore(engine);
}

class FileObjectStore implements LocalObjectStore {
  private readonly scanners = new Set<() => void>();
  private readonly snapshot: ScanSnapshot = new Map();
  private scanChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly engine: ObjectStoreEngine) {}

  private get options() {
    return this.engine.options;
  }

  async presignUpload(input: {
    key: string;
    contentType: string;
    maxBytes: number;
    expiresInSeconds: number;
  }): Promise<PresignedUpload> {
    const key = validateObjectKey(input.key);
    const contentType = validateContentType(input.contentType);
    if (!Number.isSafeInteger(input.maxBytes) || input.maxBytes < 1) {
      throw new ValidationError('maxBytes must be a positive integer');
    }
    const expiresAt = new Date(
      this.options.now() + validateExpiry(input.expiresInSeconds) * 1000,
    ).toISOString();
    const policy = encodePolicy({
      expiration: expiresAt,
      conditions: [
        { bucket: this.options.bucket },
        { key },
        ['eq', '$Content-Type', contentType],
        ['content-length-range', 1, input.maxBytes],
      ],
    });
    return {
      url: `${this.options.publicUrl}/_s3/${this.options.bucket}`,
      // Insertion order is the order a form must send them in, all before `file`.
      fields: {
        key,
        'Content-Type': contentType,
        Policy: policy,
        'X-Amz-Algorithm': SIGNING_ALGORITHM,
        'X-Amz-Signature': signPolicy(policy, this.options.secret),
      },
      expiresAt,
    };
  }

  async presignDownload(input: {
    key: string;
    expiresInSeconds: number;
    downloadName?: string;
    contentType?: string;
  }): Promise<string> {
    const key = validateObjectKey(input.key);
    const expires = Math.floor(this.options.now() / 1000) + validateExpiry(input.expiresInSeconds);
    const contentDisposition =
      input.downloadName === undefined ? undefined : attachmentDisposition(input.downloadName);
    const contentType = input.contentType === undefined ? undefined : validateContentType(input.contentType);
    const query = new URLSearchParams({
      'X-Untxt-Expires': String(expires),
      'X-Untxt-Signature': signDownload(
        { method: 'GET', bucket: this.options.bucket, key, expires, contentDisposition, contentType },
        this.options.secret,
      ),
    });
    if (contentDisposition !== undefined) query.set('response-content-disposition', contentDisposition);
    if (contentType !== undefined) query.set('response-content-type', contentType);
    return `${this.options.publicUrl}/_s3/${this.options.bucket}/${encodeKeyForUrl(key)}?${query.toString()}`;
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    // A key this store refuses names no stored object, and S3 answers such a HEAD with 404: an event
    // for it (a name only S3 could hold) is then "no such object", not a failure to retry.
    if (!isStorableKey(key)) return undefined;
    const described = await this.engine.describe(key);
    if (!described) return undefined;
    const head: ObjectHead = { size: described.size, lastModified: described.mtime };
    if (described.meta) head.contentType = described.meta.contentType;
    return head;
  }

  async readRange(key: string, start: number, endInclusive: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(endInclusive) || start < 0) {
      throw new ValidationError(`Invalid byte range ${start}-${endInclusive}`);
    }
    const handle = await this.engine.disk.openObject(validateObjectKey(key));
    try {
      const { size } = await handle.stat();
      const end = Math.min(endInclusive, size - 1);
      if (start > end) return new Uint8Array(0);
      const buffer = Buffer.alloc(end - start + 1);
      let filled = 0;
      // `read` may return fewer bytes than asked; loop until the range is full.
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return new Uint8Array(buffer.buffer, buffer.byteOffset, filled);
    } finally {
      await handle.close();
    }
  }

  async read(key: string): Promise<Uint8Array> {
    const handle = await this.engine.disk.openObject(validateObjectKey(key));
    try {
      const buffer = await handle.readFile();
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } finally {
      await handle.close();
    }
  }

  async write(key: string, body: Uint8Array | string, contentType: string): Promise<void> {
    validateObjectKey(key);
    const type = validateContentType(contentType);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const tmp = await this.engine.disk.writeTempFile(bytes);
    await this.engine.commit(
      tmp,
      key,
      { contentType: type, size: bytes.byteLength, etag: createHash('md5').update(bytes).digest('hex') },
      { eventName: 'ObjectCreated:Put' },
    );
  }

  async setTags(key: string, tags: Record<string, string>): Promise<void> {
    validateObjectKey(key);
    const tagSet = validateTags(tags);
    await this.engine.disk.withKeyLock(key, async () => {
      const described = await this.engine.describe(key);
      if (!described) throw new NotFoundError(`No such object: ${key}`);
      const meta = described.meta ?? {
        // A dropped file not yet scanned: build its sidecar, leaving the event to the scanner.
        contentType: 'application/octet-stream',
        size: described.size,
        etag: await this.engine.disk.md5OfFile(this.engine.disk.dataPath(key)),
        tags: {},
        created: new Date(this.options.now()).toISOString(),
        mtimeMs: described.mtimeMs,
        notified: !this.engine.isNotified(key),
      };
      await this.engine.disk.writeMeta(key, { ...meta, tags: tagSet });
    });
  }

  async getTags(key: string): Promise<Record<string, string>> {
    const described = await this.engine.describe(validateObjectKey(key));
    if (!described) throw new NotFoundError(`No such object: ${key}`);
    return { ...(described.meta?.tags ?? {}) };
  }

  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    return handleS3Request(this.engine, req, res);
  }

  scanDrops(): Promise<number> {
    // Scans never overlap: each waits for the previous one and shares its snapshot.
    const run = this.scanChain.then(() => scanDrops(this.engine, this.snapshot));
    this.scanChain = run.catch(() => undefined);
    return run;
  }

  startDropScanner(intervalMs = 1000): () => void {
    if (!Number.isFinite(intervalMs) || intervalMs <= 0)
      throw new ValidationError('intervalMs must be positive');
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = () => {
      this.scanDrops()
        .catch((error: unknown) => console.warn('[object-store] drop scan failed', error))
        .finally(() => {
          if (stopped) return;
          timer = setTimeout(tick, intervalMs);
          // The scanner alone must not keep the process alive (the HTTP server does that).
          timer.unref();
        });
    };
    const stop = () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      this.scanners.delete(stop);
    };
    this.scanners.add(stop);
    // Right away: files dropped while the host was down are recorded now and emitted next tick.
    tick();
    return stop;
  }

  async close(): Promise<void> {
    for (const stop of [...this.scanners]) stop();
    await this.scanChain;
  }
}

function requireSecret(secret: string): string {
  if (typeof secret !== 'string' || secret.length < 16) {
    throw new ValidationError('The object store secret must be at least 16 characters');
  }
  return secret;
}

function validateExpiry(seconds: number): number {
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS) {
    throw new ValidationError(`expiresInSeconds must be an integer from 1 to ${MAX_PRESIGN_SECONDS}`);
  }
  return seconds;
}

function validateContentType(contentType: string): string {
  // A content type travels in headers and form fields: no control characters, sane length.
  // eslint-disable-next-line no-control-regex
  if (typeof contentType !== 'string' || !/^[^\u0000-\u001f\u007f]{1,255}$/.test(contentType)) {
    throw new ValidationError('Invalid content type');
  }
  return contentType;
}

/** S3's tag rules: at most 10, keys 1–128 and values 0–256 characters from its allowed set. */
function validateTags(tags: Record<string, string>): Record<string, string> {
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) throw new ValidationError(`At most ${MAX_TAGS} tags are allowed`);
  for (const [name, value] of entries) {
    if (typeof value !== 'string') throw new ValidationError(`Tag ${name} must be a string`);
    const nameLength = Array.from(name).length;
    if (nameLength < 1 || nameLength > 128 || Array.from(value).length > 256) {
      throw new ValidationError(`Tag ${name} is too long or empty`);
    }
    if (!TAG_CHARS.test(name) || !TAG_CHARS.test(value)) {
      throw new ValidationError(`Tag ${name} has characters S3 does not allow`);
    }
  }
  return Object.fromEntries(entries);
}
