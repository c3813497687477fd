/**
 * Turns Textract-shaped blocks (from Textract itself or the local Tesseract stand-in) into the three
 * result formats users download, plus the statistics stored with the result. Pure and synchronous:
 * the WriteResult step reads the blocks, calls this, and writes the strings.
 */
import type { Block } from '@aws-sdk/client-textract';
import type { DetectedText } from './ports.js';

export interface RenderedResult {
  /**
   * Plain text: one line per LINE block in reading order; lines of a page joined by `\n`, pages with
   * text separated by one blank line (`\n\n`); pages without text contribute nothing. Every line is
   * trimmed and there is no trailing newline, so the text is also what gets indexed for search.
   */
  text: string;
  /** A standalone HTML5 document: one `<section class="page" data-page="n">` per page, one `<p>` per line. */
  html: string;
  /** `JSON.stringify({ DocumentMetadata, Blocks })`, blocks untouched so clients can draw the boxes. */
  json: string;
  pages: number;
  /** WORD blocks with text; when an engine emitted no WORD blocks at all, whitespace-separated tokens of the lines. */
  words: number;
  /** Lines with text, i.e. the lines of `text`. */
  lines: number;
  /** Mean WORD confidence, 0–100, one decimal; `null` when no word carries a confidence. */
  confidence: number | null;
}

export interface RenderOptions {
  /** Title of the HTML document (e.g. the uploaded file's name); escaped like everything else. */
  title?: string;
}

/**
 * Guards the HTML against absurd `DocumentMetadata.Pages` values: empty pages beyond the last page
 * with text are rendered only up to this many. Pages that hold lines are always rendered.
 */
const MAX_EMPTY_PAGES_RENDERED = 10_000;

/**
 * Characters that are invalid or parse errors in HTML and meaningless in text: C0 controls (except
 * tab/newline, handled separately), DEL, C1 controls, noncharacters and lone surrogates.
 */
const INVALID_CHARS =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000E-\u001F\u007F-\u009F\uFDD0-\uFDEF\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Anything that would break a line apart: a LINE is one line. */
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;

function cleanLine(raw: string): string {
  // Breaks first: NEL (U+0085) is a C1 control but separates words like a newline.
  return raw.replace(LINE_BREAKS, ' ').replace(INVALID_CHARS, '').trim();
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** A usable page number: a positive integer, else `undefined`. */
function pageNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 ? value : undefined;
}

function finiteOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function childIds(block: Block): string[] {
  const ids: string[] = [];
  for (const relationship of block.Relationships ?? []) {
    if (relationship?.Type !== 'CHILD') continue;
    for (const id of relationship.Ids ?? []) if (typeof id === 'string') ids.push(id);
  }
  return ids;
}

/** A LINE's text, rebuilt from its WORD children when an engine left `Text` out. */
function lineText(line: Block, byId: Map<string, Block>): string {
  if (typeof line.Text === 'string') return cleanLine(line.Text);
  const words: string[] = [];
  for (const id of childIds(line)) {
    const child = byId.get(id);
    if (child?.BlockType === 'WORD' && typeof child.Text === 'string') words.push(child.Text);
  }
  return cleanLine(words.join(' '));
}

/** Top-to-bottom, then left-to-right; blocks without geometry keep their order after those with it. */
function byPosition(a: Block, b: Block): number {
  const boxA = a.Geometry?.BoundingBox;
  const boxB = b.Geometry?.BoundingBox;
  const top = finiteOr(boxA?.Top, Infinity) - finiteOr(boxB?.Top, Infinity);
  if (top !== 0 && !Number.isNaN(top)) return top;
  const left = finiteOr(boxA?.Left, Infinity) - finiteOr(boxB?.Left, Infinity);
  return Number.isNaN(left) ? 0 : left;
}

interface Page {
  number: number;
  lines: string[];
}

/**
 * Groups LINE blocks by page in reading order. Textract lists a PAGE's CHILD ids in reading order
 * (it already handles columns), so that order wins; LINE blocks no PAGE points to (engines that omit
 * relationships, sync responses without `Page`) are placed by `Page` (default 1) and position.
 */
function collectPages(blocks: Block[], declaredPages: number): Page[] {
  const byId = new Map<string, Block>();
  for (const block of blocks) if (typeof block.Id === 'string') byId.set(block.Id, block);

  const ordered = new Map<number, Block[]>();
  const placed = new Set<Block>();
  const linesOf = (page: number): Block[] => {
    let lines = ordered.get(page);
    if (lines === undefined) {
      lines = [];
      ordered.set(page, lines);
    }
    return lines;
  };

  let pageOrdinal = 0;
  for (const block of blocks) {
    if (block.BlockType !== 'PAGE') continue;
    pageOrdinal++;
    const lines = linesOf(pageNumber(block.Page) ?? pageOrdinal);
    for (const id of childIds(block)) {
      const child = byId.get(id);
      if (child?.BlockType === 'LINE' && !placed.has(child)) {
        lines.push(child);
        placed.add(child);
      }
    }
  }

  const unplaced = new Map<number, Block[]>();
  for (const block of blocks) {
    if (block.BlockType !== 'LINE' || placed.has(block)) continue;
    const page = pageNumber(block.Page) ?? 1;
    const list = unplaced.get(page) ?? [];
    list.push(block);
    unplaced.set(page, list);
  }
  for (const [page, lines] of unplaced) linesOf(page).push(...lines.sort(byPosition));

  // Every page up to the declared count is rendered (an empty page is still a page of the document).
  const numbers = new Set(ordered.keys());
  for (let n = 1; n <= Math.min(declaredPages, MAX_EMPTY_PAGES_RENDERED); n++) numbers.add(n);

  return [...numbers]
    .sort((a, b) => a - b)
    .map((number) => ({
      number,
      lines: (ordered.get(number) ?? []).map((line) => lineText(line, byId)).filter((text) => text !== ''),
    }));
}

