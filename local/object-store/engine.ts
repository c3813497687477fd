/**
 * The store's shared core: committing objects (bytes, sidecar, event) and reading what is known
 * about them. The port methods, the HTTP handler and the drop scanner all go through it, so an
 * object created by any of the three paths ends up in exactly the same state.
 */
import type { S3EventRecord } from 'aws-lambda';
import { ConflictError } from '../../lambdas/core/errors.js';
import type { ObjectMeta } from './disk.js';
import { ObjectDisk } from './disk.js';
import { buildObjectCreatedRecord } from './s3-event.js';
import type { ObjectCreatedEventName } from './s3-event.js';

/** Keys that produce ObjectCreated events: the bucket's notification filter (prefix `uploads/`). */
export const NOTIFIED_PREFIX = 'uploads/';

export interface EngineOptions {
  rootDir: string;
  bucket: string;
  publicUrl: string;
  secret: string;
  region: string;
  now: () => number;
  onObjectCreated: (notification: { Records: S3EventRecord[] }) => Promise<void> | void;
}

/** Who caused an event, for the record's request fields. */
export interface EventOrigin {
  eventName: ObjectCreatedEventName;
  sourceIp?: string;
  requestId?: string;
}

export class ObjectStoreEngine {
  readonly disk: ObjectDisk;

  constructor(readonly options: EngineOptions) {
    this.disk = new ObjectDisk(options.rootDir, options.bucket);
  }

  /** `true` when writes to `key` must emit an event (S3's prefix filter on the notification). */
  isNotified(key: string): boolean {
    return key.startsWith(NOTIFIED_PREFIX);
  }

  /**
   * Makes a finished temp file the object `key`: rename into place, write the sidecar (tags reset,
   * as on an S3 overwrite), then deliver the event. Holds the key's lock throughout so the drop
   * scanner never mistakes the object for a drop.
   */
  async commit(
    tmp: string,
    key: string,
    info: { contentType: string; size: number; etag: string },
    origin: EventOrigin,
  ): Promise<ObjectMeta> {
    const dataPath = this.disk.dataPath(key);
    return this.disk.withKeyLock(key, async () => {
      try {
        await this.disk.moveInto(tmp, dataPath);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        // S3 can hold both `a` and `a/b`; a file system cannot hold a file and a folder of one name.
        if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST' || code === 'ENOTEMPTY') {
          throw new ConflictError(`Key ${key} clashes with an existing object or prefix`, { cause: error });
        }
        throw error;
      }
      const stat = await this.disk.statObject(key);
      const meta: ObjectMeta = {
        contentType: info.contentType,
        size: info.size,
        etag: info.etag,
        tags: {},
        created: new Date(this.options.now()).toISOString(),
        mtimeMs: stat?.mtimeMs ?? 0,
        notified: !this.isNotified(key),
      };
      await this.disk.writeMeta(key, meta);
      return meta.notified ? meta : this.deliverLocked(key, meta, origin);
    });
  }

  /**
   * Emits the ObjectCreated event of a sidecar not yet marked `notified`, then marks it. Must run
   * under the key's lock. A failing listener is logged, not thrown: the object exists either way
   * (as on S3, where delivery is asynchronous), and the drop scanner retries the delivery.
   */
  async deliverLocked(key: string, meta: ObjectMeta, origin: EventOrigin): Promise<ObjectMeta> {
    const record = buildObjectCreatedRecord({
      eventName: origin.eventName,
      bucket: this.options.bucket,
      region: this.options.region,
      key,
      size: meta.size,
      etag: meta.etag,
      time: new Date(this.options.now()),
      ...(origin.sourceIp ? { sourceIp: origin.sourceIp } : {}),
      ...(origin.requestId ? { requestId: origin.requestId } : {}),
    });
    try {
      await this.options.onObjectCreated({ Records: [record] });
    } catch (error) {
      console.warn(`[object-store] ObjectCreated listener failed for ${key}; will retry`, error);
      return meta;
    }
    const delivered = { ...meta, notified: true };
    await this.disk.writeMeta(key, delivered);
    return delivered;
  }

  /**
   * The object's size and mtime plus its sidecar when the sidecar still describes these bytes;
   * `undefined` when there is no object.
   */
  async describe(
    key: string,
  ): Promise<{ size: number; mtimeMs: number; mtime: Date; meta: ObjectMeta | undefined } | undefined> {
    const stat = await this.disk.statObject(key);
    if (!stat) return undefined;
    const meta = await this.disk.readMeta(key);
    const fresh = meta !== undefined && meta.size === stat.size && meta.mtimeMs === stat.mtimeMs;
    return { ...stat, meta: fresh ? meta : undefined };
  }
}
