/**
 * Builds the dev, unseen and fresh OCR corpora of docs/ocr.md ("Issue #10, second round" →
 * "Corpora") in the layout of ../shared/corpus (MANIFEST.tsv, documents, NAME.gt.txt beside each),
 * from plain checkouts of four public repositories:
 *
 *   npx tsx bench/build-corpus.ts --out /tmp/dev-corpus --set dev|unseen|fresh \
 *     --sroie <ICDAR-2019-SROIE> --funsd <funsd-bench> --receipts <vision-data> --pdfjs <pdf.js>
 *
 * Ground truth: SROIE human box transcripts grouped into lines, FUNSD human word transcripts one
 * entity a line (entities top to bottom, then left to right), the German receipts' Textract LINE
 * text as published, born-digital PDFs their text layer read with pdf.js. Nothing is downloaded.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pdfjsDocumentParams } from '../local/ocr/assets.js';

export type CorpusSet = 'dev' | 'unseen' | 'fresh';
export const CORPUS_SETS: readonly CorpusSet[] = ['dev', 'unseen', 'fresh'];

export type SourceName = 'sroie' | 'funsd' | 'receipts' | 'pdfjs';

/** The public repositories read, and the commits the corpora of docs/ocr.md were built from. */
export const SOURCES: Record<SourceName, { label: string; repo: string; commit: string; license: string }> = {
  sroie: {
    label: 'SROIE',
    repo: 'zzzDavid/ICDAR-2019-SROIE',
    commit: '27be4271b251c256f695acbade9a801bffe85994',
    license: 'repo MIT (code); ICDAR-2019 SROIE data, image license not stated',
  },
  funsd: {
    label: 'FUNSD',
    repo: 'Doc-LD/funsd-bench',
    commit: '388964efaccfb2acfe7f170dad5746852ab62e97',
    license: 'repo MIT (README); FUNSD data for research use (README)',
  },
  receipts: {
    label: 'German receipts',
    repo: 'softmatic/vision-data',
    commit: '9062febd225986dc567777015f11d3db3a363086',
    license: 'CC-BY-4.0 (README)',
  },
  pdfjs: {
    label: 'pdf.js',
    repo: 'mozilla/pdf.js',
    commit: '0f26334f9d6f96119f6e5164fb65832fbbde7344',
    license: 'not stated (pdf.js test corpus; repo code Apache-2.0)',
  },
};

/**
 * The 8 cropped receipts of the unseen corpus: the ones docs/ocr.md reports on ("aldi ×2, ikea,
 * lidl, marktkauf, real, rossmann, toom"). They are not the first 8 of `2D/Receipts/A` by name
 * (that would be aldi ×3, ikea, lidl ×4), so they are listed.
 */
export const UNSEEN_RECEIPTS: readonly string[] = [
  'aldi_18042020_11_00883',
  'aldi_25042020_12_01090',
  'ikea_08102016_12_13439',
  'lidl_02032020_02_00716',
  'marktkauf_03042020_12_02881',
  'real_15042020_04_01946',
  'rossmann_27022020_01_00195',
  'toom_04042020_03_04877',
];

/** What each set takes from each source. Ranges are inclusive; FUNSD ranges index the sorted forms. */
interface SetSpec {
  sroie: [number, number];
  funsd: { dir: 'training_data' | 'testing_data'; from: number; to: number };
  /**
   * A receipts folder and the names to take (undefined: every receipt with a jpg, except re-scans of
   * receipts of `2D/Receipts/A`, whose names end in `_B`).
   */
  receipts: { dir: 'A' | 'B' | 'C'; names?: readonly string[] };
  pdfs: readonly string[];
}

export const SET_SPECS: Record<CorpusSet, SetSpec> = {
  dev: {
    sroie: [20, 39],
    funsd: { dir: 'training_data', from: 0, to: 11 },
    receipts: { dir: 'B' },
    pdfs: ['issue13201.pdf', 'pdfjs_wikipedia.pdf'],
  },
  unseen: {
    sroie: [5, 14],
    funsd: { dir: 'testing_data', from: 0, to: 7 },
    receipts: { dir: 'A', names: UNSEEN_RECEIPTS },
    pdfs: ['issue11913.pdf', 'chrome-text-selection-markedContent.pdf'],
  },
  fresh: {
    sroie: [100, 119],
    funsd: { dir: 'testing_data', from: 8, to: 23 },
    receipts: { dir: 'C' },
    pdfs: ['issue918.pdf', 'bug1019475_1.pdf'],
  },
};

