/**
 * A durable, single-process stand-in for an SQS standard queue: visibility timeouts, receive
 * counts, redrive to a dead-letter queue, and a Lambda-style event source mapping (batches,
 * partial batch responses).
 *
 * Restart semantics: in-flight messages keep their persisted visibility deadline and reappear
 * when it passes, exactly as on SQS when a consumer dies. Making them visible at restart would
 * redeliver sooner, but it would also make a host crash behave unlike a Lambda crash (whose
 * messages wait out the timeout), and it cannot tell a crashed consumer from one that is still
 * finishing during a graceful restart. The receive count is persisted before a message is handed
 * out, so a message that crashes the host still reaches the dead-letter queue.
 *
 * One process owns a queue folder; two processes on the same folder would double-deliver.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { SQSBatchResponse, SQSEvent, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import { ConflictError, NotFoundError, ValidationError } from '../../lambdas/core/errors.js';
import type { QueueDepth } from '../../lambdas/core/ports.js';
import { MessageStore } from './message-store.js';
import type { StoredMessage } from './message-store.js';

export interface LocalQueueOptions {
  /** Parent folder; the queue lives in `${dir}/${name}/`. */
  dir: string;
  /** SQS queue name rules: letters, digits, `-`, `_`, at most 80 characters. */
  name: string;
  visibilityTimeoutSeconds: number;
  /** Redrive policy: a message received more than this many times moves to `deadLetterQueue`. */
  maxReceiveCount?: number;
  deadLetterQueue?: LocalQueue;
  /** Region in the ARN and in event records. Default `us-east-1`. */
  region?: string;
  /** Account in the ARN and `SenderId`. Default `000000000000` (the usual local stand-in). */
  accountId?: string;
  /** Clock in epoch milliseconds, for tests of visibility. Default `Date.now`. */
  now?: () => number;
}

/** One message handed out by {@link LocalQueue.receive}. */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  attributes: SQSRecordAttributes;
}

export interface ConsumerOptions {
  /** Most messages per handler call (Lambda's `BatchSize`). */
  batchSize: number;
  /** Wait between empty receives, in ms (a `send` wakes the consumer sooner). Default 250. */
  pollIntervalMs?: number;
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | void>;
}

export interface LocalQueue {
  readonly name: string;
  readonly arn: string;
  /** Enqueues a message; returns its id. */
  send(body: string): Promise<string>;
  /**
   * Receives up to `max` visible messages and hides them for the visibility timeout. A message
   * already received `maxReceiveCount` times moves to the dead-letter queue instead.
   */
  receive(max: number): Promise<ReceivedMessage[]>;
  /** Deletes a message; a stale handle (the message was received again since) deletes nothing. */
  delete(receiptHandle: string): Promise<void>;
  /** Sets the remaining invisibility of an in-flight message (0 makes it visible now). */
  changeVisibility(receiptHandle: string, seconds: number): Promise<void>;
  depth(): Promise<QueueDepth>;
  /** Moves every visible message to `target` with a fresh receive count; returns how many. */
  moveAllTo(target: LocalQueue): Promise<number>;
  /**
   * Polls the queue and calls `handler` with Lambda SQS events, one batch at a time.
   *
   * @returns A stop function that resolves once the batch in progress is finished.
   */
  startConsumer(options: ConsumerOptions): () => Promise<void>;
}

/** SQS's largest message (since 2025); the long-standing 256 KiB limit is below it. */
export const MAX_BODY_BYTES = 1024 * 1024;
const MAX_VISIBILITY_SECONDS = 12 * 3600;
// Characters SQS accepts in a body (XML 1.0 characters); anything else is rejected on send.
// eslint-disable-next-line no-control-regex
const INVALID_BODY_CHARS = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Opens (or creates) a queue folder and loads the messages a previous run left.
 *
 * @example
 * const dlq = await createLocalQueue({ dir, name: 'intake-dlq', visibilityTimeoutSeconds: 30 });
 * const intake = await createLocalQueue({ dir, name: 'intake', visibilityTimeoutSeconds: 60,
 *   maxReceiveCount: 3, deadLetterQueue: dlq });
 */
export async function createLocalQueue(options: LocalQueueOptions): Promise<LocalQueue> {
  const queue = new FileQueue(options);
  await queue.load();
  return queue;
}