interface WordStats {
  words: number;
  confidence: number | null;
}

function wordStats(blocks: Block[], pages: Page[]): WordStats {
  let words = 0;
  let anyWordBlock = false;
  let sum = 0;
  let scored = 0;
  for (const block of blocks) {
    if (block.BlockType !== 'WORD') continue;
    anyWordBlock = true;
    if (typeof block.Text !== 'string' || cleanLine(block.Text) === '') continue;
    words++;
    if (typeof block.Confidence === 'number' && Number.isFinite(block.Confidence)) {
      sum += Math.min(100, Math.max(0, block.Confidence));
      scored++;
    }
  }
  if (!anyWordBlock) {
    for (const page of pages) for (const line of page.lines) words += line.split(/\s+/).length;
  }
  return { words, confidence: scored === 0 ? null : Math.round((sum / scored) * 10) / 10 };
}

const STYLE = [
  'body{margin:0;background:#f4f4f5;color:#18181b;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}',
  'main{max-width:52rem;margin:0 auto;padding:1rem}',
  '.page{background:#fff;border:1px solid #e4e4e7;border-radius:.5rem;margin:0 0 1rem;padding:1rem 1.5rem}',
  '.page h2{margin:0 0 .75rem;font-size:.75rem;font-weight:600;letter-spacing:.05em;text-transform:uppercase;color:#71717a}',
  '.page p{margin:0 0 .25rem;white-space:pre-wrap;overflow-wrap:anywhere}',
  '@media print{body{background:#fff}main{max-width:none;padding:0}.page{border:0;border-radius:0;break-after:page}}',
].join('');

function renderHtml(pages: Page[], title: string): string {
  const out = [
    '<!doctype html>',
    '<html>',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Defence in depth: the page is made of user content, so even a rendering bug must not run script
    // or load anything.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="generator" content="untxt">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
  ];
  for (const page of pages) {
    out.push(`<section class="page" data-page="${page.number}">`, `<h2>Page ${page.number}</h2>`);
    for (const line of page.lines) out.push(`<p>${escapeHtml(line)}</p>`);
    out.push('</section>');
  }
  out.push('</main>', '</body>', '</html>', '');
  return out.join('\n');
}

/**
 * Renders OCR blocks as text, HTML and JSON, and counts pages, words, lines and mean word confidence.
 *
 * Reading order follows each PAGE's CHILD relationships when present, otherwise `Page`, then `Top`,
 * then `Left` of the LINE blocks. Never throws on odd input: missing optional fields, zero blocks and
 * thousands of pages all render (an empty document gives empty text and a valid, empty HTML page).
 *
 * @param detected - The engine's `DetectDocumentText`-shaped answer.
 * @param options - `title` for the HTML document (default `OCR result`).
 */
export function renderResult(detected: DetectedText, options: RenderOptions = {}): RenderedResult {
  const given = Array.isArray(detected.Blocks) ? detected.Blocks : [];
  // A null in the array (hand-edited or truncated JSON) must not take the whole result down.
  const blocks = given.filter((block): block is Block => typeof block === 'object' && block !== null);
  const declaredPages = pageNumber(detected.DocumentMetadata?.Pages) ?? 0;
  const pages = collectPages(blocks, declaredPages);
  const lastPage = pages.length === 0 ? 0 : (pages[pages.length - 1]?.number ?? 0);
  const { words, confidence } = wordStats(blocks, pages);

  const text = pages
    .filter((page) => page.lines.length > 0)
    .map((page) => page.lines.join('\n'))
    .join('\n\n');

  return {
    text,
    html: renderHtml(pages, options.title ?? 'OCR result'),
    json: JSON.stringify({
      DocumentMetadata: detected.DocumentMetadata ?? { Pages: lastPage },
      Blocks: given,
    }),
    pages: Math.max(declaredPages, lastPage),
    words,
    lines: pages.reduce((sum, page) => sum + page.lines.length, 0),
    confidence,
  };
}

/**
 * A short preview of a result's text for list views: whitespace (including page breaks) collapsed to
 * single spaces, trimmed, cut to at most `max` characters without splitting a surrogate pair. Reads
 * only as much of `text` as it needs, so it is cheap on long documents.
 *
 * @param text - The full text (e.g. `RenderedResult.text`).
 * @param max - Maximum length of the summary, in UTF-16 code units (default 200).
 */
export function summarizeForSearch(text: string, max = 200): string {
  const limit = Math.floor(max);
  if (!(limit > 0)) return '';
  let out = '';
  let pendingSpace = false;
  for (const char of text) {
    if (/\s/u.test(char)) {
      pendingSpace = out !== '';
      continue;
    }
    const piece = pendingSpace ? ` ${char}` : char;
    if (out.length + piece.length > limit) break;
    out += piece;
    pendingSpace = false;
  }
  return out;
}
