import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { openRasterDocument } from '../../../../local/ocr/rasterize.js';
import { makePngBomb, renderTextPdf, renderTextPng, renderTextTiff } from '../../../fixtures/documents.js';

describe('Function: openRasterDocument', () => {
  it('applies the EXIF orientation when a JPEG is stored sideways', async () => {
    // Prepare
    const upright = await renderTextPng(['Sideways'], { width: 600 });
    const { width, height } = await sharp(upright).metadata();
    // Orientation 6: the stored pixels must be turned 90° clockwise to display.
    const stored = await sharp(upright).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toBuffer();

    // Act
    const doc = await openRasterDocument(stored, 'image/jpeg');
    const page = await doc.renderPage(0);

    // Assess
    expect([page.width, page.height]).toEqual([width, height]);
  });

  it('puts transparent images on white paper when a PNG has an alpha channel', async () => {
    // Prepare
    const transparent = await sharp({
      create: { width: 50, height: 50, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();

    // Act
    const page = await (await openRasterDocument(transparent, 'image/png')).renderPage(0);
    const stats = await sharp(page.png).stats();

    // Assess
    expect(stats.channels).toHaveLength(1);
    expect(stats.channels[0]?.mean).toBe(255);
  });

  it('counts and renders every page when given a multi-page TIFF', async () => {
    // Prepare
    const tiff = await renderTextTiff([['One'], ['Two'], ['Three']]);

    // Act
    const doc = await openRasterDocument(tiff, 'image/tiff');
    const last = await doc.renderPage(2);

    // Assess
    expect(doc.pageCount).toBe(3);
    expect(last.width).toBe(1600);
  });

  it('renders PDF pages at the requested resolution when given a PDF', async () => {
    // Prepare
    const pdf = await renderTextPdf([['Page one'], ['Page two']]);
    const points = (await PDFDocument.load(pdf)).getPage(0).getSize();

    // Act
    const doc = await openRasterDocument(pdf, 'application/pdf', { pdfDpi: 150 });
    const page = await doc.renderPage(1);
    await doc.close();

    // Assess
    expect(doc.pageCount).toBe(2);
    expect(page.dpi).toBe(150);
    expect(page.rendered).toBe(true);
    expect(page.width).toBe(Math.floor((points.width * 150) / 72));
  });

  it('renders every page of a PDF while a shorter PDF is open beside it', async () => {
    // Prepare: the local host reads several uploads at once (pdf.js 5.4 kept one page count for all
    // documents, so the long one's third page became an "Invalid page request")
    const long = await openRasterDocument(
      await renderTextPdf([['One'], ['Two'], ['Three']]),
      'application/pdf',
    );
    const short = await openRasterDocument(await renderTextPdf([['Only page']]), 'application/pdf');

    // Act
    const pages = await Promise.all([long.renderPage(2), short.renderPage(0)]);
    await Promise.all([long.close(), short.close()]);

    // Assess
    expect([long.pageCount, short.pageCount]).toEqual([3, 1]);
    expect(pages.every((page) => page.width > 0)).toBe(true);
  });

  it('scales a page down when it would exceed the pixel cap', async () => {
    // Prepare
    const pdf = await renderTextPdf([['Large page']]);

    // Act
    const doc = await openRasterDocument(pdf, 'application/pdf', { pdfDpi: 300, maxPixelsPerPage: 100_000 });
    const page = await doc.renderPage(0);

    // Assess
    expect(page.width * page.height).toBeLessThanOrEqual(100_000);
    expect(page.dpi).toBeLessThan(300);
  });

  it('rejects with DocumentTooLargeException when an image claims too many pixels', async () => {
    // Prepare
    const bomb = makePngBomb(20_000, 20_000);

    // Act
    const error = await openRasterDocument(bomb, 'image/png').catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'DocumentTooLargeException', code: 'IMAGE_TOO_LARGE' });
  });
});
