import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadLocalConfig } from '../../../../local/config.js';

vi.mock('../../../../local/ocr/paddle/index.js', () => ({
  createPaddleOcrEngine: vi.fn(() => ({ kind: 'paddle' })),
}));
vi.mock('../../../../local/ocr/index.js', () => ({
  createLocalOcrEngine: vi.fn(() => ({ kind: 'tesseract' })),
}));

const { createOcrEngine } = await import('../../../../local/ocr/engines.js');
const { createPaddleOcrEngine } = await import('../../../../local/ocr/paddle/index.js');
const { createLocalOcrEngine } = await import('../../../../local/ocr/index.js');

afterEach(() => {
  vi.clearAllMocks();
});

describe('Function: createOcrEngine', () => {
  it('creates the Paddle engine with the worker count when UNTXT_OCR_ENGINE is paddle', () => {
    // Prepare
    const config = loadLocalConfig({ UNTXT_OCR_ENGINE: 'paddle', UNTXT_OCR_WORKERS: '3' });

    // Act
    const engine = createOcrEngine(config.UNTXT_OCR_ENGINE as 'paddle', {
      workers: config.UNTXT_OCR_WORKERS,
    });

    // Assess
    expect(engine).toEqual({ kind: 'paddle' });
    expect(createPaddleOcrEngine).toHaveBeenCalledWith({ workers: 3 });
    expect(createLocalOcrEngine).not.toHaveBeenCalled();
  });

  it('creates the tesseract.js engine with languages and workers by default', () => {
    // Prepare
    const config = loadLocalConfig({});

    // Act
    const engine = createOcrEngine(config.UNTXT_OCR_ENGINE as 'tesseract', {
      languages: config.UNTXT_OCR_LANGS,
    });

    // Assess
    expect(config.UNTXT_OCR_ENGINE).toBe('tesseract');
    expect(engine).toEqual({ kind: 'tesseract' });
    expect(createLocalOcrEngine).toHaveBeenCalledWith({ languages: config.UNTXT_OCR_LANGS });
    expect(createPaddleOcrEngine).not.toHaveBeenCalled();
  });

  it('rejects an unknown engine name at start-up', () => {
    expect(() => loadLocalConfig({ UNTXT_OCR_ENGINE: 'easyocr' })).toThrow(/UNTXT_OCR_ENGINE/u);
  });
});