class FileQueue implements LocalQueue {
  readonly name: string;
  readonly arn: string;
  private readonly region: string;
  private readonly accountId: string;
  private readonly visibilityMs: number;
  private readonly maxReceiveCount: number | undefined;
  private readonly deadLetterQueue: LocalQueue | undefined;
  private readonly now: () => number;
  private readonly store: MessageStore;
  private readonly messages = new Map<string, StoredMessage>();
  private nextSeq = 0;
  /** Bumped on every arrival, so a consumer about to sleep can tell it missed one. */
  private arrivals = 0;
  private readonly wakers = new Set<() => void>();

  constructor(options: LocalQueueOptions) {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(options.name))
      throw new ValidationError(`Invalid queue name: ${options.name}`);
    if (!isVisibility(options.visibilityTimeoutSeconds)) {
      throw new ValidationError(
        `visibilityTimeoutSeconds must be an integer from 0 to ${MAX_VISIBILITY_SECONDS}`,
      );
    }
    if (options.maxReceiveCount !== undefined) {
      const count = options.maxReceiveCount;
      if (!Number.isSafeInteger(count) || count < 1 || count > 1000) {
        throw new ValidationError('maxReceiveCount must be an integer from 1 to 1000');
      }
      // SQS takes both as one redrive policy; one without the other is a configuration mistake.
      if (!options.deadLetterQueue) throw new ValidationError('maxReceiveCount needs a deadLetterQueue');
    }
    this.name = options.name;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.arn = `arn:aws:sqs:${this.region}:${this.accountId}:${options.name}`;
    this.visibilityMs = options.visibilityTimeoutSeconds * 1000;
    this.maxReceiveCount = options.maxReceiveCount;
    this.deadLetterQueue = options.deadLetterQueue;
    this.now = options.now ?? Date.now;
    this.store = new MessageStore(path.join(path.resolve(options.dir), options.name));
  }

  /** Loads the messages persisted by a previous run, keeping their state and order. */
  async load(): Promise<void> {
    for (const message of await this.store.load()) {
      this.messages.set(message.messageId, message);
      this.nextSeq = Math.max(this.nextSeq, message.seq + 1);
    }
  }

  async send(body: string): Promise<string> {
    validateBody(body);
    const now = this.now();
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: createHash('md5').update(body, 'utf8').digest('hex'),
      sentTimestamp: now,
      senderId: this.accountId,
      receiveCount: 0,
      firstReceiveTimestamp: null,
      visibleAt: now,
      receiptHandle: null,
      seq: 0,
    };
    await this.adopt(message);
    return message.messageId;
  }

  /**
   * Takes in a message from a send, a dead-letter move or a redrive: persisted before it becomes
   * receivable, so an accepted message survives a crash.
   */
  async adopt(message: StoredMessage): Promise<void> {
    const own = { ...message, seq: this.nextSeq++ };
    await this.store.sync(own.messageId, () => own);
    this.messages.set(own.messageId, own);
    this.arrivals += 1;
    this.wakeConsumers();
  }

  async receive(max: number): Promise<ReceivedMessage[]> {
    if (!Number.isSafeInteger(max) || max < 1) throw new ValidationError('max must be a positive integer');
    const now = this.now();
    const picked: StoredMessage[] = [];
    const deadLettered: StoredMessage[] = [];
    // Claimed synchronously (no await in this loop), so concurrent receives never share a message.
    for (const message of this.visibleInOrder(now)) {
      if (picked.length >= max) break;
      if (this.maxReceiveCount !== undefined && message.receiveCount >= this.maxReceiveCount) {
        this.messages.delete(message.messageId);
        deadLettered.push(message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.visibleAt = now + this.visibilityMs;
      message.receiptHandle = newReceiptHandle(message.messageId);
      picked.push(message);
    }
    const moves = deadLettered.map((message) =>
      // A failed move puts the message back here; the next receive tries again.
      this.moveOut(message, this.deadLetterQueue as LocalQueue, 'dead-letter').catch((error: unknown) =>
        console.error(`[queue] ${this.name}: dead-lettering ${message.messageId} failed`, error),
      ),
    );
    // The new receive count is on disk before anyone sees the message (crash-safe redrive).
    await Promise.all([...moves, ...picked.map((message) => this.persist(message.messageId))]);
    return picked.map((message) => ({
      messageId: message.messageId,
      receiptHandle: message.receiptHandle as string,
      body: message.body,
      md5OfBody: message.md5OfBody,
      attributes: attributesOf(message),
    }));
  }

  async delete(receiptHandle: string): Promise<void> {
    const messageId = parseReceiptHandle(receiptHandle);
    const message = this.messages.get(messageId);
    // Gone already, or received again since: SQS succeeds without (necessarily) deleting.
    if (!message || message.receiptHandle !== receiptHandle) return;
    this.messages.delete(messageId);
    await this.persist(messageId);
  }

  async changeVisibility(receiptHandle: string, seconds: number): Promise<void> {
    if (!isVisibility(seconds)) {
      throw new ValidationError(`Visibility timeout must be an integer from 0 to ${MAX_VISIBILITY_SECONDS}`);
    }
    const messageId = parseReceiptHandle(receiptHandle);
    const message = this.messages.get(messageId);
    if (!message || message.receiptHandle !== receiptHandle) {
      throw new NotFoundError('ReceiptHandleIsInvalid: no in-flight message has this receipt handle');
    }
    const now = this.now();
    if (message.visibleAt <= now)
      throw new ConflictError(`MessageNotInflight: ${messageId} is not in flight`);
    message.visibleAt = now + seconds * 1000;
    await this.persist(messageId);
    if (seconds === 0) this.wakeConsumers();
  }

  async depth(): Promise<QueueDepth> {
    const now = this.now();
    let visible = 0;
    for (const message of this.messages.values()) if (message.visibleAt <= now) visible += 1;
    return { visible, inFlight: this.messages.size - visible };
  }

  async moveAllTo(target: LocalQueue): Promise<number> {
    if (target === this) throw new ValidationError('Cannot move messages to the same queue');
    // In-flight messages belong to whoever received them; SQS's redrive moves available ones.
    const movable = [...this.visibleInOrder(this.now())];
    for (const message of movable) this.messages.delete(message.messageId);
    const results = await Promise.allSettled(
      movable.map((message) => this.moveOut(message, target, 'redrive')),
    );
    const failures = results.filter(
      (result): result is PromiseRejectedResult => result.status === 'rejected',
    );
    const moved = results.length - failures.length;
    // Messages that failed to move are back in this queue; fail loudly only when nothing moved.
    if (failures.length > 0 && moved === 0) throw failures[0]?.reason;
    for (const failure of failures)
      console.error(`[queue] ${this.name}: moving a message failed`, failure.reason);
    return moved;
  }

  startConsumer(options: ConsumerOptions): () => Promise<void> {
    const { batchSize, handler } = options;
    const pollIntervalMs = options.pollIntervalMs ?? 250;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new ValidationError('batchSize must be an integer from 1 to 10000');
    }
    if (!Number.isFinite(pollIntervalMs) || pollIntervalMs <= 0) {
      throw new ValidationError('pollIntervalMs must be positive');
    }
    let stopping = false;
    let interrupt: (() => void) | undefined;
    /** Sleeps `ms`, or less when stopped, a message arrives, or one arrived since `arrivalsBefore`. */
    const pause = (ms: number, arrivalsBefore?: number) =>
      new Promise<void>((resolve) => {
        if (stopping || (arrivalsBefore !== undefined && this.arrivals !== arrivalsBefore)) return resolve();
        const done = () => {
          clearTimeout(timer);
          this.wakers.delete(done);
          interrupt = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        this.wakers.add(done);
        interrupt = done;
      });

    const loop = (async () => {
      while (!stopping) {
        const arrivalsBefore = this.arrivals;
        let messages: ReceivedMessage[];
        try {
          messages = await this.receive(batchSize);
        } catch (error) {
          console.error(`[queue] ${this.name}: receive failed`, error);
          await pause(pollIntervalMs);
          continue;
        }
        if (messages.length === 0) {
          await pause(pollIntervalMs, arrivalsBefore);
          continue;
        }
        await this.runBatch(messages, handler);
      }
    })();

    return async () => {
      stopping = true;
      interrupt?.();
      await loop;
    };
  }

  /**
   * One Lambda invocation: builds the event, calls the handler and deletes what succeeded. Failed
   * messages are left in flight and reappear when their visibility timeout passes.
   */
  private async runBatch(messages: ReceivedMessage[], handler: ConsumerOptions['handler']): Promise<void> {
    const event: SQSEvent = { Records: messages.map((message) => this.toRecord(message)) };
    let failed: Set<string> | 'all';
    try {
      failed = failedItems(await handler(event), new Set(messages.map((message) => message.messageId)));
    } catch (error) {
      console.error(`[queue] ${this.name}: handler failed; the whole batch will be retried`, error);
      failed = 'all';
    }
    if (failed === 'all') return;
    for (const message of messages) {
      if (failed.has(message.messageId)) continue;
      try {
        await this.delete(message.receiptHandle);
      } catch (error) {
        console.error(`[queue] ${this.name}: deleting ${message.messageId} failed`, error);
      }
    }
  }

  /** The record Lambda's SQS event source builds for a message. */
  private toRecord(message: ReceivedMessage): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle,
      body: message.body,
      attributes: message.attributes,
      messageAttributes: {},
      md5OfBody: message.md5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: this.region,
    };
  }

  private visibleInOrder(now: number): StoredMessage[] {
    return [...this.messages.values()]
      .filter((message) => message.visibleAt <= now)
      .sort((a, b) => a.seq - b.seq);
  }

  private wakeConsumers(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** Writes the message's current state (or removes its file when it is no longer here). */
  private persist(messageId: string): Promise<void> {
    return this.store.sync(messageId, () => this.messages.get(messageId));
  }

  /**
   * Moves a message (already taken out of `messages`) to another queue: written there first, then
   * removed here, so a crash in between duplicates it (at-least-once) instead of losing it.
   */
  private async moveOut(
    message: StoredMessage,
    target: LocalQueue,
    reason: 'dead-letter' | 'redrive',
  ): Promise<void> {
    const now = this.now();
    const moved: StoredMessage =
      reason === 'dead-letter'
        ? { ...message, visibleAt: now, receiptHandle: null, deadLetterQueueSourceArn: this.arn }
        : {
            messageId: message.messageId,
            body: message.body,
            md5OfBody: message.md5OfBody,
            sentTimestamp: message.sentTimestamp,
            senderId: message.senderId,
            // A fresh start, or a redriven message would bounce straight back to the DLQ.
            receiveCount: 0,
            firstReceiveTimestamp: null,
            visibleAt: now,
            receiptHandle: null,
            seq: 0,
          };
    try {
      if (target instanceof FileQueue) await target.adopt(moved);
      else await target.send(message.body);
    } catch (error) {
      // Not moved: keep it here, untouched, so nothing is lost.
      this.messages.set(message.messageId, message);
      throw error;
    }
    await this.persist(message.messageId);
  }
}

