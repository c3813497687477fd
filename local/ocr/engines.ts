/**
 * The local OCR engines by name, as `UNTXT_OCR_ENGINE` selects them: `paddle` (PaddleOCR models on
 * ONNX Runtime) and `tesseract` (tesseract.js). docs/ocr.md compares them.
 */
import { createLocalOcrEngine } from './index.js';
import type { LocalOcrEngine } from './index.js';
import { createPaddleOcrEngine } from './paddle/index.js';

export const OCR_ENGINE_NAMES = ['paddle', 'tesseract'] as const;
export type OcrEngineName = (typeof OCR_ENGINE_NAMES)[number];

/** Options every engine takes. */
export interface OcrEngineOptions {
  /** Tesseract languages joined with `+` (the Paddle engine reads Latin script whatever this says). */
  languages?: string;
  /** Pages recognized at once (default: available cores). */
  workers?: number;
}

/**
 * Creates a local OCR engine by name.
 *
 * @param name - `paddle` or `tesseract`.
 * @param options - Languages and workers.
 * @returns The engine; it starts its workers or loads its models on the first document.
 */
export function createOcrEngine(name: OcrEngineName, options: OcrEngineOptions = {}): LocalOcrEngine {
  switch (name) {
    case 'paddle':
      return createPaddleOcrEngine({
        ...(options.workers !== undefined ? { workers: options.workers } : {}),
      });
    case 'tesseract':
      return createLocalOcrEngine(options);
  }
}