// ---------------------------------------------------------------------------------------------
// SROIE: per-box transcripts grouped into lines

/** An axis-aligned text box with its transcript (pixels, y down). */
export interface TextBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
  text: string;
}

/**
 * Parses a SROIE `data/box/NNN.csv`: eight corner coordinates and the transcript (which may hold
 * commas) per line.
 */
export function parseSroieBoxes(csv: string): TextBox[] {
  const boxes: TextBox[] = [];
  for (const line of csv.split(/\r?\n/u)) {
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const coords = cells.slice(0, 8).map(Number);
    if (coords.length < 8 || coords.some((c) => !Number.isFinite(c))) {
      throw new Error(`not a SROIE box line: ${JSON.stringify(line)}`);
    }
    const xs = coords.filter((_, i) => i % 2 === 0);
    const ys = coords.filter((_, i) => i % 2 === 1);
    boxes.push({
      left: Math.min(...xs),
      top: Math.min(...ys),
      right: Math.max(...xs),
      bottom: Math.max(...ys),
      text: cells.slice(8).join(','),
    });
  }
  return boxes;
}

const centreY = (b: TextBox): number => (b.top + b.bottom) / 2;

/**
 * Groups boxes into rows: boxes taken by vertical centre join the current row when their centre
 * lies within half a box height (the smaller of the box's and the row's mean height) of the row's
 * mean centre. Rows come top to bottom, each row's boxes left to right.
 */
export function groupIntoRows<T extends TextBox>(boxes: readonly T[]): T[][] {
  const rows: T[][] = [];
  for (const box of [...boxes].sort((a, b) => centreY(a) - centreY(b))) {
    const row = rows.at(-1);
    if (row) {
      const meanCentre = row.reduce((sum, b) => sum + centreY(b), 0) / row.length;
      const meanHeight = row.reduce((sum, b) => sum + (b.bottom - b.top), 0) / row.length;
      if (Math.abs(centreY(box) - meanCentre) <= 0.5 * Math.min(box.bottom - box.top, meanHeight)) {
        row.push(box);
        continue;
      }
    }
    rows.push([box]);
  }
  return rows.map((row) => row.sort((a, b) => a.left - b.left));
}

/**
 * SROIE ground truth: the boxes grouped into rows (`groupIntoRows`), a row's transcripts joined by
 * a space.
 *
 * @returns The lines, each ending in a newline (the `NAME.gt.txt` text).
 */
export function groupBoxesIntoLines(boxes: readonly TextBox[]): string {
  return groupIntoRows(boxes.filter((b) => b.text.trim() !== ''))
    .map((row) => row.map((b) => b.text).join(' ') + '\n')
    .join('');
}

// ---------------------------------------------------------------------------------------------
// FUNSD: word transcripts per entity

/** The part of a FUNSD annotation entity used here; `box` is [left, top, right, bottom]. */
export interface FunsdEntity {
  box: readonly number[];
  words: readonly { text: string }[];
}

/**
 * One line per entity, words in annotation order joined by a space, entities without words left
 * out. Entities are read top to bottom, then left to right: grouped into rows by their boxes as
 * SROIE boxes are (`groupIntoRows`), so an entity a few pixels higher on the right of a row still
 * comes after the one on its left. (Sorting by the box top alone does not reproduce the corpora's
 * figures in docs/ocr.md: unseen FUNSD CER 38.4 % instead of 34.1 %; rows give 33.9 %.)
 */
export function funsdGroundTruth(entities: readonly FunsdEntity[]): string {
  const boxes = entities.map((entity) => ({
    left: entity.box[0] ?? 0,
    top: entity.box[1] ?? 0,
    right: entity.box[2] ?? 0,
    bottom: entity.box[3] ?? 0,
    text: entity.words
      .map((w) => w.text.trim())
      .filter((t) => t !== '')
      .join(' '),
  }));
  return groupIntoRows(boxes.filter((b) => b.text !== ''))
    .flat()
    .map((b) => b.text + '\n')
    .join('');
}

