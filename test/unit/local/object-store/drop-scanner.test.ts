import { appendFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EMPTY_FILE_SETTLE_MS } from '../../../../local/object-store/drop-scanner.js';
import { decodeS3Key } from '../../../../local/object-store/index.js';
import { BUCKET, pdfBytes, startStore } from './helpers.js';
import type { StoreHarness } from './helpers.js';

describe('Function: scanDrops', () => {
  let harness: StoreHarness;
  let dropDir: string;
  beforeEach(async () => {
    harness = await startStore();
    dropDir = path.join(harness.rootDir, BUCKET, 'uploads', 'user-1');
    await mkdir(dropDir, { recursive: true });
  });
  afterEach(async () => {
    await harness.close();
  });

  it('emits one ObjectCreated:Put when a dropped file is unchanged between two scans', async () => {
    // Prepare
    await writeFile(path.join(dropDir, 'Scan 1.pdf'), pdfBytes(100));

    // Act
    const first = await harness.store.scanDrops();
    const second = await harness.store.scanDrops();
    const third = await harness.store.scanDrops();

    // Assess
    expect([first, second, third]).toEqual([0, 1, 0]);
    expect(harness.events).toHaveLength(1);
    const record = harness.events[0]?.Records[0];
    expect(record).toMatchObject({
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: BUCKET }, object: { key: 'uploads/user-1/Scan+1.pdf', size: 100 } },
    });
    expect(decodeS3Key(record?.s3.object.key ?? '')).toBe('uploads/user-1/Scan 1.pdf');
    expect(await harness.store.head('uploads/user-1/Scan 1.pdf')).toMatchObject({
      size: 100,
      contentType: 'application/octet-stream',
    });
  });

  it('waits while the dropped file is still growing', async () => {
    // Prepare
    const file = path.join(dropDir, 'big.pdf');
    await writeFile(file, pdfBytes(100));
    await harness.store.scanDrops();

    // Act
    await appendFile(file, pdfBytes(100));
    const whileGrowing = await harness.store.scanDrops();
    const onceStable = await harness.store.scanDrops();

    // Assess
    expect(whileGrowing).toBe(0);
    expect(onceStable).toBe(1);
    expect(harness.events[0]?.Records[0]?.s3.object.size).toBe(200);
  });

  it('gives an empty file time to receive its bytes before it counts as dropped', async () => {
    // Prepare: a copy that created the file, then stalled
    const file = path.join(dropDir, 'stalled.pdf');
    await writeFile(file, new Uint8Array(0));
    await harness.store.scanDrops();
    harness.advance(EMPTY_FILE_SETTLE_MS - 1_000);
    const stillEmpty = await harness.store.scanDrops();

    // Act: the bytes arrive, then the file is stable
    await writeFile(file, pdfBytes(100));
    await harness.store.scanDrops();
    const settled = await harness.store.scanDrops();

    // Assess
    expect(stillEmpty).toBe(0);
    expect(settled).toBe(1);
    expect(harness.events.map((event) => event.Records[0]?.s3.object.size)).toEqual([100]);
  });

  it('emits an empty file once it stayed empty for the settle time', async () => {
    // Prepare
    await writeFile(path.join(dropDir, 'empty.pdf'), new Uint8Array(0));
    await harness.store.scanDrops();

    // Act
    harness.advance(EMPTY_FILE_SETTLE_MS);
    const emitted = await harness.store.scanDrops();

    // Assess
    expect(emitted).toBe(1);
    expect(harness.events[0]?.Records[0]?.s3.object.size).toBe(0);
  });

  it('ignores hidden and partial files, symlinks and files outside uploads/', async () => {
    // Prepare
    await writeFile(path.join(dropDir, '.scan.pdf.swx'), 'x');
    await writeFile(path.join(dropDir, 'scan.pdf.part'), 'x');
    await writeFile(path.join(dropDir, 'scan.pdf.crdownload'), 'x');
    await symlink('/etc/hostname', path.join(dropDir, 'link.pdf'));
    await mkdir(path.join(harness.rootDir, BUCKET, 'results', 'u'), { recursive: true });
    await writeFile(path.join(harness.rootDir, BUCKET, 'results', 'u', 'text.txt'), 'x');

    // Act
    await harness.store.scanDrops();
    const second = await harness.store.scanDrops();

    // Assess
    expect(second).toBe(0);
    expect(harness.events).toHaveLength(0);
  });

  it('does not treat objects written through the store as drops', async () => {
    // Prepare
    await harness.store.write('uploads/user-1/api.pdf', pdfBytes(10), 'application/pdf');

    // Act
    await harness.store.scanDrops();
    await harness.store.scanDrops();

    // Assess
    expect(harness.events).toHaveLength(1);
    expect(harness.events[0]?.Records[0]?.s3.object.key).toBe('uploads/user-1/api.pdf');
  });

  it('emits again when a dropped file replaces an existing object', async () => {
    // Prepare
    await harness.store.write('uploads/user-1/again.pdf', pdfBytes(10), 'application/pdf');
    await writeFile(path.join(dropDir, 'again.pdf'), pdfBytes(20));

    // Act
    await harness.store.scanDrops();
    await harness.store.scanDrops();

    // Assess
    expect(harness.events.map((event) => event.Records[0]?.s3.object.size)).toEqual([10, 20]);
  });

  it('redelivers the event on the next scan when the listener failed', async () => {
    // Prepare
    await harness.close();
    let failures = 1;
    harness = await startStore({
      onObjectCreated: () => {
        if (failures-- > 0) throw new Error('queue down');
      },
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);

    // Act
    await harness.store.write('uploads/user-1/retry.pdf', pdfBytes(10), 'application/pdf');
    const afterFailure = harness.events.length;
    const redelivered = await harness.store.scanDrops();

    // Assess
    warn.mockRestore();
    expect(afterFailure).toBe(0);
    expect(redelivered).toBe(1);
    expect(harness.events).toHaveLength(1);
    expect(await harness.store.scanDrops()).toBe(0);
  });
});

describe('Function: startDropScanner', () => {
  let harness: StoreHarness;
  beforeEach(async () => {
    harness = await startStore();
  });
  afterEach(async () => {
    await harness.close();
  });

  it('picks up a file dropped before it started, exactly once', async () => {
    // Prepare
    const dir = path.join(harness.rootDir, BUCKET, 'uploads', 'user-9');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'while-down.pdf'), pdfBytes(42));

    // Act
    const stop = harness.store.startDropScanner(20);
    await vi.waitFor(() => expect(harness.events).toHaveLength(1), { timeout: 5000, interval: 20 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    stop();

    // Assess
    expect(harness.events).toHaveLength(1);
    expect(harness.events[0]?.Records[0]?.s3.object.key).toBe('uploads/user-9/while-down.pdf');
  });
});
