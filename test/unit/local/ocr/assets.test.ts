import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLanguageDir, traineddataSource } from '../../../../local/ocr/assets.js';

/** First bytes of a gzip stream. */
const isGzip = (bytes: Buffer): boolean => bytes[0] === 0x1f && bytes[1] === 0x8b;

describe('Function: createLanguageDir', () => {
  it('unpacks the fast English model and the best_int German one, uncompressed, when the model is fast', async () => {
    // Prepare
    const langs = ['eng', 'deu'];

    // Act
    const dir = await createLanguageDir(langs, 'fast');

    // Assess
    try {
      expect(readdirSync(dir.path).sort()).toEqual(['deu.traineddata', 'eng.traineddata']);
      const eng = await readFile(path.join(dir.path, 'eng.traineddata'));
      const deu = await readFile(path.join(dir.path, 'deu.traineddata'));
      expect(isGzip(eng) || isGzip(deu)).toBe(false);
      // tessdata_fast eng 4.1.0 as published (and as Debian ships it).
      expect(eng.byteLength).toBe(4_113_088);
      expect(deu.byteLength).toBeGreaterThan(1_000_000);
    } finally {
      dir.remove();
    }
    expect(existsSync(dir.path)).toBe(false);
  });

  it('unpacks the best_int English model when the model is 4.0.0_best_int', async () => {
    // Prepare
    const source = traineddataSource('eng', '4.0.0_best_int');

    // Act
    const dir = await createLanguageDir(['eng'], '4.0.0_best_int');

    // Assess
    try {
      expect(source.kind).toBe('gzip');
      const size = statSync(path.join(dir.path, 'eng.traineddata')).size;
      expect(size).toBeGreaterThan(statSync(source.file).size);
      expect(size).not.toBe(4_113_088);
    } finally {
      dir.remove();
    }
  });

  it('rejects naming the missing package when a language is not installed', async () => {
    // Prepare
    const langs = ['eng', 'fra'];

    // Act
    const error = await createLanguageDir(langs, 'fast').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/"fra" is not installed/u);
  });

  it('rejects an invalid language code before touching the disk', () => {
    // Act
    const act = (): unknown => traineddataSource('../eng', 'fast');

    // Assess
    expect(act).toThrow(/Invalid OCR language code/u);
  });
});
