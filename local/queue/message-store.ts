/**
 * Durable storage of one queue: one JSON file per message in `${dir}/${name}/`, each written to a
 * temp file, flushed and renamed, so a crash leaves every message either in its old state or its
 * new one — never torn, never lost.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';

/** A message as persisted (and held in memory). Timestamps are epoch milliseconds. */
export interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  sentTimestamp: number;
  senderId: string;
  receiveCount: number;
  firstReceiveTimestamp: number | null;
  /** The message is in flight until then; visible from then on. */
  visibleAt: number;
  /** Handle of the latest receive; only it may delete the message or change its visibility. */
  receiptHandle: string | null;
  /** Arrival order in this queue (standard queues are best-effort FIFO; this makes it stable). */
  seq: number;
  /** Set when the message was dead-lettered: the queue it came from. */
  deadLetterQueueSourceArn?: string;
}

const storedMessageSchema = z.object({
  messageId: z.uuid(),
  body: z.string(),
  md5OfBody: z.string(),
  sentTimestamp: z.number(),
  senderId: z.string(),
  receiveCount: z.number().int().nonnegative(),
  firstReceiveTimestamp: z.number().nullable(),
  visibleAt: z.number(),
  receiptHandle: z.string().nullable(),
  seq: z.number().int(),
  deadLetterQueueSourceArn: z.string().optional(),
});

const TEMP_SUFFIX = '.tmp';

export class MessageStore {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(readonly dir: string) {}

  /**
   * Reads every persisted message, removing temp files a crash left behind and setting aside
   * (`*.corrupt`) files that do not parse, which only a manual edit can produce.
   */
  async load(): Promise<StoredMessage[]> {
    await mkdir(this.dir, { recursive: true });
    const messages: StoredMessage[] = [];
    for (const name of await readdir(this.dir)) {
      const file = path.join(this.dir, name);
      if (name.endsWith(TEMP_SUFFIX)) {
        await rm(file, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(file, 'utf8'));
      } catch {
        parsed = undefined;
      }
      const result = storedMessageSchema.safeParse(parsed);
      if (result.success && `${result.data.messageId}.json` === name) {
        messages.push(result.data);
      } else {
        console.warn(`[queue] setting aside unreadable message file ${file}`);
        await rename(file, `${file}.corrupt`);
      }
    }
    return messages;
  }

  /**
   * Brings the file of one message in line with `current()` — written when it returns a message,
   * removed when it returns `undefined`. Calls for the same id run one after another and each
   * reads the latest state when it runs, so a slow earlier write can never overwrite a later one
   * or resurrect a deleted message.
   */
  sync(messageId: string, current: () => StoredMessage | undefined): Promise<void> {
    const previous = this.chains.get(messageId) ?? Promise.resolve();
    const next = previous.then(async () => {
      const message = current();
      if (message) await this.writeAtomic(messageId, JSON.stringify(message));
      else await rm(this.fileOf(messageId), { force: true });
    });
    const settled = next.catch(() => undefined);
    this.chains.set(messageId, settled);
    void settled.then(() => {
      if (this.chains.get(messageId) === settled) this.chains.delete(messageId);
    });
    return next;
  }

  private fileOf(messageId: string): string {
    return path.join(this.dir, `${messageId}.json`);
  }

  private async writeAtomic(messageId: string, content: string): Promise<void> {
    const tmp = path.join(this.dir, `.${messageId}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
    try {
      const handle = await open(tmp, 'wx', 0o600);
      try {
        // No fsync: the rename keeps the file whole when the process dies (kill -9), which is what
        // the local host promises; surviving a power cut would cost ~5 ms per message on the
        // critical path, and the embedded database does not fsync either.
        await handle.writeFile(content, 'utf8');
      } finally {
        await handle.close();
      }
      await rename(tmp, this.fileOf(messageId));
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }
}
