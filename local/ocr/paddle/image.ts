/** Grayscale pixel buffers and the few operations the Paddle engine needs on them. */
import type { PixelBox } from './db-postprocess.js';

/** 8-bit grayscale pixels, row-major. */
export interface GrayImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Turns an image clockwise by a multiple of 90°. */
export function rotateGray(image: GrayImage, degrees: number): GrayImage {
  const turn = (((degrees % 360) + 360) % 360) / 90;
  if (turn === 0) return image;
  const { data, width, height } = image;
  const sideways = turn % 2 === 1;
  const w = sideways ? height : width;
  const h = sideways ? width : height;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      let nx: number;
      let ny: number;
      if (turn === 1) {
        nx = height - 1 - y;
        ny = x;
      } else if (turn === 2) {
        nx = width - 1 - x;
        ny = height - 1 - y;
      } else {
        nx = y;
        ny = width - 1 - x;
      }
      out[ny * w + nx] = data[y * width + x] as number;
    }
  }
  return { data: out, width: w, height: h };
}

/** The same box in the image turned by 180°. */
export function flipBox<T extends PixelBox>(box: T, width: number, height: number): T {
  return { ...box, x0: width - box.x1, x1: width - box.x0, y0: height - box.y1, y1: height - box.y0 };
}

/**
 * Writes a box of the image, resized (bilinear) to `outWidth × outHeight`, into a 3-channel CHW
 * float tensor as `(v / 255 - 0.5) / 0.5`, the normalisation of PaddleOCR's recognizer and
 * classifier. The rest of the tensor row (padding) is left as it is.
 *
 * @param target - Tensor of `batch × 3 × outHeight × stride`.
 * @param offset - Index of this crop's first value in `target`.
 * @param stride - Tensor width (padded).
 */
export function writeCrop(
  image: GrayImage,
  box: PixelBox,
  target: Float32Array,
  offset: number,
  outWidth: number,
  outHeight: number,
  stride: number,
): void {
  const { data, width } = image;
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  const plane = outHeight * stride;
  for (let y = 0; y < outHeight; y += 1) {
    const sy = Math.min(bh - 1, Math.max(0, ((y + 0.5) * bh) / outHeight - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(bh - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < outWidth; x += 1) {
      const sx = Math.min(bw - 1, Math.max(0, ((x + 0.5) * bw) / outWidth - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(bw - 1, x0 + 1);
      const fx = sx - x0;
      const row0 = (box.y0 + y0) * width + box.x0;
      const row1 = (box.y0 + y1) * width + box.x0;
      const v =
        ((data[row0 + x0] as number) * (1 - fx) + (data[row0 + x1] as number) * fx) * (1 - fy) +
        ((data[row1 + x0] as number) * (1 - fx) + (data[row1 + x1] as number) * fx) * fy;
      const n = v / 127.5 - 1;
      const i = offset + y * stride + x;
      target[i] = n;
      target[i + plane] = n;
      target[i + 2 * plane] = n;
    }
  }
}
