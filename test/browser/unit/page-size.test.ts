import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { pdfAspectsFromBytes, tiffAspectFromBytes } from '../../../web/src/viewer/page-size.js';
import { renderTextPdf, renderTextTiff } from '../../fixtures/documents.js';

describe('Function: pdfAspectsFromBytes', () => {
  it('reads page shapes from MediaBox entries inside compressed object streams', async () => {
    // Prepare: pdf-lib writes page dictionaries into deflated object streams
    const pdf = await renderTextPdf([['A wide page of text'], ['Another page']]);

    // Act
    const aspects = await pdfAspectsFromBytes(Uint8Array.from(pdf));

    // Assess
    expect(aspects).toHaveLength(2);
    for (const aspect of aspects) expect(aspect).toBeGreaterThan(1);
  });
});

describe('Function: tiffAspectFromBytes', () => {
  it('reads width and height of the first image', async () => {
    // Prepare
    const tiff = await renderTextTiff([['TIFF page']]);
    const { width, height } = await sharp(tiff).metadata();

    // Act
    const aspect = tiffAspectFromBytes(Uint8Array.from(tiff));

    // Assess
    expect(aspect).toBeCloseTo(width! / height!, 5);
  });
});
