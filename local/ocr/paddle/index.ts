/**
 * A local Textract stand-in on PaddleOCR models (PP-OCRv4 mobile text detection and recognition)
 * run by ONNX Runtime on the CPU: DB detection on the page, CTC recognition of each detected line,
 * then reading order and Textract blocks. Selected with `UNTXT_OCR_ENGINE=paddle`; docs/ocr.md has
 * the measurements against the tesseract.js engine and native Tesseract.
 *
 * Orientation: a page is turned only on strong evidence. Sideways pages show as detections that
 * are mostly tall and narrow; upside-down lines are recognised by PaddleOCR's text-direction
 * classifier, and the page is turned by 180° only when a clear majority of its lines say so.
 */
import os from 'node:os';
import type { Block } from '@aws-sdk/client-textract';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { DetectedText } from '../../../lambdas/core/ports.js';
import { openRasterDocument } from '../rasterize.js';
import type { PageImage, RasterOptions } from '../rasterize.js';
import { toTextractBlocks } from '../textract.js';
import type { RecognizedPage, TesseractLine, TesseractWord } from '../worker-pool.js';
import { reportPageDone } from '../index.js';
import type { DetectOptions, LocalOcrEngine } from '../index.js';
import { ctcGreedyDecode, insertGapSpaces, splitWords } from './ctc.js';
import { boxesFromProbabilityMap, DEFAULT_DB_OPTIONS } from './db-postprocess.js';
import type { DbOptions, DetectedBox, PixelBox } from './db-postprocess.js';
import { flipBox, rotateGray, writeCrop } from './image.js';
import type { GrayImage } from './image.js';
import { loadAlphabet, paddleModelFiles } from './models.js';
import { DEFAULT_READING_ORDER, readingOrder } from './reading-order.js';
import { startedOnce } from '../started-once.js';

/** Tuning of the Paddle engine; the defaults are what `bench/ocr.ts` measured best. */
export interface PaddleTuning {
  /**
   * The detector sees the page scaled down to at most this many pixels (sides rounded to multiples
   * of 32). A pixel budget rather than a cap on the longer side: a cap shrinks long receipts until
   * their print is too small to find.
   */
  detMaxPixels: number;
  db: DbOptions;
  /** Recognized lines under this mean character probability (0–1) are dropped as noise. */
  minLineConfidence: number;
  /** Lines recognized per ONNX call. */
  recBatch: number;
  /** Tensor widths are rounded up to a multiple of this (fewer distinct shapes for ONNX Runtime). */
  recWidthStep: number;
  /** Put back spaces the recognizer dropped, from the gaps between characters (ctc.ts). */
  gapSpaces: boolean;
  gapSpaceFactor: number;
  detectOrientation: boolean;
  /** Share of text-direction votes for 180° from which a page is turned. */
  flipMinShare: number;
  /** Lines that must vote before a page may be turned by 180°. */
  flipMinLines: number;
  /** Mean line confidence (0–1) a 180° turn must gain on the page's widest lines. */
  flipMinGain: number;
  /** Sideways: at least this many tall detections, and this many times as many as wide ones. */
  sidewaysMinBoxes: number;
  sidewaysRatio: number;
  /** Pages this many times taller than wide are one column (receipts). */
  tallAspect: number;
  raster: RasterOptions;
}

export const DEFAULT_PADDLE_TUNING: PaddleTuning = {
  detMaxPixels: 2_000_000,
  db: DEFAULT_DB_OPTIONS,
  minLineConfidence: 0.5,
  recBatch: 1,
  recWidthStep: 1,
  gapSpaces: true,
  gapSpaceFactor: 1.7,
  detectOrientation: true,
  flipMinShare: 0.75,
  flipMinLines: 4,
  flipMinGain: 0.1,
  sidewaysMinBoxes: 4,
  sidewaysRatio: 3,
  tallAspect: 1.8,
  raster: { pdfDpi: 150 },
};

const REC_HEIGHT = 48;
const CLS_HEIGHT = 48;
const CLS_WIDTH = 192;

interface Models {
  det: ort.InferenceSession;
  rec: ort.InferenceSession;
  cls: ort.InferenceSession;
  alphabet: string[];
}

