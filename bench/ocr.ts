/**
 * OCR benchmark: accuracy and throughput of the local engine (and, for comparison, native
 * Tesseract) over the shared evaluation corpus.
 *
 *   npx tsx bench/ocr.ts [--corpus ../shared/corpus] [--native | --no-native] [--no-local]
 *                        [--workers N] [--only substr,substr] [--langs eng+deu]
 *                        [--tune '{"raster":{"pdfDpi":300}}'] [--quiet]
 *
 * Native Tesseract runs when `--native` is given or when the `tesseract` CLI is on PATH (unless
 * `--no-native`); `--tune` overrides the engine's internal tuning (see `EngineTuning`) for
 * experiments; `--langs` gives the local engine one language list for every document instead of
 * each document's own (`eng+deu` is what the host runs by default); progress goes to stderr, the
 * markdown report to stdout.
 *
 * The corpus (MANIFEST.tsv + documents + NAME.gt.txt ground truth) is read in place and never
 * copied into the repository. Documents are processed one source folder at a time, all documents
 * of a folder submitted at once, so "seconds" is the wall time of that folder on all cores; the
 * two engines take turns folder by folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createLocalOcrEngine, DEFAULT_TUNING } from '../local/ocr/index.js';
import type { EngineTuning, LocalOcrEngine } from '../local/ocr/index.js';
import { characterErrors, wordErrors } from '../local/ocr/metrics.js';
import type { ErrorCounts } from '../local/ocr/metrics.js';
import { openRasterDocument } from '../local/ocr/rasterize.js';
import type { DetectedText } from '../lambdas/core/ports.js';

/** Native Tesseract gets PDF pages at the resolution its documentation asks for. */
const NATIVE_PDF_DPI = 300;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface CorpusDocument {
  path: string;
  source: string;
  kind: string;
  pages: number;
  lang: string;
  file: string;
  contentType: string;
  groundTruth: string;
}

interface DocumentScore {
  doc: CorpusDocument;
  pages: number;
  seconds: number;
  chars: ErrorCounts;
  words: ErrorCounts;
  error?: string;
}

interface FolderScore {
  folder: string;
  docs: DocumentScore[];
  pages: number;
  seconds: number;
  /** CPU time of this process (all threads) plus its child processes, in seconds. */
  cpuSeconds: number;
}

/** CPU seconds (user + system) this process, including its worker threads, has used so far. */
function processCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

const CONTENT_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.webp': 'image/webp',
};

async function loadCorpus(corpus: string, only: string[] | undefined): Promise<CorpusDocument[]> {
  const manifestPath = path.join(corpus, 'MANIFEST.tsv');
  if (!existsSync(manifestPath)) {
    console.error(
      `OCR corpus not found: ${manifestPath} does not exist.\n` +
        'The benchmark needs the shared evaluation corpus (MANIFEST.tsv, documents and NAME.gt.txt files);\n' +
        'pass its location with --corpus <dir>. It is not part of the repository.',
    );
    process.exit(2);
  }
  const [header, ...rows] = (await readFile(manifestPath, 'utf8'))
    .split(/\r?\n/u)
    .filter((l) => l.trim() !== '');
  const columns = (header ?? '').split('\t');
  const docs: CorpusDocument[] = [];
  for (const row of rows) {
    const cells = row.split('\t');
    const get = (name: string): string => cells[columns.indexOf(name)] ?? '';
    const relative = get('path');
    if (only && !only.some((o) => relative.includes(o))) continue;
    const ext = path.extname(relative).toLowerCase();
    const contentType = CONTENT_TYPES[ext];
    if (contentType === undefined) {
      console.warn(`skipping ${relative}: unsupported extension`);
      continue;
    }
    const file = path.join(corpus, relative);
    const gtFile = file.slice(0, -ext.length) + '.gt.txt';
    docs.push({
      path: relative,
      source: get('source'),
      kind: get('kind'),
      pages: Number(get('pages')) || 1,
      lang: get('lang') || 'eng',
      file,
      contentType,
      groundTruth: await readFile(gtFile, 'utf8'),
    });
  }
  return docs;
}

const folderOf = (doc: CorpusDocument): string => doc.path.split('/')[0] ?? '.';

