/**
 * OCR benchmark: accuracy and throughput of the local engine (and, for comparison, native
 * Tesseract) over the shared evaluation corpus.
 *
 *   npx tsx bench/ocr.ts [--corpus ../shared/corpus] [--native | --no-native] [--no-local]
 *                        [--engines paddle,tesseract] [--split tune|holdout]
 *                        [--workers N] [--only substr,substr] [--langs eng+deu]
 *                        [--tune '{"raster":{"pdfDpi":300}}'] [--paddle-tune '{"detMaxSide":960}'] [--quiet]
 *                        [--ignore-case]
 *
 * `--engines` lists the local engines to run (default: all of them); `--split` keeps one half of
 * the corpus (per source folder, documents sorted by path, alternately `tune` and `holdout`), so
 * settings can be tuned on one half and judged on the other. Every page is presumed upright unless
 * the manifest's `kind` says "rotated"; a turn an engine applies to such a page is reported as a
 * wrong turn.
 *
 * Native Tesseract runs when `--native` is given or when the `tesseract` CLI is on PATH (unless
 * `--no-native`); `--tune` overrides the engine's internal tuning (see `EngineTuning`) for
 * experiments; `--langs` gives the local engine one language list for every document instead of
 * each document's own (`eng+deu` is what the host runs by default); `--ignore-case` scores the
 * text with case ignored (SROIE's reference is in capitals where the receipts print lower case, so
 * it shows how much of a receipt's CER is only case); progress goes to stderr, the
 * markdown report to stdout.
 *
 * The corpus (MANIFEST.tsv + documents + NAME.gt.txt ground truth) is read in place and never
 * copied into the repository. Documents are processed one source folder at a time, all documents
 * of a folder submitted at once, so "seconds" is the wall time of that folder on all cores; the
 * two engines take turns folder by folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { OCR_ENGINE_NAMES } from '../local/ocr/engines.js';
import type { OcrEngineName } from '../local/ocr/engines.js';
import { createLocalOcrEngine, DEFAULT_TUNING } from '../local/ocr/index.js';
import type { EngineTuning, LocalOcrEngine } from '../local/ocr/index.js';
import { createPaddleOcrEngine, DEFAULT_PADDLE_TUNING } from '../local/ocr/paddle/index.js';
import type { PaddleTuning } from '../local/ocr/paddle/index.js';
import { characterErrors, unorderedWordErrors, wordErrors } from '../local/ocr/metrics.js';
import { groupByFolder, loadCorpus, splitHalf } from './ocr-corpus.js';
import type { CorpusDocument } from './ocr-corpus.js';
import type { ErrorCounts } from '../local/ocr/metrics.js';
import { openRasterDocument } from '../local/ocr/rasterize.js';
import type { DetectedText } from '../lambdas/core/ports.js';

/** Native Tesseract gets PDF pages at the resolution its documentation asks for. */
const NATIVE_PDF_DPI = 300;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface DocumentScore {
  doc: CorpusDocument;
  pages: number;
  seconds: number;
  chars: ErrorCounts;
  words: ErrorCounts;
  /** Word errors with the words in any order (forms: reading order is the ground truth's choice). */
  anyOrder: ErrorCounts;
  /** Clockwise turn the engine applied to each page (local engines). */
  turns?: number[];
  error?: string;
}

interface FolderScore {
  folder: string;
  docs: DocumentScore[];
  pages: number;
  seconds: number;
  /** CPU time of this process (all threads) plus its child processes, in seconds. */
  cpuSeconds: number;
  /** Peak resident set size of this process while the folder ran, in bytes. */
  peakRss: number;
}

/** Samples the process's resident set size until stopped; returns the peak. */
function rssSampler(): () => number {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 100);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage.rss());
  };
}

/** Whether the manifest says the document's pages are stored turned (then any turn may be right). */
const mayBeTurned = (doc: CorpusDocument): boolean => /rotated|turned|sideways/iu.test(doc.kind);

/** Pages turned although the manifest presents the document as upright. */
const wrongTurns = (d: DocumentScore): number =>
  mayBeTurned(d.doc) ? 0 : (d.turns ?? []).filter((t) => t !== 0).length;

