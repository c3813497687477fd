import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { SNIFF_HEAD_BYTES, sniffContentType } from '../../../../lambdas/core/content-type.js';
import { makeNoisePng, makeTypeSamples } from '../../../fixtures/documents.js';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

let png: Uint8Array;
let jpeg: Uint8Array;
let webp: Uint8Array;
let gif: Uint8Array;
let tiff: Uint8Array;
let pdf: Uint8Array;

beforeAll(async () => {
  ({ png, jpeg, webp, gif, tiff, pdf } = await makeTypeSamples());
});

describe('Function: sniffContentType', () => {
  it('recognises each of the five supported types from their bytes', async () => {
    // Prepare
    const samples = { png, jpeg, webp, tiff, pdf };

    // Act
    const detected = Object.fromEntries(
      await Promise.all(
        Object.entries(samples).map(async ([name, bytes]) => [name, await sniffContentType(bytes)]),
      ),
    );

    // Assess
    expect(detected).toEqual({
      png: 'image/png',
      jpeg: 'image/jpeg',
      webp: 'image/webp',
      tiff: 'image/tiff',
      pdf: 'application/pdf',
    });
  });

  it('needs only the first SNIFF_HEAD_BYTES bytes', async () => {
    // Prepare
    const large = await makeNoisePng(200, 200);
    const head = large.subarray(0, SNIFF_HEAD_BYTES);

    // Act
    const detected = await sniffContentType(head);

    // Assess
    expect(large.byteLength).toBeGreaterThan(SNIFF_HEAD_BYTES);
    expect(detected).toBe('image/png');
  });

  it('recognises a TIFF from its head even when its directory lies beyond the head', async () => {
    // Prepare: libvips writes the first IFD after the pixel data, as many scanners do.
    const large = await sharp(await makeNoisePng(300, 300))
      .tiff()
      .toBuffer();
    const head = large.subarray(0, SNIFF_HEAD_BYTES);

    // Act
    const detected = await sniffContentType(head);

    // Assess
    expect(large.readUInt32LE(4)).toBeGreaterThan(SNIFF_HEAD_BYTES);
    expect(detected).toBe('image/tiff');
  });

  it('returns undefined when the bytes are a GIF, an executable, text or nothing', async () => {
    // Prepare
    const exe = new Uint8Array(512);
    exe.set(text('MZ'));

    // Act
    const results = await Promise.all(
      [gif, exe, text('hello, world\n'), new Uint8Array(0)].map(sniffContentType),
    );

    // Assess
    expect(results).toEqual([undefined, undefined, undefined, undefined]);
  });
});