// ---------------------------------------------------------------------------------------------
// German receipts: Textract LINE blocks

/** The `Text` of Textract's LINE blocks in the order published, one a line. */
export function textractLines(blocks: unknown): string {
  if (!Array.isArray(blocks)) throw new Error('Textract blocks: expected a JSON array');
  const lines: string[] = [];
  for (const block of blocks as unknown[]) {
    if (typeof block !== 'object' || block === null) continue;
    const { BlockType, Text } = block as { BlockType?: unknown; Text?: unknown };
    if (BlockType === 'LINE' && typeof Text === 'string') lines.push(Text);
  }
  return lines.map((l) => l + '\n').join('');
}

/**
 * The human-labelled fields in a receipt's file name (`$MERCHANT_$DDMMYYYY[_$ITEMS]_$CENTS[_B]`),
 * as `NAME.fields.json` in ../shared/corpus/german.
 */
export function receiptFields(name: string): string {
  const parts = name.replace(/_B$/u, '').split('_');
  const [merchant, date, ...rest] = parts;
  const amount = rest.at(-1);
  if (!merchant || !date || !/^\d{8}$/u.test(date) || amount === undefined || !/^\d{3,}$/u.test(amount)) {
    throw new Error(`receipt name does not follow $MERCHANT_$DATE_$ITEMS_$AMOUNT: ${name}`);
  }
  const day = `${date.slice(0, 2)}.${date.slice(2, 4)}`;
  const cents = String(Number(amount));
  const total = `${cents.slice(0, -2) || '0'},${cents.slice(-2).padStart(2, '0')}`;
  const fields: [string, string | number][] = [
    ['merchant', merchant],
    ['date', `${day}.${date.slice(4)}`],
    ['date_short', `${day}.${date.slice(6)}`],
  ];
  if (rest.length === 2) fields.push(['items', Number(rest[0])]);
  fields.push(['total', total]);
  return `{${fields.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}\n`;
}

// ---------------------------------------------------------------------------------------------
// PDFs: text layer