/** CPU seconds (user + system) this process, including its worker threads, has used so far. */
function processCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** How the tesseract.js engine finds a page's turn, for the configuration line. */
function orientationOf(config: EngineTuning): string {
  if (!config.detectOrientation) return 'not detected';
  return config.strategy === 'osd'
    ? `by OSD (${config.osdMinCharacters} glyphs) before recognition`
    : 'from the reading (words on end: sideways; a poor reading: turned over)';
}

/** Page texts of a Textract answer: LINE texts in order, pages separated by a blank line. */
function textOf(result: DetectedText): string {
  const pages = new Map<number, string[]>();
  for (const block of result.Blocks) {
    if (block.BlockType !== 'LINE') continue;
    const page = block.Page ?? 1;
    pages.set(page, [...(pages.get(page) ?? []), block.Text ?? '']);
  }
  return [...pages.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, lines]) => lines.join('\n'))
    .join('\n\n');
}

function score(doc: CorpusDocument, read: string, pages: number, seconds: number): DocumentScore {
  const text = doc.ignoreCase === true ? read.toLocaleLowerCase('und') : read;
  return {
    doc,
    pages,
    seconds,
    chars: characterErrors(text, doc.groundTruth),
    words: wordErrors(text, doc.groundTruth),
    anyOrder: unorderedWordErrors(text, doc.groundTruth),
  };
}

