/**
 * Writes a small document with known text, for trying untxt without a scan at hand:
 *   npm run sample              → sample.png
 *   npm run sample -- doc.pdf   → a two-page image-only PDF
 */
import { writeFile } from 'node:fs/promises';
import { renderTextPdf, renderTextPng } from '../test/fixtures/documents.js';

const target = process.argv[2] ?? 'sample.png';
const receipt = [
  'CORNER CAFE',
  '2 x Espresso        5.00',
  '1 x Croissant       2.80',
  'TOTAL               7.80',
  'Thank you!',
];
const bytes = target.endsWith('.pdf')
  ? await renderTextPdf([receipt, ['Page two', 'Opening hours: 8 to 18']])
  : await renderTextPng(receipt);
await writeFile(target, bytes);
console.log(`Wrote ${target} (${bytes.byteLength} bytes). Its text:\n\n${receipt.join('\n')}`);