/** A text item of a page in viewport coordinates: x, y of its baseline start, y down. */
export interface PlacedText {
  str: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * A page's text items as lines in reading order. The order is the content stream's (a two-column
 * page is read column by column); consecutive items on one baseline (within half the text height)
 * make a line, read left to right and joined by a space where they do not touch. (Sorting the whole
 * page by baseline instead reads two columns across: the unseen set's two-column report then scores
 * 78 % CER against 16.5 %, and the unseen PDFs 37.6 % against the 8.0 % of docs/ocr.md.)
 */
export function pdfPageLines(items: readonly PlacedText[]): string[] {
  const lines: PlacedText[][] = [];
  for (const item of items.filter((i) => i.str.trim() !== '')) {
    const line = lines.at(-1);
    const first = line?.[0];
    if (
      line &&
      first &&
      Math.abs(item.y - first.y) <= 0.5 * Math.max(1, Math.min(item.height, first.height))
    ) {
      line.push(item);
    } else {
      lines.push([item]);
    }
  }
  return lines.map((line) => {
    let text = '';
    let end = Number.NEGATIVE_INFINITY;
    for (const item of [...line].sort((a, b) => a.x - b.x)) {
      const gap = item.x - end;
      if (
        text !== '' &&
        gap > Math.max(0.5, 0.1 * item.height) &&
        !text.endsWith(' ') &&
        !item.str.startsWith(' ')
      ) {
        text += ' ';
      }
      text += item.str;
      end = Math.max(end, item.x + item.width);
    }
    return text.trim();
  });
}

/** The text layer of a PDF, read with pdf.js: lines of every page, pages joined by a newline. */
export async function pdfText(bytes: Uint8Array): Promise<{ text: string; pages: number }> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const pdf = await pdfjs.getDocument(pdfjsDocumentParams(bytes)).promise;
  try {
    const pages: string[] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const viewport = page.getViewport({ scale: 1 });
      const content = await page.getTextContent();
      const placed: PlacedText[] = [];
      for (const item of content.items) {
        if (!('str' in item)) continue;
        const t = pdfjs.Util.transform(viewport.transform, item.transform) as number[];
        const height = Math.hypot(t[2] ?? 0, t[3] ?? 0) || item.height;
        placed.push({ str: item.str, x: t[4] ?? 0, y: t[5] ?? 0, width: item.width, height });
      }
      pages.push(pdfPageLines(placed).join('\n'));
      page.cleanup();
    }
    return { text: pages.join('\n') + '\n', pages: pdf.numPages };
  } finally {
    await pdf.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Manifest

export const MANIFEST_COLUMNS = [
  'path',
  'source',
  'upstream_path',
  'kind',
  'pages',
  'license',
  'gt',
  'lang',
  'bytes',
] as const;

export type ManifestRow = Record<(typeof MANIFEST_COLUMNS)[number], string | number>;

/** One tab-separated manifest line (no newline); a cell holding a tab or newline is an error. */
export function formatManifestRow(row: ManifestRow): string {
  return MANIFEST_COLUMNS.map((column) => {
    const cell = String(row[column]);
    if (/[\t\r\n]/u.test(cell))
      throw new Error(`manifest ${column} holds a tab or newline: ${JSON.stringify(cell)}`);
    return cell;
  }).join('\t');
}

/** The whole MANIFEST.tsv: the header, then the rows sorted by path. */
export function formatManifest(rows: readonly ManifestRow[]): string {
  const sorted = [...rows].sort((a, b) =>
    String(a.path) < String(b.path) ? -1 : String(a.path) > String(b.path) ? 1 : 0,
  );
  return [MANIFEST_COLUMNS.join('\t'), ...sorted.map(formatManifestRow)].map((l) => l + '\n').join('');
}

// ---------------------------------------------------------------------------------------------
// Planning and building

/** A source checkout is missing or incomplete: reported without a stack trace, exit code 2. */
export class MissingSourceError extends Error {}

export type Checkouts = Record<SourceName, string>;

type GroundTruth =
  | { kind: 'sroie'; boxes: string }
  | { kind: 'funsd'; annotation: string }
  | { kind: 'textract'; blocks: string; name: string }
  | { kind: 'pdf' };

/** One document to copy: where from, where to, and how its ground truth is made. */
export interface PlannedDocument {
  source: SourceName;
  upstreamPath: string;
  /** Path inside the output corpus, e.g. `sroie/020.jpg`. */
  path: string;
  kind: string;
  lang: 'eng' | 'deu';
  gtMethod: string;
  groundTruth: GroundTruth;
}

const cloneHint = (source: SourceName, dir: string): string =>
  `git clone https://github.com/${SOURCES[source].repo} ${dir}`;

function requireFile(checkouts: Checkouts, source: SourceName, relative: string): void {
  const file = path.join(checkouts[source], relative);
  if (!existsSync(file)) {
    throw new MissingSourceError(
      `${SOURCES[source].label}: ${relative} is missing from the checkout at ${checkouts[source]}.\n` +
        `Pass a full checkout of ${SOURCES[source].repo} (commit ${SOURCES[source].commit.slice(0, 9)}): ` +
        cloneHint(source, checkouts[source]),
    );
  }
}

async function listDir(checkouts: Checkouts, source: SourceName, relative: string): Promise<string[]> {
  requireFile(checkouts, source, relative);
  return (await readdir(path.join(checkouts[source], relative))).sort();
}

/** The documents of a set, every source file checked to exist; nothing is written. */
export async function planSet(set: CorpusSet, checkouts: Checkouts): Promise<PlannedDocument[]> {
  for (const source of Object.keys(SOURCES) as SourceName[]) {
    const dir = checkouts[source];
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new MissingSourceError(
        `${SOURCES[source].label} checkout not found: ${dir} is not a directory.\nClone it: ${cloneHint(source, dir)}`,
      );
    }
  }
  const spec = SET_SPECS[set];
  const docs: PlannedDocument[] = [];

  for (let n = spec.sroie[0]; n <= spec.sroie[1]; n++) {
    const id = String(n).padStart(3, '0');
    docs.push({
      source: 'sroie',
      upstreamPath: `data/img/${id}.jpg`,
      path: `sroie/${id}.jpg`,
      kind: 'scanned receipt (jpg)',
      lang: 'eng',
      gtMethod: 'human per-box transcripts (data/box) grouped into lines',
      groundTruth: { kind: 'sroie', boxes: `data/box/${id}.csv` },
    });
  }

  const annotations = (await listDir(checkouts, 'funsd', `${spec.funsd.dir}/annotations`)).filter((f) =>
    f.endsWith('.json'),
  );
  const forms = annotations.slice(spec.funsd.from, spec.funsd.to + 1);
  if (forms.length !== spec.funsd.to - spec.funsd.from + 1) {
    throw new MissingSourceError(
      `FUNSD: ${spec.funsd.dir}/annotations in ${checkouts.funsd} holds ${annotations.length} forms, ` +
        `the ${set} set needs the ${spec.funsd.from + 1}st to ${spec.funsd.to + 1}th. Clone it: ${cloneHint('funsd', checkouts.funsd)}`,
    );
  }
  for (const form of forms) {
    const name = form.slice(0, -'.json'.length);
    docs.push({
      source: 'funsd',
      upstreamPath: `${spec.funsd.dir}/images/${name}.png`,
      path: `funsd/${name}.png`,
      kind: 'scanned form (png)',
      lang: 'eng',
      gtMethod:
        'human word transcripts per entity (annotation JSON), one a line; entities in rows top to bottom, left to right',
      groundTruth: { kind: 'funsd', annotation: `${spec.funsd.dir}/annotations/${form}` },
    });
  }

  const receiptDir = `2D/Receipts/${spec.receipts.dir}`;
  const names =
    spec.receipts.names ??
    (await listDir(checkouts, 'receipts', receiptDir))
      .filter((f) => f.endsWith('.jpg'))
      .map((f) => f.slice(0, -4))
      // B's lidl_02032020_02_00716_B is the unseen set's A receipt scanned again: left out.
      .filter((name) => !name.endsWith('_B'));
  for (const name of names) {
    docs.push({
      source: 'receipts',
      upstreamPath: `${receiptDir}/${name}.jpg`,
      path: `german/${name}.jpg`,
      kind:
        spec.receipts.dir === 'A'
          ? 'scanned German receipt (jpg, 300dpi, cropped)'
          : 'scanned German receipt (jpg, 300dpi, uncropped A4 flatbed scan)',
      lang: 'deu',
      gtMethod:
        'machine reference: AWS Textract LINE blocks from repo (not human-verified) + human fields from filename (date,total)',
      groundTruth: { kind: 'textract', blocks: `${receiptDir}/${name}_blocks.json`, name },
    });
  }

  for (const pdf of spec.pdfs) {
    docs.push({
      source: 'pdfjs',
      upstreamPath: `test/pdfs/${pdf}`,
      path: `pdf/${pdf}`,
      kind: 'born-digital PDF',
      lang: 'eng',
      gtMethod: 'PDF text layer (pdfjs-dist, content-stream order, items on one baseline joined into a line)',
      groundTruth: { kind: 'pdf' },
    });
  }

  for (const doc of docs) {
    requireFile(checkouts, doc.source, doc.upstreamPath);
    const gt = doc.groundTruth;
    if (gt.kind === 'sroie') requireFile(checkouts, doc.source, gt.boxes);
    if (gt.kind === 'funsd') requireFile(checkouts, doc.source, gt.annotation);
    if (gt.kind === 'textract') requireFile(checkouts, doc.source, gt.blocks);
  }
  return docs;
}