async function loadModels(): Promise<Models> {
  const files = paddleModelFiles();
  // One thread per session: pages run in parallel instead, which keeps every core busy without
  // ONNX Runtime's thread synchronisation.
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  const [det, rec, cls] = await Promise.all([
    ort.InferenceSession.create(files.detection, options),
    ort.InferenceSession.create(files.recognition, options),
    ort.InferenceSession.create(files.classifier, options),
  ]);
  return { det, rec, cls, alphabet: loadAlphabet(files.dictionary) };
}

async function toGray(page: PageImage): Promise<GrayImage> {
  const { data, info } = await sharp(page.png)
    .greyscale()
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

/** Text boxes of a page, in its pixels. */
async function detect(models: Models, image: GrayImage, tuning: PaddleTuning): Promise<DetectedBox[]> {
  const scale = Math.min(1, Math.sqrt(tuning.detMaxPixels / (image.width * image.height)));
  const w = Math.max(32, Math.round((image.width * scale) / 32) * 32);
  const h = Math.max(32, Math.round((image.height * scale) / 32) * 32);
  const resized = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 1 } })
    .resize(w, h, { fit: 'fill' })
    // sharp writes three channels unless told otherwise.
    .toColourspace('b-w')
    .raw()
    .toBuffer();
  const plane = w * h;
  const input = new Float32Array(3 * plane);
  // ImageNet normalisation per channel, as PaddleOCR's detector was trained.
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  for (let c = 0; c < 3; c += 1) {
    const m = mean[c] as number;
    const s = std[c] as number;
    for (let i = 0; i < plane; i += 1) input[c * plane + i] = ((resized[i] as number) / 255 - m) / s;
  }
  const output = await models.det.run({ x: new ort.Tensor('float32', input, [1, 3, h, w]) });
  const map = Object.values(output)[0]?.data as Float32Array;
  return boxesFromProbabilityMap(
    map,
    w,
    h,
    image.width / w,
    image.height / h,
    image.width,
    image.height,
    tuning.db,
  );
}

/** Text-direction votes: the share of lines the classifier reads as upside down, and how many voted. */
async function flippedShare(
  models: Models,
  image: GrayImage,
  boxes: PixelBox[],
): Promise<{ share: number; lines: number }> {
  // Lines clearly wider than tall; the widest carry the most evidence.
  const lines = boxes
    .filter((b) => b.x1 - b.x0 >= 2 * (b.y1 - b.y0))
    .sort((a, b) => b.x1 - b.x0 - (a.x1 - a.x0))
    .slice(0, 24);
  if (lines.length === 0) return { share: 0, lines: 0 };
  const plane = CLS_HEIGHT * CLS_WIDTH;
  const input = new Float32Array(lines.length * 3 * plane);
  lines.forEach((box, n) => {
    const width = Math.min(CLS_WIDTH, Math.ceil((CLS_HEIGHT * (box.x1 - box.x0)) / (box.y1 - box.y0)));
    writeCrop(image, box, input, n * 3 * plane, width, CLS_HEIGHT, CLS_WIDTH);
  });
  const output = await models.cls.run({
    x: new ort.Tensor('float32', input, [lines.length, 3, CLS_HEIGHT, CLS_WIDTH]),
  });
  const probs = Object.values(output)[0]?.data as Float32Array;
  let flipped = 0;
  let voted = 0;
  for (let n = 0; n < lines.length; n += 1) {
    const p180 = probs[n * 2 + 1] as number;
    // Unsure lines abstain.
    if (p180 >= 0.9) flipped += 1;
    if (p180 >= 0.9 || p180 <= 0.1) voted += 1;
  }
  return { share: voted === 0 ? 0 : flipped / voted, lines: voted };
}

interface RecognizedLine {
  box: PixelBox;
  text: string;
  confidence: number;
  words: TesseractWord[];
}

