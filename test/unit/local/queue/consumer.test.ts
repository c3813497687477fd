import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLocalQueue } from '../../../../local/queue/index.js';
import type { LocalQueue } from '../../../../local/queue/index.js';

describe('Function: startConsumer', () => {
  let dir: string;
  let clock: number;
  let queue: LocalQueue;
  let stop: (() => Promise<void>) | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'untxt-consumer-'));
    clock = 1_700_000_000_000;
    queue = await createLocalQueue({
      dir,
      name: 'intake',
      visibilityTimeoutSeconds: 30,
      region: 'eu-central-1',
      now: () => clock,
    });
  });
  afterEach(async () => {
    await stop?.();
    stop = undefined;
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('calls the handler with Lambda SQS records and deletes them when it succeeds', async () => {
    // Prepare
    const events: SQSEvent[] = [];
    const messageId = await queue.send('{"Records":[]}');

    // Act
    stop = queue.startConsumer({
      batchSize: 10,
      pollIntervalMs: 10,
      handler: async (event) => {
        events.push(event);
      },
    });
    await vi.waitFor(async () => expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 }));

    // Assess
    expect(events).toHaveLength(1);
    expect(events[0]?.Records).toEqual([
      {
        messageId,
        receiptHandle: expect.any(String),
        body: '{"Records":[]}',
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(clock),
          SenderId: '000000000000',
          ApproximateFirstReceiveTimestamp: String(clock),
        },
        messageAttributes: {},
        md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-central-1:000000000000:intake',
        awsRegion: 'eu-central-1',
      },
    ]);
  });

  it('keeps only the reported failures when the handler returns batchItemFailures', async () => {
    // Prepare
    const ids = [await queue.send('ok-1'), await queue.send('fail'), await queue.send('ok-2')];
    let calls = 0;

    // Act
    stop = queue.startConsumer({
      batchSize: 10,
      pollIntervalMs: 10,
      handler: async (event): Promise<SQSBatchResponse> => {
        calls += 1;
        return {
          batchItemFailures: event.Records.filter((r) => r.body === 'fail').map((r) => ({
            itemIdentifier: r.messageId,
          })),
        };
      },
    });
    await vi.waitFor(async () => expect(await queue.depth()).toEqual({ visible: 0, inFlight: 1 }));
    await stop();
    stop = undefined;

    // Assess
    expect(calls).toBe(1);
    clock += 30_000;
    const [again] = await queue.receive(10);
    expect(again?.messageId).toBe(ids[1]);
    expect(again?.attributes.ApproximateReceiveCount).toBe('2');
  });

  it('retries the whole batch after the visibility timeout when the handler throws', async () => {
    // Prepare
    await queue.send('a');
    await queue.send('b');
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const received: string[][] = [];

    // Act
    stop = queue.startConsumer({
      batchSize: 10,
      pollIntervalMs: 10,
      handler: async (event) => {
        received.push(event.Records.map((r) => r.body));
        if (received.length === 1) throw new Error('dispatcher crashed');
      },
    });
    await vi.waitFor(async () => expect(await queue.depth()).toEqual({ visible: 0, inFlight: 2 }));
    clock += 30_000;
    await vi.waitFor(async () => expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 }));

    // Assess
    expect(received).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });

  it('treats the whole batch as failed when an itemIdentifier is unknown', async () => {
    // Prepare
    await queue.send('a');

    // Act
    stop = queue.startConsumer({
      batchSize: 10,
      pollIntervalMs: 10,
      handler: async () => ({ batchItemFailures: [{ itemIdentifier: 'no-such-id' }] }),
    });
    await vi.waitFor(async () => expect(await queue.depth()).toEqual({ visible: 0, inFlight: 1 }));

    // Assess
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 1 });
  });

  it('splits the queue into batches of at most batchSize', async () => {
    // Prepare
    for (let i = 0; i < 5; i++) await queue.send(`m${i}`);
    const sizes: number[] = [];

    // Act
    stop = queue.startConsumer({
      batchSize: 2,
      pollIntervalMs: 10,
      handler: async (event) => {
        sizes.push(event.Records.length);
      },
    });
    await vi.waitFor(async () => expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 }));

    // Assess
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('wakes up for a new message without waiting for the poll interval', async () => {
    // Prepare
    const seen: string[] = [];
    stop = queue.startConsumer({
      batchSize: 10,
      pollIntervalMs: 60_000,
      handler: async (event) => {
        seen.push(...event.Records.map((r) => r.body));
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));

    // Act
    await queue.send('late');

    // Assess
    await vi.waitFor(() => expect(seen).toEqual(['late']), { timeout: 2000 });
  });

  it('waits for the batch in progress when stopped', async () => {
    // Prepare
    await queue.send('slow');
    let finished = false;
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => (started = resolve));
    const stopConsumer = queue.startConsumer({
      batchSize: 1,
      pollIntervalMs: 10,
      handler: async () => {
        started();
        await new Promise((resolve) => setTimeout(resolve, 100));
        finished = true;
      },
    });
    await handlerStarted;

    // Act
    await stopConsumer();

    // Assess
    expect(finished).toBe(true);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 });
  });
});
