import { describe, expect, it } from 'vitest';
import { flipBox, rotateGray } from '../../../../../local/ocr/paddle/image.js';

// 3 × 2 image:  1 2 3
//               4 5 6
const image = { data: new Uint8Array([1, 2, 3, 4, 5, 6]), width: 3, height: 2 };

describe('Function: rotateGray', () => {
  it('turns clockwise by 90° when asked for 90', () => {
    const turned = rotateGray(image, 90);
    expect([turned.width, turned.height]).toEqual([2, 3]);
    expect([...turned.data]).toEqual([4, 1, 5, 2, 6, 3]);
  });

  it('turns by 180° and 270° consistently with four quarter turns being none', () => {
    expect([...rotateGray(image, 180).data]).toEqual([6, 5, 4, 3, 2, 1]);
    expect([...rotateGray(image, 270).data]).toEqual([3, 6, 2, 5, 1, 4]);
    const back = rotateGray(rotateGray(rotateGray(rotateGray(image, 90), 90), 90), 90);
    expect([...back.data]).toEqual([...image.data]);
  });
});

describe('Function: flipBox', () => {
  it('maps a box to the page turned by 180°', () => {
    expect(flipBox({ x0: 10, y0: 20, x1: 30, y1: 25 }, 100, 50)).toEqual({ x0: 70, y0: 25, x1: 90, y1: 30 });
  });
});
