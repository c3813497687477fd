/**
 * The object store's layout on disk:
 *
 * - `${rootDir}/${bucket}/${key}` — the object's bytes, exactly where a user can drop a file;
 * - `${rootDir}/.meta/${bucket}/${key}` — its metadata (JSON), in a separate tree so no user key can
 *   ever collide with (or overwrite) a sidecar. The tree mirrors the data tree name for name, so
 *   two sidecars can only clash where the two objects themselves would (a key and a prefix);
 * - `${rootDir}/.tmp/${bucket}/` — files being written, on the same file system so `rename` is atomic and a
 *   crash never leaves a half-written object (or sidecar) visible under its key.
 *
 * Bucket names cannot start with a dot, so `.meta` and `.tmp` can never be a bucket.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants, createReadStream, mkdirSync, rmSync } from 'node:fs';
import { lstat, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as z from 'zod';
import { NotFoundError, ValidationError } from '../../lambdas/core/errors.js';
import { validateObjectKey } from './keys.js';

/** What the store knows about an object beyond its bytes. */
export interface ObjectMeta {
  contentType: string;
  size: number;
  /** MD5 of the bytes, hex, without quotes (the form S3 puts in event records). */
  etag: string;
  tags: Record<string, string>;
  /** ISO time the object was (last) created. */
  created: string;
  /**
   * `mtimeMs` of the data file when this sidecar was written. A file whose size or mtime no longer
   * matches was replaced behind the store's back (a drop over an existing object).
   */
  mtimeMs: number;
  /**
   * `false` while the ObjectCreated event for this version is not yet delivered; the drop scanner
   * retries it, so a crash or a failing listener never loses an upload (S3 is at-least-once too).
   */
  notified: boolean;
}

const metaSchema = z.object({
  contentType: z.string(),
  size: z.number().int().nonnegative(),
  etag: z.string(),
  tags: z.record(z.string(), z.string()),
  created: z.string(),
  mtimeMs: z.number(),
  notified: z.boolean(),
});

// Not every platform has O_NOFOLLOW (Windows); there the lstat checks of the scanner still apply.
const OPEN_READ_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0);

/** File-system operations for one bucket; every public method validates the key first. */
export class ObjectDisk {
  readonly bucketDir: string;
  readonly metaDir: string;
  readonly tmpDir: string;
  private readonly locks = new Map<string, Promise<void>>();

  constructor(rootDir: string, bucket: string) {
    const root = path.resolve(rootDir);
    this.bucketDir = path.join(root, bucket);
    this.metaDir = path.join(root, '.meta', bucket);
    // Per bucket, so two stores sharing a root never clear each other's temp files at start.
    this.tmpDir = path.join(root, '.tmp', bucket);
  }

  /**
   * Creates the bucket, sidecar and temp folders, and clears temp files a crash left behind.
   * Synchronous on purpose: it runs once, before the store serves anything.
   */
  init(): void {
    rmSync(this.tmpDir, { recursive: true, force: true });
    for (const dir of [this.bucketDir, this.metaDir, this.tmpDir]) mkdirSync(dir, { recursive: true });
  }

  /** Path of an object's bytes; throws ValidationError for an unsafe key. */
  dataPath(key: string): string {
    return this.resolveUnder(this.bucketDir, validateObjectKey(key));
  }

  /** Path of an object's sidecar; throws ValidationError for an unsafe key. */
  metaPath(key: string): string {
    return this.resolveUnder(this.metaDir, validateObjectKey(key));
  }

  /** A fresh path in the temp folder (same file system as the objects, so `rename` is atomic). */
  tempPath(): string {
    return path.join(this.tmpDir, `${Date.now()}-${randomBytes(8).toString('hex')}.tmp`);
  }

  /**
   * Runs `fn` while holding the key's lock, so a write, a tag update and the drop scanner never
   * interleave their read-modify-write of the same sidecar.
   */
  async withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.locks.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }

  /** `true` while some operation holds the key's lock. */
  isBusy(key: string): boolean {
    return this.locks.has(key);
  }

  /**
   * Writes bytes to a new temp file; returns its path. Not fsynced: renamed into place, an object
   * survives the process being killed (the page cache keeps it), which is the local host's promise;
   * power-cut durability would cost ~5 ms per object on every document's critical path, and the
   * embedded database does not give it either.
   */
  async writeTempFile(data: Uint8Array | string): Promise<string> {
    const tmp = this.tempPath();
    try {
      const handle = await open(tmp, 'wx', 0o644);
      try {
        await handle.writeFile(data);
      } finally {
        await handle.close();
      }
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    return tmp;
  }

  /**
   * Writes a temp file and renames it onto `target`, so readers see the old content or the new
   * one, never a torn file.
   */
  async writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
    await this.moveInto(await this.writeTempFile(data), target);
  }

  /** Renames a finished temp file onto `target`, creating parent folders; removes it on failure. */
  async moveInto(tmp: string, target: string): Promise<void> {
    try {
      await mkdir(path.dirname(target), { recursive: true });
      await rename(tmp, target);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  /** The sidecar of a key, or `undefined` when there is none (or it is unreadable). */
  async readMeta(key: string): Promise<ObjectMeta | undefined> {
    let raw: string;
    try {
      raw = await readFile(this.metaPath(key), 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const parsed = metaSchema.safeParse(safeJson(raw));
    // A sidecar is only ever replaced atomically, so a bad one was edited by hand: treat the object
    // like a drop, which rebuilds it.
    return parsed.success ? parsed.data : undefined;
  }

  async writeMeta(key: string, meta: ObjectMeta): Promise<void> {
    await this.writeFileAtomic(this.metaPath(key), `${JSON.stringify(meta, null, 2)}\n`);
  }

  /**
   * `lstat` of an object's bytes, or `undefined` when missing. Symlinks and folders are not
   * objects: following a link dropped into the bucket could expose any file on the machine.
   */
  async statObject(key: string): Promise<{ size: number; mtimeMs: number; mtime: Date } | undefined> {
    try {
      const info = await lstat(this.dataPath(key));
      return info.isFile() ? { size: info.size, mtimeMs: info.mtimeMs, mtime: info.mtime } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /**
   * Opens an object for reading without following a symlink in its last segment.
   *
   * @throws NotFoundError when the object does not exist.
   */
  async openObject(key: string): Promise<FileHandle> {
    const file = this.dataPath(key);
    try {
      const handle = await open(file, OPEN_READ_FLAGS);
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw new NotFoundError(`No such object: ${key}`);
      }
      return handle;
    } catch (error) {
      if (isMissing(error) || hasCode(error, 'ELOOP') || hasCode(error, 'EISDIR')) {
        throw new NotFoundError(`No such object: ${key}`, { cause: error });
      }
      throw error;
    }
  }

  /** MD5 (hex) of a file, streamed so large drops are not loaded into memory. */
  async md5OfFile(file: string): Promise<string> {
    const hash = createHash('md5');
    await pipeline(createReadStream(file), hash);
    return hash.digest('hex');
  }

  /** Joins `relative` under `base` and refuses any result outside it (defence in depth). */
  private resolveUnder(base: string, relative: string): string {
    const resolved = path.resolve(base, relative);
    if (!resolved.startsWith(base + path.sep))
      throw new ValidationError(`Key escapes the bucket: ${relative}`);
    return resolved;
  }
}

/** `true` for the errors that mean "no such file". */
export function isMissing(error: unknown): boolean {
  return hasCode(error, 'ENOENT') || hasCode(error, 'ENOTDIR');
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}