function failed(doc: CorpusDocument, error: unknown): DocumentScore {
  const length = characterErrors('', doc.groundTruth).length;
  return {
    doc,
    pages: doc.pages,
    seconds: 0,
    chars: { errors: length, length },
    words: wordErrors('', doc.groundTruth),
    anyOrder: unorderedWordErrors('', doc.groundTruth),
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
}

/** Starts every worker and lets WebAssembly warm up, so the timings show steady-state throughput. */
async function warmUp(engine: LocalOcrEngine, workers: number): Promise<void> {
  let png: Buffer;
  try {
    png = await sharp({ text: { text: 'Warm-up page 12345', dpi: 300 } })
      .flatten({ background: '#ffffff' })
      .extend({ top: 40, bottom: 40, left: 40, right: 40, background: '#ffffff' })
      .png()
      .toBuffer();
  } catch {
    png = await sharp({ create: { width: 400, height: 100, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
  }
  await Promise.all(Array.from({ length: workers * 2 }, () => engine.detectDocumentText(png, 'image/png')));
}

/** Local engines by language list, started and warmed up before any timing. */
type LocalEngines = (lang: string) => LocalOcrEngine;

async function startLocal(
  name: OcrEngineName,
  langs: string[],
  workers: number,
  tuning: Partial<EngineTuning>,
  paddleTuning: Partial<PaddleTuning>,
): Promise<{ engineFor: LocalEngines; close: () => Promise<void> }> {
  const engines = new Map<string, LocalOcrEngine>();
  // The Paddle engine reads Latin script whatever the language: one engine serves all documents.
  for (const lang of name === 'paddle' ? ['any'] : langs) {
    const engine =
      name === 'paddle'
        ? createPaddleOcrEngine({ workers }, paddleTuning)
        : createLocalOcrEngine({ languages: lang, workers }, tuning);
    engines.set(lang, engine);
    await warmUp(engine, workers);
  }
  return {
    engineFor: (lang) => {
      const engine = engines.get(name === 'paddle' ? 'any' : lang);
      if (engine === undefined) throw new Error(`No local engine for ${lang}`);
      return engine;
    },
    close: async () => {
      await Promise.all([...engines.values()].map((e) => e.close()));
    },
  };
}

/** One source folder on a local engine: all its documents submitted at once. */
async function localFolder(
  name: string,
  folder: string,
  group: CorpusDocument[],
  engineFor: LocalEngines,
  langOf: (doc: CorpusDocument) => string,
  log: (line: string) => void,
): Promise<FolderScore> {
  const started = performance.now();
  const cpuStarted = processCpuSeconds();
  const stopRss = rssSampler();
  const outcomes = await Promise.all(
    group.map(async (doc) => {
      const t0 = performance.now();
      const turns: number[] = [];
      try {
        const result = await engineFor(langOf(doc)).detectDocumentText(
          await readFile(doc.file),
          doc.contentType,
          undefined,
          { onOrientation: (page, degrees) => (turns[page - 1] = degrees) },
        );
        return { doc, result, turns, seconds: (performance.now() - t0) / 1000 };
      } catch (error) {
        return { doc, error };
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = processCpuSeconds() - cpuStarted;
  const peakRss = stopRss();
  // Scored after the clock stops, as for native Tesseract: the edit distance of a long paper takes
  // about a second of the main thread and is no part of the OCR.
  const scores = outcomes.map((outcome) => {
    if (!('result' in outcome) || outcome.result === undefined) {
      log(`  ${name} ${outcome.doc.path}: FAILED ${String(outcome.error)}`);
      return failed(outcome.doc, outcome.error);
    }
    const { doc, result } = outcome;
    const s = {
      ...score(doc, textOf(result), result.DocumentMetadata.Pages, outcome.seconds),
      turns: outcome.turns,
    };
    log(
      `  ${name} ${doc.path}: ${s.pages} p, ${outcome.seconds.toFixed(1)} s, CER ${pct(rate(s.chars))}, turns ${s.turns.join('/')}`,
    );
    return s;
  });
  return folderScore(folder, scores, seconds, cpuSeconds, peakRss);
}

function folderScore(
  folder: string,
  docs: DocumentScore[],
  seconds: number,
  cpuSeconds: number,
  peakRss = 0,
): FolderScore {
  return { folder, docs, pages: docs.reduce((n, d) => n + d.pages, 0), seconds, cpuSeconds, peakRss };
}

/** `tesseract --version` first line, or undefined when the CLI is not installed. */
function nativeVersion(): string | undefined {
  const result = spawnSync('tesseract', ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return (result.stdout || result.stderr).split('\n')[0]?.trim();
}

function nativeLanguages(): Set<string> {
  const result = spawnSync('tesseract', ['--list-langs'], { encoding: 'utf8' });
  return new Set(
    (result.stdout ?? '')
      .split('\n')
      .slice(1)
      .map((l) => l.trim()),
  );
}

/**
 * Runs the tesseract CLI on one image. A tiny shell wrapper reports the CPU time of the process
 * (`times`), since wall time on a shared machine says little.
 */
function tesseractCli(image: string, lang: string): Promise<{ text: string; cpuSeconds: number }> {
  return new Promise((resolve, reject) => {
    const script = 'tesseract "$@"; status=$?; times >&2; exit $status';
    // One single-threaded process per core: OpenMP inside Tesseract only adds contention then.
    const child = spawn('sh', ['-c', script, 'sh', image, 'stdout', '-l', lang], {
      env: { ...process.env, OMP_THREAD_LIMIT: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8');
      // The second line of `times` is the children's user and system time: "0m3.120s 0m0.150s".
      const times = [...stderr.matchAll(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/gu)].at(-1);
      const cpuSeconds = times
        ? Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4])
        : 0;
      if (code === 0) resolve({ text: Buffer.concat(out).toString('utf8'), cpuSeconds });
      else reject(new Error(`tesseract exited with ${code}: ${stderr.trim()}`));
    });
  });
}

/** Runs `tasks` with at most `limit` in flight, keeping results in order. */
async function mapLimit<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** One source folder on native Tesseract: all its pages share one queue of `workers` processes. */
async function nativeFolder(
  folder: string,
  group: CorpusDocument[],
  workers: number,
  raster: EngineTuning['raster'],
  tmp: string,
  log: (line: string) => void,
): Promise<FolderScore> {
  const started = performance.now();
  const cpuStarted = processCpuSeconds();
  // PDF pages are rendered to PNG with the engine's own rasterizer inside the timed section.
  const pageJobs = await Promise.all(
    group.map(async (doc) => {
      if (doc.contentType !== 'application/pdf') return [{ doc, page: 0, render: async () => doc.file }];
      const pdf = await openRasterDocument(await readFile(doc.file), doc.contentType, raster);
      let rendered = 0;
      return Array.from({ length: pdf.pageCount }, (_, page) => ({
        doc,
        page,
        render: async () => {
          const image = await pdf.renderPage(page);
          const file = path.join(tmp, `${folder}-${path.basename(doc.path)}-${page + 1}.png`);
          await writeFile(file, image.png);
          rendered += 1;
          if (rendered === pdf.pageCount) await pdf.close();
          return file;
        },
      }));
    }),
  );
  const texts = await mapLimit(pageJobs.flat(), workers, async (job) => {
    try {
      return { job, ...(await tesseractCli(await job.render(), job.doc.lang)) };
    } catch (error) {
      return { job, text: '', cpuSeconds: 0, error };
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = processCpuSeconds() - cpuStarted + texts.reduce((n, t) => n + t.cpuSeconds, 0);
  const scores = group.map((doc) => {
    const pages = texts.filter((t) => t.job.doc === doc).sort((a, b) => a.job.page - b.job.page);
    const problem = pages.find((p) => p.error !== undefined)?.error;
    if (problem !== undefined) {
      log(`  native ${doc.path}: FAILED ${String(problem)}`);
      return failed(doc, problem);
    }
    const s = score(doc, pages.map((p) => p.text).join('\n\n'), pages.length, 0);
    log(`  native ${doc.path}: ${s.pages} p, CER ${pct(rate(s.chars))}`);
    return s;
  });
  return folderScore(folder, scores, seconds, cpuSeconds);
}

const rate = (c: ErrorCounts): number => (c.length === 0 ? 0 : c.errors / c.length);
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const sum = (counts: ErrorCounts[]): ErrorCounts => ({
  errors: counts.reduce((n, c) => n + c.errors, 0),
  length: counts.reduce((n, c) => n + c.length, 0),
});

const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)}`;

function folderTable(title: string, folders: FolderScore[], local = true): string {
  const extra = (docs: DocumentScore[], rss: number): string =>
    local ? ` ${docs.reduce((n, d) => n + wrongTurns(d), 0)} | ${mib(rss)} |` : '';
  const rows = folders.map((f) => {
    const chars = sum(f.docs.map((d) => d.chars));
    const words = sum(f.docs.map((d) => d.words));
    const anyOrder = sum(f.docs.map((d) => d.anyOrder));
    const failures = f.docs.filter((d) => d.error !== undefined).length;
    return `| ${f.folder} | ${f.docs.length}${failures ? ` (${failures} failed)` : ''} | ${f.pages} | ${f.seconds.toFixed(1)} | ${(f.pages / f.seconds).toFixed(2)} | ${(f.cpuSeconds / f.pages).toFixed(2)} | ${pct(rate(chars))} | ${pct(rate(words))} | ${pct(rate(anyOrder))} |${extra(f.docs, f.peakRss)}`;
  });
  const all = folders.flatMap((f) => f.docs);
  const pages = folders.reduce((n, f) => n + f.pages, 0);
  const seconds = folders.reduce((n, f) => n + f.seconds, 0);
  const cpu = folders.reduce((n, f) => n + f.cpuSeconds, 0);
  const rss = Math.max(0, ...folders.map((f) => f.peakRss));
  rows.push(
    `| **overall** | ${all.length} | ${pages} | ${seconds.toFixed(1)} | ${(pages / seconds).toFixed(2)} | ${(cpu / pages).toFixed(2)} | ${pct(rate(sum(all.map((d) => d.chars))))} | ${pct(rate(sum(all.map((d) => d.words))))} | ${pct(rate(sum(all.map((d) => d.anyOrder))))} |${extra(all, rss)}`,
  );
  return [
    `### ${title}`,
    '',
    `| source | docs | pages | seconds | pages/s | CPU s/page | CER | WER | WER any order |${local ? ' wrong turns | peak RSS MiB |' : ''}`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${local ? ' ---: | ---: |' : ''}`,
    ...rows,
  ].join('\n');
}

/** CER of every engine side by side, per source folder and overall. */
function comparisonTable(results: { name: string; folders: FolderScore[] }[]): string {
  const folders = results[0]?.folders.map((f) => f.folder) ?? [];
  const cell = (docs: DocumentScore[]): string => pct(rate(sum(docs.map((d) => d.chars))));
  const rows = results.map((r) => {
    const cpu = r.folders.reduce((n, f) => n + f.cpuSeconds, 0) / r.folders.reduce((n, f) => n + f.pages, 0);
    const docs = r.folders.flatMap((f) => f.docs);
    return `| ${r.name} | ${cell(docs)} | ${pct(rate(sum(docs.map((d) => d.words))))} | ${pct(rate(sum(docs.map((d) => d.anyOrder))))} | ${cpu.toFixed(2)} | ${folders.map((name) => cell(r.folders.find((f) => f.folder === name)?.docs ?? [])).join(' | ')} |`;
  });
  return [
    '### Side by side',
    '',
    `| engine | CER | WER | WER any order | CPU s/page | ${folders.map((f) => `${f} CER`).join(' | ')} |`,
    `| --- | ---: | ---: | ---: | ---: | ${folders.map(() => '---:').join(' | ')} |`,
    ...rows,
  ].join('\n');
}

function documentTable(results: { name: string; folders: FolderScore[]; local: boolean }[]): string {
  const byPath = results.map(
    (r) => new Map(r.folders.flatMap((f) => f.docs.map((d) => [d.doc.path, d] as const))),
  );
  const header = [
    `| document | pages | ${results.map((r) => `${r.name} CER | ${r.name} WER${r.local ? ` | ${r.name} turns` : ''}`).join(' | ')} |`,
    `| --- | ---: | ${results.map((r) => `---: | ---:${r.local ? ' | ---' : ''}`).join(' | ')} |`,
  ];
  const docs = results[0]?.folders.flatMap((f) => f.docs.map((d) => d.doc)) ?? [];
  const rows = docs.map((doc) => {
    const cells = [doc.path, String(doc.pages)];
    results.forEach((r, i) => {
      const d = byPath[i]?.get(doc.path);
      cells.push(d ? pct(rate(d.chars)) : '–', d ? pct(rate(d.words)) : '–');
      if (r.local) {
        const turns = d?.turns?.join('/') ?? '–';
        cells.push(d !== undefined && wrongTurns(d) > 0 ? `**${turns} (wrong)**` : turns);
      }
    });
    return `| ${cells.join(' | ')} |`;
  });
  return ['### Per document', '', ...header, ...rows].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string', default: path.resolve(repoRoot, '..', 'shared', 'corpus') },
      native: { type: 'boolean', default: false },
      'no-local': { type: 'boolean', default: false },
      'no-native': { type: 'boolean', default: false },
      engines: { type: 'string', default: OCR_ENGINE_NAMES.join(',') },
      split: { type: 'string' },
      workers: { type: 'string' },
      only: { type: 'string' },
      tune: { type: 'string' },
      'paddle-tune': { type: 'string' },
      langs: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'ignore-case': { type: 'boolean', default: false },
    },
  });
  const corpus = path.resolve(values.corpus);
  const workers = values.workers ? Number(values.workers) : os.availableParallelism();
  const only = values.only?.split(',').filter((s) => s !== '');
  const tuning = values.tune ? (JSON.parse(values.tune) as Partial<EngineTuning>) : {};
  const paddleTuning = values['paddle-tune']
    ? (JSON.parse(values['paddle-tune']) as Partial<PaddleTuning>)
    : {};
  const engineNames = values['no-local']
    ? []
    : values.engines.split(',').filter((e): e is OcrEngineName => {
        if ((OCR_ENGINE_NAMES as readonly string[]).includes(e)) return true;
        console.error(`Unknown engine ${e}; known: ${OCR_ENGINE_NAMES.join(', ')}`);
        process.exit(2);
      });
  if (values.split !== undefined && values.split !== 'tune' && values.split !== 'holdout') {
    console.error('--split takes tune or holdout');
    process.exit(2);
  }
  const log = values.quiet ? () => undefined : (line: string) => console.error(line);
  const everything = await loadCorpus(corpus, only);
  const halves = values.split === undefined ? everything : splitHalf(everything, values.split);
  const docs = values['ignore-case']
    ? halves.map((d) => ({ ...d, groundTruth: d.groundTruth.toLocaleLowerCase('und'), ignoreCase: true }))
    : halves;
  if (docs.length === 0) {
    console.error(`No documents selected from ${corpus}`);
    process.exit(2);
  }

  const version = nativeVersion();
  let runNativeToo = values.native || (version !== undefined && !values['no-native']);
  if (values.native && version === undefined) {
    console.error(
      'Native Tesseract is not installed; skipping the comparison. On Debian/Ubuntu:\n' +
        '  sudo apt-get install -y tesseract-ocr tesseract-ocr-deu',
    );
    runNativeToo = false;
  }
  if (runNativeToo) {
    const installed = nativeLanguages();
    const missing = [...new Set(docs.map((d) => d.lang))].filter((l) => !installed.has(l));
    if (missing.length > 0) {
      console.error(
        `Native Tesseract lacks languages ${missing.join(', ')}; skipping the comparison. ` +
          `Install them, e.g. sudo apt-get install -y ${missing.map((l) => `tesseract-ocr-${l}`).join(' ')}`,
      );
      runNativeToo = false;
    }
  }

  const cpus = os.cpus();
  const out: string[] = [
    '## OCR benchmark',
    '',
    `Corpus: ${corpus}${values.split ? `, **${values.split} half**` : ''} (${docs.length} documents, ${docs.reduce((n, d) => n + d.pages, 0)} pages). ` +
      `Machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}. Workers/processes: ${workers}.`,
    '',
  ];
  if (values.split !== undefined) {
    out.push(`Documents of the ${values.split} half: ${docs.map((d) => d.path).join(', ')}.`, '');
  }

  const config: EngineTuning = {
    ...DEFAULT_TUNING,
    ...tuning,
    raster: { ...DEFAULT_TUNING.raster, ...tuning.raster },
  };
  const paddleConfig: PaddleTuning = {
    ...DEFAULT_PADDLE_TUNING,
    ...paddleTuning,
    raster: { ...DEFAULT_PADDLE_TUNING.raster, ...paddleTuning.raster },
  };
  const langOf = (doc: CorpusDocument): string => values.langs ?? doc.lang;
  const engines: { name: OcrEngineName; run: Awaited<ReturnType<typeof startLocal>> }[] = [];
  for (const name of engineNames) {
    log(`Starting the ${name} engine (${workers} workers)…`);
    engines.push({
      name,
      run: await startLocal(name, [...new Set(docs.map(langOf))], workers, tuning, paddleTuning),
    });
  }
  const tmp = runNativeToo ? await mkdtemp(path.join(os.tmpdir(), 'untxt-bench-')) : undefined;
  const nativeRaster = { ...DEFAULT_TUNING.raster, pdfDpi: NATIVE_PDF_DPI };
  const local = new Map<string, FolderScore[]>(engineNames.map((n) => [n, []]));
  const native: FolderScore[] = [];
  const load: number[] = [];
  try {
    // Engines take turns per source folder, so a change in the machine's load during the run
    // falls on all of them instead of on whichever engine ran last.
    for (const [folder, group] of groupByFolder(docs)) {
      for (const engine of engines) {
        load.push(os.loadavg()[0] ?? 0);
        log(`${engine.name} ${folder}…`);
        local
          .get(engine.name)
          ?.push(await localFolder(engine.name, folder, group, engine.run.engineFor, langOf, log));
      }
      if (tmp !== undefined) {
        load.push(os.loadavg()[0] ?? 0);
        log(`native ${folder}…`);
        native.push(await nativeFolder(folder, group, workers, nativeRaster, tmp, log));
      }
    }
  } finally {
    for (const engine of engines) await engine.run.close();
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  }
  const cores = os.availableParallelism();
  const busiest = Math.max(...load);
  out.push(
    `Load average (1 min) as each folder started: ${Math.min(...load).toFixed(1)}–${busiest.toFixed(1)} on ${cores} cores. ` +
      (busiest > cores
        ? 'Other processes competed for the CPU: wall times are disturbed more than CPU times; repeat the run.'
        : 'No more than the cores: an undisturbed run.'),
    '',
  );
  const results: { name: string; folders: FolderScore[]; local: boolean }[] = [];
  for (const name of engineNames) {
    const folders = local.get(name) ?? [];
    results.push({ name, folders, local: true });
    if (name === 'tesseract') {
      out.push(
        `tesseract engine configuration: model \`${config.model}\`, languages ${values.langs ?? 'per document (MANIFEST `lang`)'}, ` +
          `PDFs at ${config.raster.pdfDpi ?? 300} dpi, psm ${config.psm} (pages ≥ ${config.tallAspect}× taller than wide: psm ${config.tallPsm}), ` +
          `orientation ${orientationOf(config)}, ` +
          `${config.cropToPaper ? `scans showing more than the paper cut to it and read at psm ${config.cutPsm}` : 'no cut to the paper'}, ` +
          `small print (median word under ${config.smallPrintHeight} px) ${config.smallPrintHeight > 0 ? `read again enlarged to ${config.targetPrintHeight} px` : 'not enlarged'}, ` +
          `Tesseract parameters ${JSON.stringify(config.params)}.`,
        '',
        folderTable(`tesseract engine (tesseract.js 7, WebAssembly, ${workers} workers)`, folders),
        '',
      );
    } else {
      out.push(
        `paddle engine configuration: PP-OCRv4 mobile det/rec (ONNX Runtime, CPU), detector input ≤ ${(paddleConfig.detMaxPixels / 1e6).toFixed(1)} Mpx, ` +
          `PDFs at ${paddleConfig.raster.pdfDpi ?? 300} dpi, orientation ${paddleConfig.detectOrientation ? 'from box shapes and the direction classifier' : 'not detected'}.`,
        '',
        folderTable(`paddle engine (onnxruntime-node, ${workers} pages at once)`, folders),
        '',
      );
    }
  }
  if (runNativeToo) {
    results.push({ name: 'native', folders: native, local: false });
    out.push(
      folderTable(
        `Native ${version} (CLI defaults, --psm 3, OMP_THREAD_LIMIT=1, ${workers} processes)`,
        native,
        false,
      ),
      '',
    );
  }
  if (results.length > 0) out.push(comparisonTable(results), '', documentTable(results), '');
  out.push(
    'Seconds are wall time per source folder with all its documents submitted at once, rendering of PDF ' +
      'pages included for all engines (PDF pages are rendered by the engine’s pdf.js rasterizer for native ' +
      `Tesseract too, at ${NATIVE_PDF_DPI} dpi; the local engines render at ` +
      `${config.raster.pdfDpi} dpi (tesseract) and ${paddleConfig.raster.pdfDpi} dpi (paddle)). CPU s/page is the CPU time of the benchmark ` +
      'process and its children per page, which is less disturbed by other load than wall time. Peak RSS is the whole ' +
      'benchmark process (all engines that are running share it; run one engine alone with --engines for its own figure). ' +
      'Wrong turns count pages an engine turned although the manifest presents the document as upright. ' +
      'Local engines are started and warmed up before timing, as a long-running host ' +
      'would be; native Tesseract starts one process per page. CER/WER are summed edit distances over summed ' +
      'ground-truth lengths after NFKC and whitespace normalisation. "WER any order" lets the words be ' +
      'reordered for free (max(|hyp|, |ref|) − common words): forms and receipts can be read in more than ' +
      'one fair order, and CER/WER count a different order as errors.' +
      (values['ignore-case']
        ? ' **Case ignored** (--ignore-case): text and reference compared in lower case.'
        : ''),
    '',
    'Reproduce:',
    '',
    '```sh',
    `npx tsx bench/ocr.ts --corpus ${path.relative(process.cwd(), corpus) || '.'}${runNativeToo ? ' --native' : ' --no-native'}` +
      `${values['no-local'] ? ' --no-local' : ` --engines ${engineNames.join(',')}`}${values.split ? ` --split ${values.split}` : ''}` +
      `${values.workers ? ` --workers ${workers}` : ''}${values.only ? ` --only ${values.only}` : ''}${values.tune ? ` --tune '${values.tune}'` : ''}` +
      `${values['paddle-tune'] ? ` --paddle-tune '${values['paddle-tune']}'` : ''}${values.langs ? ` --langs ${values.langs}` : ''}${values['ignore-case'] ? ' --ignore-case' : ''}`,
    '```',
  );
  console.log(out.join('\n'));
}

await main();
