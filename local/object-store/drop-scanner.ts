/**
 * S3-drop parity: on AWS, copying a file into `uploads/{userId}/…` (console, CLI, sync tool)
 * emits ObjectCreated without any untxt API call. Locally the equivalent is copying a file into
 * `${rootDir}/${bucket}/uploads/…`; this scanner notices such files and emits the same event.
 *
 * It also retries events whose delivery failed or was cut short by a crash (sidecars still marked
 * `notified: false`), which makes ObjectCreated at-least-once like S3's.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isMissing } from './disk.js';
import type { ObjectStoreEngine } from './engine.js';
import { NOTIFIED_PREFIX } from './engine.js';
import { validateObjectKey } from './keys.js';

/** Size and mtime of a candidate at the previous scan, and since when (store clock) it has been so. */
export type ScanSnapshot = Map<string, { size: number; mtimeMs: number; sinceMs: number }>;

/**
 * How long an empty file must stay empty before it counts as dropped. A copy creates the file before
 * it writes a byte, and on a busy machine (thousands of files copied at once) the first write can
 * come seconds later; a file that is really empty still becomes an object and fails as `EMPTY_FILE`.
 */
export const EMPTY_FILE_SETTLE_MS = 10_000;

// Names that copy tools, browsers and editors use while a file is still being written.
const PARTIAL_FILE = /(\.tmp|\.temp|\.part|\.partial|\.crdownload|\.download|\.swp|~)$/i;

/** `true` for files the scanner must never treat as a drop (hidden or partial files). */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || PARTIAL_FILE.test(name);
}

/**
 * One pass over `uploads/`. A file without a valid sidecar becomes an object only once its size
 * and mtime are the same as at the previous pass, so a file still being copied is left alone;
 * the first pass after a start therefore records, and the next one emits.
 *
 * @param previous - Snapshot from the previous pass; updated in place.
 * @returns How many ObjectCreated events were delivered.
 */
export async function scanDrops(engine: ObjectStoreEngine, previous: ScanSnapshot): Promise<number> {
  const seen = new Set<string>();
  let delivered = 0;
  for await (const key of walkUploads(engine)) {
    seen.add(key);
    try {
      if (await visit(engine, key, previous)) delivered += 1;
    } catch (error) {
      console.warn(`[object-store] drop scanner failed on ${key}`, error);
    }
  }
  for (const key of previous.keys()) if (!seen.has(key)) previous.delete(key);
  return delivered;
}

async function visit(engine: ObjectStoreEngine, key: string, previous: ScanSnapshot): Promise<boolean> {
  // An API write holds the lock from rename to sidecar: that file is not a drop.
  if (engine.disk.isBusy(key)) return false;
  const current = await engine.describe(key);
  if (!current) return false;

  if (current.meta) {
    previous.delete(key);
    if (current.meta.notified) return false;
    const meta = current.meta;
    return engine.disk.withKeyLock(key, async () => {
      const again = await engine.describe(key);
      if (again?.meta?.notified !== false || again.meta.etag !== meta.etag) return false;
      return (await engine.deliverLocked(key, again.meta, { eventName: 'ObjectCreated:Put' })).notified;
    });
  }

  const before = previous.get(key);
  const now = engine.options.now();
  const unchanged =
    before !== undefined && before.size === current.size && before.mtimeMs === current.mtimeMs;
  previous.set(key, {
    size: current.size,
    mtimeMs: current.mtimeMs,
    sinceMs: unchanged ? before.sinceMs : now,
  });
  if (!unchanged) return false;
  if (current.size === 0 && now - before.sinceMs < EMPTY_FILE_SETTLE_MS) return false;

  return engine.disk.withKeyLock(key, async () => {
    const etag = await engine.disk.md5OfFile(engine.disk.dataPath(key));
    const settled = await engine.describe(key);
    // Re-check after hashing: an API write may have landed, or the file changed under us.
    if (!settled || settled.meta || settled.size !== current.size || settled.mtimeMs !== current.mtimeMs) {
      return false;
    }
    previous.delete(key);
    const meta = {
      // Nothing says what a dropped file is; the pipeline decides by magic bytes anyway.
      contentType: 'application/octet-stream',
      size: settled.size,
      etag,
      tags: {},
      created: new Date(engine.options.now()).toISOString(),
      mtimeMs: settled.mtimeMs,
      notified: false,
    };
    await engine.disk.writeMeta(key, meta);
    return (await engine.deliverLocked(key, meta, { eventName: 'ObjectCreated:Put' })).notified;
  });
}

/** Yields the keys of regular, non-hidden files under `uploads/` (symlinks are never followed). */
async function* walkUploads(engine: ObjectStoreEngine): AsyncGenerator<string> {
  const root = engine.disk.bucketDir;
  const pending = [path.join(root, NOTIFIED_PREFIX)];
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) continue;
      throw error;
    }
    for (const entry of entries) {
      if (isIgnoredName(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isFile()) {
        const key = path.relative(root, full).split(path.sep).join('/');
        try {
          yield validateObjectKey(key);
        } catch {
          // A name S3 could hold but this store refuses (e.g. control characters): never an object.
        }
      }
    }
  }
}
