/**
 * Orientation benchmark: every page of the corpus (or of one half of it) is fed to each local
 * engine as stored and turned by 90, 180 and 270°, and the turn the engine applies is checked.
 * A turn on a page that was upright is a **wrong turn** (a regression: the engine made the page
 * worse); a turned page left turned is a **miss**.
 *
 *   npx tsx bench/ocr-orientation.ts [--corpus ../shared/corpus] [--split tune|holdout]
 *                                    [--engines tesseract,paddle] [--pages-per-doc 3]
 *                                    [--tune '{…}'] [--paddle-tune '{…}']
 *
 * Documents whose manifest `kind` says they are stored rotated are skipped (their upright frame is
 * not known page by page). Pages are rendered once (PDFs at 150 dpi) and given to the engines as
 * PNG images.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { OCR_ENGINE_NAMES } from '../local/ocr/engines.js';
import type { OcrEngineName } from '../local/ocr/engines.js';
import { createLocalOcrEngine } from '../local/ocr/index.js';
import type { EngineTuning, LocalOcrEngine } from '../local/ocr/index.js';
import { createPaddleOcrEngine } from '../local/ocr/paddle/index.js';
import type { PaddleTuning } from '../local/ocr/paddle/index.js';
import { openRasterDocument } from '../local/ocr/rasterize.js';
import { loadCorpus, splitHalf } from './ocr-corpus.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TURNS = [0, 90, 180, 270] as const;

interface Outcome {
  page: string;
  stored: number;
  applied: number;
}

const cpu = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string', default: path.resolve(repoRoot, '..', 'shared', 'corpus') },
      split: { type: 'string' },
      engines: { type: 'string', default: OCR_ENGINE_NAMES.join(',') },
      'pages-per-doc': { type: 'string', default: '3' },
      tune: { type: 'string' },
      'paddle-tune': { type: 'string' },
    },
  });
  const all = await loadCorpus(path.resolve(values.corpus), undefined);
  const split = values.split;
  if (split !== undefined && split !== 'tune' && split !== 'holdout')
    throw new Error('--split takes tune or holdout');
  const docs = (split === undefined ? all : splitHalf(all, split)).filter(
    (d) => !/rotated|turned|sideways/iu.test(d.kind),
  );
  const perDoc = Number(values['pages-per-doc']);
  const pages: { name: string; png: Buffer }[] = [];
  for (const doc of docs) {
    const raster = await openRasterDocument(await readFile(doc.file), doc.contentType, { pdfDpi: 150 });
    for (let i = 0; i < Math.min(perDoc, raster.pageCount); i += 1) {
      pages.push({ name: `${doc.path}#${i + 1}`, png: (await raster.renderPage(i)).png });
    }
    await raster.close();
  }
  const cases = await Promise.all(
    pages.flatMap((p) =>
      TURNS.map(async (stored) => ({
        page: p.name,
        stored,
        png: stored === 0 ? p.png : await sharp(p.png).rotate(stored).png().toBuffer(),
      })),
    ),
  );
  const names = values.engines
    .split(',')
    .filter((n): n is OcrEngineName => (OCR_ENGINE_NAMES as readonly string[]).includes(n));
  const out: string[] = [
    '## OCR orientation benchmark',
    '',
    `Corpus ${values.corpus}${split ? `, ${split} half` : ''}: ${pages.length} pages × 4 turns = ${cases.length} cases. ` +
      `${os.availableParallelism()} cores, Node ${process.version}.`,
    '',
    '| engine | wrong turns of upright pages | turned pages missed | turned pages fixed | CPU s/case |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  const details: string[] = [];
  for (const name of names) {
    const engine: LocalOcrEngine =
      name === 'paddle'
        ? createPaddleOcrEngine(
            {},
            values['paddle-tune'] ? (JSON.parse(values['paddle-tune']) as Partial<PaddleTuning>) : {},
          )
        : createLocalOcrEngine(
            { languages: 'eng+deu' },
            values.tune ? (JSON.parse(values.tune) as Partial<EngineTuning>) : {},
          );
    await engine.detectDocumentText(cases[0]?.png ?? Buffer.alloc(0), 'image/png');
    const started = cpu();
    const outcomes: Outcome[] = await Promise.all(
      cases.map(async (c) => {
        let applied = 0;
        await engine.detectDocumentText(c.png, 'image/png', undefined, {
          onOrientation: (_, degrees) => (applied = degrees),
        });
        return { page: c.page, stored: c.stored, applied };
      }),
    );
    const seconds = cpu() - started;
    await engine.close();
    const wrong = outcomes.filter((o) => o.stored === 0 && o.applied !== 0);
    const turned = outcomes.filter((o) => o.stored !== 0);
    const fixed = turned.filter((o) => (o.stored + o.applied) % 360 === 0);
    out.push(
      `| ${name} | ${wrong.length} of ${outcomes.length - turned.length} | ${turned.length - fixed.length} of ${turned.length} | ${fixed.length} | ${(seconds / cases.length).toFixed(2)} |`,
    );
    for (const o of outcomes.filter((x) => (x.stored + x.applied) % 360 !== 0)) {
      details.push(
        `| ${name} | ${o.page} | ${o.stored} | ${o.applied} | ${o.stored === 0 ? 'wrong turn' : 'miss'} |`,
      );
    }
  }
  out.push(
    '',
    '### Cases read in the wrong orientation',
    '',
    '| engine | page | stored turned by | engine turned by | kind |',
    '| --- | --- | ---: | ---: | --- |',
    ...details,
  );
  console.log(out.join('\n'));
}

await main();