/** The commit a checkout is at (`git rev-parse HEAD`), or undefined when it is not a git checkout. */
export function checkoutCommit(dir: string): string | undefined {
  try {
    const out = execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return /^[0-9a-f]{40}$/u.test(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a set into `out` and returns its manifest rows. */
export async function buildSet(set: CorpusSet, checkouts: Checkouts, out: string): Promise<ManifestRow[]> {
  const docs = await planSet(set, checkouts);
  const commits = {} as Record<SourceName, string>;
  for (const source of Object.keys(SOURCES) as SourceName[]) {
    const commit = checkoutCommit(checkouts[source]);
    if (commit === undefined) {
      console.warn(`note: ${checkouts[source]} is not a git checkout; its commit is recorded as "unknown"`);
    } else if (commit !== SOURCES[source].commit) {
      console.warn(
        `note: ${SOURCES[source].repo} is at ${commit.slice(0, 9)}; docs/ocr.md's corpora were built from ` +
          `${SOURCES[source].commit.slice(0, 9)} (git -C ${checkouts[source]} checkout ${SOURCES[source].commit.slice(0, 9)})`,
      );
    }
    commits[source] = commit ?? 'unknown';
  }

  const rows: ManifestRow[] = [];
  for (const doc of docs) {
    const from = path.join(checkouts[doc.source], doc.upstreamPath);
    const to = path.join(out, doc.path);
    const gtFile = to.slice(0, -path.extname(to).length) + '.gt.txt';
    await mkdir(path.dirname(to), { recursive: true });
    await copyFile(from, to);
    const gt = doc.groundTruth;
    let pages = 1;
    let text: string;
    const read = (relative: string): Promise<string> =>
      readFile(path.join(checkouts[doc.source], relative), 'utf8');
    if (gt.kind === 'sroie') {
      text = groupBoxesIntoLines(parseSroieBoxes(await read(gt.boxes)));
    } else if (gt.kind === 'funsd') {
      const annotation = JSON.parse(await read(gt.annotation)) as { form?: FunsdEntity[] };
      text = funsdGroundTruth(annotation.form ?? []);
    } else if (gt.kind === 'textract') {
      text = textractLines(JSON.parse(await read(gt.blocks)));
      await writeFile(to.slice(0, -path.extname(to).length) + '.fields.json', receiptFields(gt.name));
    } else {
      const pdf = await pdfText(await readFile(from));
      text = pdf.text;
      pages = pdf.pages;
    }
    await writeFile(gtFile, text);
    rows.push({
      path: doc.path,
      source: `${SOURCES[doc.source].repo}@${commits[doc.source]}`,
      upstream_path: doc.upstreamPath,
      kind: pages > 1 ? `${doc.kind}, multi-page` : doc.kind,
      pages,
      license: SOURCES[doc.source].license,
      gt: doc.gtMethod,
      lang: doc.lang,
      bytes: statSync(to).size,
    });
  }
  await writeFile(path.join(out, 'MANIFEST.tsv'), formatManifest(rows));
  return rows;
}

const USAGE =
  'usage: npx tsx bench/build-corpus.ts --out <dir> --set dev|unseen|fresh ' +
  '--sroie <ICDAR-2019-SROIE checkout> --funsd <funsd-bench checkout> --receipts <vision-data checkout> --pdfjs <pdf.js checkout>';

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string' },
        set: { type: 'string' },
        sroie: { type: 'string' },
        funsd: { type: 'string' },
        receipts: { type: 'string' },
        pdfjs: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const arg = (name: string): string => {
    const value = values[name];
    if (typeof value !== 'string' || value === '') {
      const hint = name in SOURCES ? ` (clone it: ${cloneHint(name as SourceName, `<dir>`)})` : '';
      console.error(`missing --${name}${hint}\n${USAGE}`);
      process.exit(2);
    }
    return path.resolve(value);
  };
  const out = arg('out');
  const set = values.set;
  if (!CORPUS_SETS.includes(set as CorpusSet)) {
    console.error(`--set must be one of ${CORPUS_SETS.join(', ')}\n${USAGE}`);
    process.exit(2);
  }
  const checkouts: Checkouts = {
    sroie: arg('sroie'),
    funsd: arg('funsd'),
    receipts: arg('receipts'),
    pdfjs: arg('pdfjs'),
  };
  try {
    const rows = await buildSet(set as CorpusSet, checkouts, out);
    const perFolder = new Map<string, number>();
    for (const row of rows) {
      const folder = String(row.path).split('/')[0] ?? '.';
      perFolder.set(folder, (perFolder.get(folder) ?? 0) + 1);
    }
    const counts = [...perFolder].map(([folder, n]) => `${folder} ${n}`).join(', ');
    console.log(`${set}: ${rows.length} documents (${counts}) written to ${out}`);
  } catch (error) {
    if (error instanceof MissingSourceError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