/** Recognizes each box as one line of text. */
async function recognize(
  models: Models,
  image: GrayImage,
  boxes: PixelBox[],
  tuning: PaddleTuning,
): Promise<RecognizedLine[]> {
  const widths = boxes.map((b) => Math.max(1, Math.round((REC_HEIGHT * (b.x1 - b.x0)) / (b.y1 - b.y0))));
  // Similar widths share a batch, so little of each tensor is padding.
  const order = boxes.map((_, i) => i).sort((a, b) => (widths[a] as number) - (widths[b] as number));
  const lines: RecognizedLine[] = [];
  for (let start = 0; start < order.length; start += tuning.recBatch) {
    const batch = order.slice(start, start + tuning.recBatch);
    const widest = Math.max(...batch.map((i) => widths[i] as number), REC_HEIGHT * 2);
    const stride = Math.ceil(widest / tuning.recWidthStep) * tuning.recWidthStep;
    const size = 3 * REC_HEIGHT * stride;
    const input = new Float32Array(batch.length * size);
    batch.forEach((i, n) =>
      writeCrop(image, boxes[i] as PixelBox, input, n * size, widths[i] as number, REC_HEIGHT, stride),
    );
    const output = await models.rec.run({
      x: new ort.Tensor('float32', input, [batch.length, 3, REC_HEIGHT, stride]),
    });
    const tensor = Object.values(output)[0] as ort.Tensor;
    const [, steps, classes] = tensor.dims as [number, number, number];
    const data = tensor.data as Float32Array;
    batch.forEach((i, n) => {
      const box = boxes[i] as PixelBox;
      const decoded = tuning.gapSpaces
        ? insertGapSpaces(
            ctcGreedyDecode(data, n * steps * classes, steps, classes, models.alphabet),
            tuning.gapSpaceFactor,
          )
        : ctcGreedyDecode(data, n * steps * classes, steps, classes, models.alphabet);
      const text = decoded.text.trim();
      if (text === '' || decoded.confidence < tuning.minLineConfidence) return;
      // A time step covers stride / steps pixels of the resized crop.
      const pxPerStep = ((stride / steps) * (box.x1 - box.x0)) / (widths[i] as number);
      const words = splitWords(decoded).map((word) => ({
        text: word.text,
        confidence: word.confidence * 100,
        bbox: {
          x0: Math.max(box.x0, Math.round(box.x0 + word.start * pxPerStep - pxPerStep / 2)),
          y0: box.y0,
          x1: Math.min(box.x1, Math.round(box.x0 + word.end * pxPerStep + pxPerStep / 2)),
          y1: box.y1,
        },
      }));
      if (words.length > 0) lines.push({ box, text, confidence: decoded.confidence * 100, words });
    });
  }
  return lines;
}

/**
 * Whether the page's widest lines read more confidently turned by 180° than as they are, by at
 * least `flipMinGain`.
 */
async function flipReadsBetter(
  models: Models,
  image: GrayImage,
  boxes: PixelBox[],
  tuning: PaddleTuning,
): Promise<boolean> {
  const sample = [...boxes].sort((a, b) => b.x1 - b.x0 - (a.x1 - a.x0)).slice(0, 6);
  const all = { ...tuning, minLineConfidence: 0 };
  const mean = (lines: RecognizedLine[]): number =>
    lines.reduce((sum, line) => sum + line.confidence, 0) / (100 * sample.length);
  const turned = rotateGray(image, 180);
  const asIs = mean(await recognize(models, image, sample, all));
  const flipped = mean(
    await recognize(
      models,
      turned,
      sample.map((b) => flipBox(b, image.width, image.height)),
      all,
    ),
  );
  return flipped >= asIs + tuning.flipMinGain;
}