function groupByFolder(docs: CorpusDocument[]): Map<string, CorpusDocument[]> {
  const groups = new Map<string, CorpusDocument[]>();
  for (const doc of docs) groups.set(folderOf(doc), [...(groups.get(folderOf(doc)) ?? []), doc]);
  return groups;
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

function score(doc: CorpusDocument, text: string, pages: number, seconds: number): DocumentScore {
  return {
    doc,
    pages,
    seconds,
    chars: characterErrors(text, doc.groundTruth),
    words: wordErrors(text, doc.groundTruth),
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
  langs: string[],
  workers: number,
  tuning: Partial<EngineTuning>,
): Promise<{ engineFor: LocalEngines; close: () => Promise<void> }> {
  const engines = new Map<string, LocalOcrEngine>();
  for (const lang of langs) {
    const engine = createLocalOcrEngine({ languages: lang, workers }, tuning);
    engines.set(lang, engine);
    await warmUp(engine, workers);
  }
  return {
    engineFor: (lang) => {
      const engine = engines.get(lang);
      if (engine === undefined) throw new Error(`No local engine for ${lang}`);
      return engine;
    },
    close: async () => {
      await Promise.all([...engines.values()].map((e) => e.close()));
    },
  };
}

/** One source folder on the local engine: all its documents submitted at once. */
async function localFolder(
  folder: string,
  group: CorpusDocument[],
  engineFor: LocalEngines,
  langOf: (doc: CorpusDocument) => string,
  log: (line: string) => void,
): Promise<FolderScore> {
  const started = performance.now();
  const cpuStarted = processCpuSeconds();
  const outcomes = await Promise.all(
    group.map(async (doc) => {
      const t0 = performance.now();
      try {
        const result = await engineFor(langOf(doc)).detectDocumentText(
          await readFile(doc.file),
          doc.contentType,
        );
        return { doc, result, seconds: (performance.now() - t0) / 1000 };
      } catch (error) {
        return { doc, error };
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = processCpuSeconds() - cpuStarted;
  // Scored after the clock stops, as for native Tesseract: the edit distance of a long paper takes
  // about a second of the main thread and is no part of the OCR.
  const scores = outcomes.map((outcome) => {
    if (!('result' in outcome) || outcome.result === undefined) {
      log(`  local  ${outcome.doc.path}: FAILED ${String(outcome.error)}`);
      return failed(outcome.doc, outcome.error);
    }
    const { doc, result } = outcome;
    const s = score(doc, textOf(result), result.DocumentMetadata.Pages, outcome.seconds);
    log(`  local  ${doc.path}: ${s.pages} p, ${outcome.seconds.toFixed(1)} s, CER ${pct(rate(s.chars))}`);
    return s;
  });
  return folderScore(folder, scores, seconds, cpuSeconds);
}

function folderScore(
  folder: string,
  docs: DocumentScore[],
  seconds: number,
  cpuSeconds: number,
): FolderScore {
  return { folder, docs, pages: docs.reduce((n, d) => n + d.pages, 0), seconds, cpuSeconds };
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

function folderTable(title: string, folders: FolderScore[]): string {
  const rows = folders.map((f) => {
    const chars = sum(f.docs.map((d) => d.chars));
    const words = sum(f.docs.map((d) => d.words));
    const failures = f.docs.filter((d) => d.error !== undefined).length;
    return `| ${f.folder} | ${f.docs.length}${failures ? ` (${failures} failed)` : ''} | ${f.pages} | ${f.seconds.toFixed(1)} | ${(f.pages / f.seconds).toFixed(2)} | ${(f.cpuSeconds / f.pages).toFixed(2)} | ${pct(rate(chars))} | ${pct(rate(words))} |`;
  });
  const all = folders.flatMap((f) => f.docs);
  const pages = folders.reduce((n, f) => n + f.pages, 0);
  const seconds = folders.reduce((n, f) => n + f.seconds, 0);
  const cpu = folders.reduce((n, f) => n + f.cpuSeconds, 0);
  rows.push(
    `| **overall** | ${all.length} | ${pages} | ${seconds.toFixed(1)} | ${(pages / seconds).toFixed(2)} | ${(cpu / pages).toFixed(2)} | ${pct(rate(sum(all.map((d) => d.chars))))} | ${pct(rate(sum(all.map((d) => d.words))))} |`,
  );
  return [
    `### ${title}`,
    '',
    '| source | docs | pages | seconds | pages/s | CPU s/page | CER | WER |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

function documentTable(local: FolderScore[], native: FolderScore[] | undefined): string {
  const nativeByPath = new Map(native?.flatMap((f) => f.docs.map((d) => [d.doc.path, d] as const)) ?? []);
  const header = native
    ? [
        '| document | kind | pages | local CER | local WER | native CER | native WER |',
        '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
      ]
    : ['| document | kind | pages | local CER | local WER |', '| --- | --- | ---: | ---: | ---: |'];
  const rows = local.flatMap((f) =>
    f.docs.map((d) => {
      const cells = [d.doc.path, d.doc.kind, String(d.pages), pct(rate(d.chars)), pct(rate(d.words))];
      const n = nativeByPath.get(d.doc.path);
      if (native) cells.push(n ? pct(rate(n.chars)) : '–', n ? pct(rate(n.words)) : '–');
      return `| ${cells.join(' | ')} |`;
    }),
  );
  return ['### Per document', '', ...header, ...rows].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string', default: path.resolve(repoRoot, '..', 'shared', 'corpus') },
      native: { type: 'boolean', default: false },
      'no-local': { type: 'boolean', default: false },
      'no-native': { type: 'boolean', default: false },
      workers: { type: 'string' },
      only: { type: 'string' },
      tune: { type: 'string' },
      langs: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const corpus = path.resolve(values.corpus);
  const workers = values.workers ? Number(values.workers) : os.availableParallelism();
  const only = values.only?.split(',').filter((s) => s !== '');
  const tuning = values.tune ? (JSON.parse(values.tune) as Partial<EngineTuning>) : {};
  const log = values.quiet ? () => undefined : (line: string) => console.error(line);
  const docs = await loadCorpus(corpus, only);
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
    `Corpus: ${corpus} (${docs.length} documents, ${docs.reduce((n, d) => n + d.pages, 0)} pages). ` +
      `Machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}. Workers/processes: ${workers}.`,
    '',
  ];

  const config: EngineTuning = {
    ...DEFAULT_TUNING,
    ...tuning,
    raster: { ...DEFAULT_TUNING.raster, ...tuning.raster },
  };
  const langOf = (doc: CorpusDocument): string => values.langs ?? doc.lang;
  const localOn = !values['no-local'];
  let engines: Awaited<ReturnType<typeof startLocal>> | undefined;
  if (localOn) {
    log(`Starting the local engine (tesseract.js, ${workers} workers)…`);
    engines = await startLocal([...new Set(docs.map(langOf))], workers, tuning);
  }
  const tmp = runNativeToo ? await mkdtemp(path.join(os.tmpdir(), 'untxt-bench-')) : undefined;
  const nativeRaster = { ...DEFAULT_TUNING.raster, pdfDpi: NATIVE_PDF_DPI };
  const local: FolderScore[] = [];
  const native: FolderScore[] = [];
  const load = { local: [] as number[], native: [] as number[] };
  try {
    // Engines take turns per source folder, so a change in the machine's load during the run
    // falls on both instead of on whichever engine ran second.
    for (const [folder, group] of groupByFolder(docs)) {
      if (engines !== undefined) {
        load.local.push(os.loadavg()[0] ?? 0);
        log(`Local  ${folder}…`);
        local.push(await localFolder(folder, group, engines.engineFor, langOf, log));
      }
      if (tmp !== undefined) {
        load.native.push(os.loadavg()[0] ?? 0);
        log(`Native ${folder}…`);
        native.push(await nativeFolder(folder, group, workers, nativeRaster, tmp, log));
      }
    }
  } finally {
    await engines?.close();
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  }
  const loadRange = (values: number[]): string =>
    `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`;
  const cores = os.availableParallelism();
  const busiest = Math.max(...load.local, ...load.native);
  out.push(
    `Load average (1 min) as each folder started: ${[
      ...(localOn ? [`local ${loadRange(load.local)}`] : []),
      ...(runNativeToo ? [`native ${loadRange(load.native)}`] : []),
    ].join(', ')} on ${cores} cores. ` +
      (busiest > cores
        ? 'Other processes competed for the CPU: wall times are disturbed more than CPU times; repeat the run.'
        : 'No more than the cores: an undisturbed run.'),
    '',
  );
  if (localOn) {
    out.push(
      `Local engine configuration: model \`${config.model}\`, languages ${values.langs ?? 'per document (MANIFEST `lang`)'}, ` +
        `PDFs at ${config.raster.pdfDpi ?? 300} dpi, psm ${config.psm} (pages ≥ ${config.tallAspect}× taller than wide: psm ${config.tallPsm}), ` +
        `orientation ${config.detectOrientation ? `by OSD (${config.osdMinCharacters} glyphs) before recognition` : 'not detected'}, ` +
        `Tesseract parameters ${JSON.stringify(config.params)}.`,
      '',
      folderTable(`Local engine (tesseract.js 7, WebAssembly, ${workers} workers)`, local),
      '',
    );
  }
  if (runNativeToo) {
    out.push(
      folderTable(
        `Native ${version} (CLI defaults, --psm 3, OMP_THREAD_LIMIT=1, ${workers} processes)`,
        native,
      ),
      '',
    );
  }
  if (local.length > 0) out.push(documentTable(local, runNativeToo ? native : undefined), '');
  out.push(
    'Seconds are wall time per source folder with all its documents submitted at once, rendering of PDF ' +
      'pages included for both engines (PDF pages are rendered by the engine’s pdf.js rasterizer for native ' +
      `Tesseract too, at ${NATIVE_PDF_DPI} dpi; the local engine renders at ` +
      `${tuning.raster?.pdfDpi ?? DEFAULT_TUNING.raster.pdfDpi} dpi). CPU s/page is the CPU time of the benchmark ` +
      'process and its children per page, which is less disturbed by other load than wall time. The local engine is started and warmed up before timing, as a long-running host ' +
      'would be; native Tesseract starts one process per page. CER/WER are summed edit distances over summed ' +
      'ground-truth lengths after NFKC and whitespace normalisation.',
    '',
    'Reproduce:',
    '',
    '```sh',
    `npx tsx bench/ocr.ts --corpus ${path.relative(process.cwd(), corpus) || '.'}${runNativeToo ? ' --native' : ''}` +
      `${values.workers ? ` --workers ${workers}` : ''}${values.only ? ` --only ${values.only}` : ''}${values.tune ? ` --tune '${values.tune}'` : ''}${values.langs ? ` --langs ${values.langs}` : ''}`,
    '```',
  );
  console.log(out.join('\n'));
}

await main();
