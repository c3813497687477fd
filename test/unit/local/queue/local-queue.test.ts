import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../../../lambdas/core/errors.js';
import { createLocalQueue, createLocalQueueMonitor } from '../../../../local/queue/index.js';
import type { LocalQueue, LocalQueueOptions } from '../../../../local/queue/index.js';

describe('Function: createLocalQueue', () => {
  let dir: string;
  let clock: number;
  const now = () => clock;
  const open = (options: Partial<LocalQueueOptions> = {}) =>
    createLocalQueue({
      dir,
      name: 'intake',
      visibilityTimeoutSeconds: 30,
      region: 'eu-central-1',
      now,
      ...options,
    });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'untxt-queue-'));
    clock = 1_700_000_000_000;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('Function: send / receive', () => {
    it('delivers a message with SQS attributes and hides it while in flight', async () => {
      // Prepare
      const queue = await open();
      const messageId = await queue.send('{"hello":"world"}');

      // Act
      const [message] = await queue.receive(10);
      const again = await queue.receive(10);

      // Assess
      expect(message).toEqual({
        messageId,
        receiptHandle: expect.any(String),
        body: '{"hello":"world"}',
        md5OfBody: createHash('md5').update('{"hello":"world"}').digest('hex'),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(clock),
          SenderId: '000000000000',
          ApproximateFirstReceiveTimestamp: String(clock),
        },
      });
      expect(again).toEqual([]);
      expect(await queue.depth()).toEqual({ visible: 0, inFlight: 1 });
      expect(queue.arn).toBe('arn:aws:sqs:eu-central-1:000000000000:intake');
    });

    it('redelivers with a higher receive count when the visibility timeout passes without a delete', async () => {
      // Prepare
      const queue = await open();
      await queue.send('job');
      const [first] = await queue.receive(1);

      // Act
      clock += 29_000;
      const tooEarly = await queue.receive(1);
      clock += 1_000;
      const [second] = await queue.receive(1);

      // Assess
      expect(tooEarly).toEqual([]);
      expect(second?.messageId).toBe(first?.messageId);
      expect(second?.attributes.ApproximateReceiveCount).toBe('2');
      expect(second?.receiptHandle).not.toBe(first?.receiptHandle);
    });

    it('returns at most max messages in arrival order', async () => {
      // Prepare
      const queue = await open();
      for (const body of ['a', 'b', 'c']) await queue.send(body);

      // Act
      const batch = await queue.receive(2);
      const rest = await queue.receive(2);

      // Assess
      expect(batch.map((m) => m.body)).toEqual(['a', 'b']);
      expect(rest.map((m) => m.body)).toEqual(['c']);
    });

    it('never hands the same message to two concurrent receives', async () => {
      // Prepare
      const queue = await open();
      for (let i = 0; i < 20; i++) await queue.send(`m${i}`);

      // Act
      const batches = await Promise.all([queue.receive(10), queue.receive(10), queue.receive(10)]);

      // Assess
      const ids = batches.flat().map((m) => m.messageId);
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
    });

    it('throws ValidationError when the body is empty, too large or has invalid characters', async () => {
      // Prepare
      const queue = await open();

      // Act
      const attempts = [queue.send(''), queue.send('x'.repeat(1024 * 1024 + 1)), queue.send('bad\u0000char')];

      // Assess
      for (const attempt of attempts) await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('Function: delete', () => {
    it('removes the message for good when given the latest receipt handle', async () => {
      // Prepare
      const queue = await open();
      await queue.send('job');
      const [message] = await queue.receive(1);

      // Act
      await queue.delete(message?.receiptHandle ?? '');
      clock += 60_000;

      // Assess
      expect(await queue.receive(10)).toEqual([]);
      expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 });
      expect(await readdir(path.join(dir, 'intake'))).toEqual([]);
    });

    it('deletes nothing when the receipt handle is stale', async () => {
      // Prepare
      const queue = await open();
      await queue.send('job');
      const [first] = await queue.receive(1);
      clock += 30_000;
      await queue.receive(1);

      // Act
      await queue.delete(first?.receiptHandle ?? '');

      // Assess
      expect(await queue.depth()).toEqual({ visible: 0, inFlight: 1 });
    });

    it('throws ValidationError when the receipt handle is malformed', async () => {
      // Prepare
      const queue = await open();

      // Act
      const deleting = queue.delete('not-a-handle');

      // Assess
      await expect(deleting).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('Function: changeVisibility', () => {
    it('makes an in-flight message visible at once when set to 0', async () => {
      // Prepare
      const queue = await open();
      await queue.send('job');
      const [message] = await queue.receive(1);

      // Act
      await queue.changeVisibility(message?.receiptHandle ?? '', 0);

      // Assess
      expect((await queue.receive(1)).map((m) => m.body)).toEqual(['job']);
    });

    it('extends the invisibility when set higher than the default', async () => {
      // Prepare
      const queue = await open();
      await queue.send('job');
      const [message] = await queue.receive(1);

      // Act
      await queue.changeVisibility(message?.receiptHandle ?? '', 120);
      clock += 60_000;

      // Assess
      expect(await queue.receive(1)).toEqual([]);
      clock += 60_000;
      expect(await queue.receive(1)).toHaveLength(1);
    });
  });

  describe('Function: receive (redrive policy)', () => {
    it('moves a message to the dead-letter queue when it was received more than maxReceiveCount times', async () => {
      // Prepare
      const dlq = await open({ name: 'intake-dlq' });
      const queue = await open({ maxReceiveCount: 3, deadLetterQueue: dlq });
      const messageId = await queue.send('poison');
      const counts: string[] = [];
      for (let i = 0; i < 3; i++) {
        const [message] = await queue.receive(1);
        counts.push(message?.attributes.ApproximateReceiveCount ?? '');
        clock += 30_000;
      }

      // Act
      const fourth = await queue.receive(1);

      // Assess
      expect(counts).toEqual(['1', '2', '3']);
      expect(fourth).toEqual([]);
      expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 });
      const [dead] = await dlq.receive(1);
      expect(dead?.messageId).toBe(messageId);
      expect(dead?.body).toBe('poison');
      expect(dead?.attributes.DeadLetterQueueSourceArn).toBe(queue.arn);
    });

    it('throws ValidationError when maxReceiveCount is set without a dead-letter queue', async () => {
      // Prepare
      const options = { maxReceiveCount: 3 };

      // Act
      const creating = open(options);

      // Assess
      await expect(creating).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('Function: moveAllTo', () => {
    it('moves every visible message back with a fresh receive count', async () => {
      // Prepare
      const dlq = await open({ name: 'intake-dlq' });
      const queue = await open({ maxReceiveCount: 1, deadLetterQueue: dlq });
      await queue.send('a');
      await queue.send('b');
      await queue.receive(10);
      clock += 30_000;
      await queue.receive(10); // both exceed maxReceiveCount 1 → dead-lettered

      // Act
      const moved = await dlq.moveAllTo(queue);

      // Assess
      expect(moved).toBe(2);
      expect(await dlq.depth()).toEqual({ visible: 0, inFlight: 0 });
      const redelivered = await queue.receive(10);
      expect(redelivered.map((m) => [m.body, m.attributes.ApproximateReceiveCount])).toEqual([
        ['a', '1'],
        ['b', '1'],
      ]);
    });
  });

  describe('Function: createLocalQueue (restart)', () => {
    it('delivers every undeleted message again when re-created from the same folder', async () => {
      // Prepare
      const before = await open();
      const ids = [await before.send('one'), await before.send('two'), await before.send('three')];
      const [inFlight] = await before.receive(1);
      const [done] = await before.receive(1);
      await before.delete(done?.receiptHandle ?? '');

      // Act
      const after = await open();
      const visibleNow = await after.receive(10);
      const depthNow = await after.depth();
      clock += 30_000;
      const afterDeadline = await after.receive(10);

      // Assess
      expect(inFlight?.messageId).toBe(ids[0]);
      expect(visibleNow.map((m) => m.body)).toEqual(['three']);
      expect(depthNow).toEqual({ visible: 0, inFlight: 2 });
      // `one` was in flight before the restart and `three` since; both reappear after their deadline.
      expect(afterDeadline.map((m) => [m.body, m.attributes.ApproximateReceiveCount])).toEqual([
        ['one', '2'],
        ['three', '2'],
      ]);
    });

    it('keeps receive counts across restarts so a crashing message still reaches the dead-letter queue', async () => {
      // Prepare
      const dlqOptions = { name: 'intake-dlq' };
      for (let i = 0; i < 2; i++) {
        const dlq = await open(dlqOptions);
        const queue = await open({ maxReceiveCount: 2, deadLetterQueue: dlq });
        if (i === 0) await queue.send('crashes the host');
        await queue.receive(1); // "crash" before deleting
        clock += 30_000;
      }

      // Act
      const dlq = await open(dlqOptions);
      const queue = await open({ maxReceiveCount: 2, deadLetterQueue: dlq });
      const delivered = await queue.receive(1);

      // Assess
      expect(delivered).toEqual([]);
      expect((await dlq.receive(1)).map((m) => m.body)).toEqual(['crashes the host']);
    });

    it('removes leftover temp files and sets aside corrupt ones when loading', async () => {
      // Prepare
      const first = await open();
      await first.send('kept');
      const folder = path.join(dir, 'intake');
      await writeFile(path.join(folder, '.half-written.tmp'), '{"messageId":');
      await writeFile(path.join(folder, '0b4f6f5e-3c1e-4a55-9a57-5b0b4b7f8e21.json'), 'not json');
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);

      // Act
      const reopened = await open();

      // Assess
      warn.mockRestore();
      expect((await reopened.receive(10)).map((m) => m.body)).toEqual(['kept']);
      const files = await readdir(folder);
      expect(files.some((name) => name.endsWith('.tmp'))).toBe(false);
      expect(files).toContain('0b4f6f5e-3c1e-4a55-9a57-5b0b4b7f8e21.json.corrupt');
    });

    it('writes one JSON file per message', async () => {
      // Prepare
      const queue = await open();

      // Act
      const id = await queue.send('persisted');

      // Assess
      const stored = JSON.parse(await readFile(path.join(dir, 'intake', `${id}.json`), 'utf8')) as {
        body: string;
      };
      expect(stored.body).toBe('persisted');
    });
  });

  describe('Function: createLocalQueueMonitor', () => {
    it('reports both depths and redrives dead letters to intake', async () => {
      // Prepare
      const dlq: LocalQueue = await open({ name: 'intake-dlq' });
      const intake = await open({ maxReceiveCount: 1, deadLetterQueue: dlq });
      await intake.send('x');
      await intake.receive(1);
      clock += 30_000;
      await intake.receive(1);
      await intake.send('y');
      const monitor = createLocalQueueMonitor(intake, dlq);

      // Act
      const before = [await monitor.intakeDepth(), await monitor.deadLetterDepth()];
      const redriven = await monitor.redriveDeadLetters();
      const after = [await monitor.intakeDepth(), await monitor.deadLetterDepth()];

      // Assess
      expect(before).toEqual([
        { visible: 1, inFlight: 0 },
        { visible: 1, inFlight: 0 },
      ]);
      expect(redriven).toBe(1);
      expect(after).toEqual([
        { visible: 2, inFlight: 0 },
        { visible: 0, inFlight: 0 },
      ]);
    });
  });
});