/** One page: orientation, detection, recognition, reading order. */
async function readPage(
  models: Models,
  page: PageImage,
  tuning: PaddleTuning,
): Promise<{ result: RecognizedPage; width: number; height: number; degrees: number }> {
  let image = await toGray(page);
  let boxes = await detect(models, image, tuning);
  let degrees = 0;
  if (tuning.detectOrientation && boxes.length > 0) {
    const tall = boxes.filter((b) => b.y1 - b.y0 >= 2 * (b.x1 - b.x0)).length;
    const wide = boxes.filter((b) => b.x1 - b.x0 >= 2 * (b.y1 - b.y0)).length;
    if (tall >= tuning.sidewaysMinBoxes && tall >= tuning.sidewaysRatio * Math.max(1, wide)) {
      // Sideways: turn a quarter and detect again; the direction classifier settles 90 vs 270.
      const turned = rotateGray(image, 90);
      const turnedBoxes = await detect(models, turned, tuning);
      const turnedWide = turnedBoxes.filter((b) => b.x1 - b.x0 >= 2 * (b.y1 - b.y0)).length;
      if (turnedWide > wide) {
        image = turned;
        boxes = turnedBoxes;
        degrees = 90;
      }
    }
    const votes = await flippedShare(models, image, boxes);
    const sideways = degrees !== 0;
    // A quarter turn picked by box shapes has no upright default: the classifier's majority decides.
    // An unturned page needs a clear majority of enough lines, confirmed by reading its widest
    // lines both ways (the classifier alone turned a page of dense upright print).
    const flip =
      (sideways && votes.lines > 0 && votes.share > 0.5) ||
      (!sideways &&
        votes.lines >= tuning.flipMinLines &&
        votes.share >= tuning.flipMinShare &&
        (await flipReadsBetter(models, image, boxes, tuning)));
    if (flip) {
      image = rotateGray(image, 180);
      boxes = boxes.map((b) => flipBox(b, image.width, image.height));
      degrees = (degrees + 180) % 360;
    }
  }
  const lines = await recognize(models, image, boxes, tuning);
  const singleColumn = image.height >= image.width * tuning.tallAspect;
  const blocks = readingOrder(lines, { ...DEFAULT_READING_ORDER, singleColumn });
  const tesseractLines = (rows: RecognizedLine[][]): TesseractLine[] =>
    rows
      .flat()
      .map((line) => ({ text: line.text, confidence: line.confidence, bbox: line.box, words: line.words }));
  const confidence =
    lines.length === 0 ? 0 : lines.reduce((sum, line) => sum + line.confidence, 0) / lines.length;
  return {
    result: { confidence, blocks: blocks.map((rows) => ({ paragraphs: [{ lines: tesseractLines(rows) }] })) },
    width: image.width,
    height: image.height,
    degrees,
  };
}

/** Options of {@link createPaddleOcrEngine}. */
export interface PaddleOcrEngineOptions {
  /** Pages recognized at once (default: available cores). */
  workers?: number;
}

/**
 * Creates the Paddle engine. Models load on the first document.
 *
 * @param options - Worker count.
 * @param tuning - Internal tuning overrides (benchmark use).
 * @returns The engine.
 */
export function createPaddleOcrEngine(
  options: PaddleOcrEngineOptions = {},
  tuning: Partial<PaddleTuning> = {},
): LocalOcrEngine {
  const config: PaddleTuning = {
    ...DEFAULT_PADDLE_TUNING,
    ...tuning,
    db: { ...DEFAULT_PADDLE_TUNING.db, ...tuning.db },
    raster: { ...DEFAULT_PADDLE_TUNING.raster, ...tuning.raster },
  };
  const requested = options.workers;
  const slots =
    requested !== undefined && Number.isFinite(requested) && requested >= 1
      ? Math.floor(requested)
      : os.availableParallelism();
  let closed = false;
  let running = 0;
  const waiting: (() => void)[] = [];
  const acquire = async (): Promise<void> => {
    if (running < slots) {
      running += 1;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };
  const models = startedOnce(loadModels);

  return {
    async detectDocumentText(
      bytes,
      contentType,
      onPage,
      detectOptions?: DetectOptions,
    ): Promise<DetectedText> {
      if (closed) throw new Error('The OCR engine is closed');
      const loaded = await models.get();
      const doc = await openRasterDocument(bytes, contentType, config.raster);
      const total = doc.pageCount;
      let done = 0;
      try {
        const pages = await Promise.all(
          Array.from({ length: total }, async (_, index) => {
            await acquire();
            try {
              const page = await readPage(loaded, await doc.renderPage(index), config);
              done += 1;
              reportPageDone(
                { onPage, options: detectOptions },
                { done, total, page: index + 1, degrees: page.degrees },
              );
              return toTextractBlocks(page.result, {
                page: index + 1,
                width: page.width,
                height: page.height,
              });
            } finally {
              release();
            }
          }),
        );
        const blocks: Block[] = pages.flat();
        return { DocumentMetadata: { Pages: total }, Blocks: blocks };
      } finally {
        await doc.close();
      }
    },
    async close() {
      closed = true;
      const loaded = await models.current()?.catch(() => undefined);
      await Promise.all([loaded?.det.release(), loaded?.rec.release(), loaded?.cls.release()]);
    },
  };
}