/**
 * Lambda's reading of a partial batch response: nothing (or an empty list) means all succeeded;
 * a malformed list, an empty or unknown `itemIdentifier` means the whole batch failed.
 */
function failedItems(response: SQSBatchResponse | void, batch: ReadonlySet<string>): Set<string> | 'all' {
  if (response === undefined || response === null) return new Set();
  if (typeof response !== 'object') return 'all';
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return 'all';
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !batch.has(id)) return 'all';
    failed.add(id);
  }
  return failed;
}

function attributesOf(message: StoredMessage): SQSRecordAttributes {
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: String(message.receiveCount),
    SentTimestamp: String(message.sentTimestamp),
    SenderId: message.senderId,
    ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? message.sentTimestamp),
  };
  if (message.deadLetterQueueSourceArn)
    attributes.DeadLetterQueueSourceArn = message.deadLetterQueueSourceArn;
  return attributes;
}

function isVisibility(seconds: number): boolean {
  return Number.isSafeInteger(seconds) && seconds >= 0 && seconds <= MAX_VISIBILITY_SECONDS;
}

function validateBody(body: string): void {
  if (typeof body !== 'string' || body.length === 0) throw new ValidationError('Message body is empty');
  if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) {
    throw new ValidationError(`Message body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  if (INVALID_BODY_CHARS.test(body))
    throw new ValidationError('Message body contains characters SQS rejects');
}

/** An opaque handle naming the message and this particular receive. */
function newReceiptHandle(messageId: string): string {
  return Buffer.from(`${messageId}:${randomBytes(24).toString('base64url')}`, 'utf8').toString('base64url');
}

function parseReceiptHandle(receiptHandle: string): string {
  const decoded =
    typeof receiptHandle === 'string' ? Buffer.from(receiptHandle, 'base64url').toString('utf8') : '';
  const messageId = decoded.slice(0, Math.max(decoded.indexOf(':'), 0));
  if (!UUID.test(messageId))
    throw new ValidationError('ReceiptHandleIsInvalid: the receipt handle is malformed');
  return messageId;
}
