import type { DetectedText, ObjectStore, TextDetector } from '../lambdas/core/ports.js';
import type { LocalOcrEngine } from './ocr/index.js';

/**
 * `TextDetector` over the local OCR engine: reads the stored document like Textract reads its
 * S3Object and answers in the same shape. Unlike sync Textract it takes any number of pages, so the
 * async branch of the state machine runs through it too.
 */
export const createLocalTextDetector = (options: {
  objects: ObjectStore;
  engine: LocalOcrEngine;
}): TextDetector => ({
  async detectDocumentText({ key, contentType }): Promise<DetectedText> {
    const bytes = await options.objects.read(key);
    return options.engine.detectDocumentText(bytes, contentType);
  },
});
