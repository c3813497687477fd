import type { Block } from '@aws-sdk/client-textract';
import { describe, expect, it } from 'vitest';
import type { DetectedText } from '../../../../lambdas/core/ports.js';
import { renderResult, summarizeForSearch } from '../../../../lambdas/core/render-result.js';
import { geometry, lineWithWords, pageBlock } from '../../../fixtures/textract/blocks.js';
import { blankPageDocument, noBlocksDocument } from '../../../fixtures/textract/empty-document.js';
import {
  LOOSE_LINES_EXPECTED_TEXT,
  looseLinesDocument,
} from '../../../fixtures/textract/loose-lines-document.js';
import {
  SCRIPT_LINE,
  TWO_PAGE_EXPECTED,
  twoPageDocument,
  twoPageDocumentShuffled,
} from '../../../fixtures/textract/two-page-document.js';

const VOID_ELEMENTS = new Set(['meta']);

/**
 * A strict structural check of the HTML we generate (no HTML parser is installed): only the elements
 * the renderer emits, properly nested and closed, and no `<` or `>` left in text or attributes — so
 * nothing from the document can have become markup.
 */
function assertWellFormedHtml(html: string): void {
  expect(html.startsWith('<!doctype html>\n<html>')).toBe(true);
  const stack: string[] = [];
  const tag = /<(\/?)([a-z][a-z0-9]*)((?:\s+[a-z-]+(?:="[^"<>]*")?)*)\s*>/g;
  let last = '<!doctype html>'.length;
  let match: RegExpExecArray | null;
  while ((match = tag.exec(html)) !== null) {
    const between = html.slice(last, match.index);
    expect(between, `text before ${match[0]}`).not.toMatch(/[<>]/);
    last = tag.lastIndex;
    const [, closing, name = ''] = match;
    expect(['html', 'head', 'meta', 'title', 'style', 'body', 'main', 'section', 'h2', 'p']).toContain(name);
    if (VOID_ELEMENTS.has(name)) continue;
    if (closing) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else stack.push(name);
  }
  expect(html.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
}

function count(haystack: string, needle: string | RegExp): number {
  return haystack.split(needle).length - 1;
}

describe('Function: renderResult', () => {
  it('renders the lines of a 2-page document in reading order with a blank line between pages', () => {
    // Act
    const result = renderResult(twoPageDocument);

    // Assess
    expect(result.text).toBe(TWO_PAGE_EXPECTED.text);
  });

  it('computes pages, lines, words and the mean word confidence to one decimal', () => {
    // Act
    const { pages, lines, words, confidence } = renderResult(twoPageDocument);

    // Assess
    expect({ pages, lines, words, confidence }).toEqual({
      pages: TWO_PAGE_EXPECTED.pages,
      lines: TWO_PAGE_EXPECTED.lines,
      words: TWO_PAGE_EXPECTED.words,
      confidence: TWO_PAGE_EXPECTED.confidence,
    });
  });

  it('follows PAGE → CHILD relationships rather than block order or position', () => {
    // Act
    const result = renderResult(twoPageDocumentShuffled);

    // Assess: "Right column start" is higher on the page than "Left column end" but comes after it.
    expect(result.text).toBe(TWO_PAGE_EXPECTED.text);
  });

  it('orders lines by Page, Top and Left when there are no relationships', () => {
    // Act
    const result = renderResult(looseLinesDocument);

    // Assess
    expect(result.text).toBe(LOOSE_LINES_EXPECTED_TEXT);
    expect(result.lines).toBe(7);
    expect(result.pages).toBe(3);
  });

  it('tolerates missing Text, Page, Geometry, Id and Confidence', () => {
    // Act
    const result = renderResult(looseLinesDocument);

    // Assess: the two WORD blocks count; only one of them has a confidence.
    expect(result.words).toBe(2);
    expect(result.confidence).toBe(80);
    expect(result.text).toContain('rebuilt line');
  });

  it('writes a standalone HTML5 document with one section per page and one paragraph per line', () => {
    // Act
    const { html } = renderResult(twoPageDocument);

    // Assess
    assertWellFormedHtml(html);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<title>OCR result</title>');
    expect(html).toMatch(/<style>[^<]+<\/style>/);
    expect(count(html, '<section class="page"')).toBe(2);
    expect(html).toContain('<section class="page" data-page="1">');
    expect(html).toContain('<section class="page" data-page="2">');
    expect(count(html, '<p>')).toBe(6);
    const page1 = html.slice(html.indexOf('data-page="1"'), html.indexOf('data-page="2"'));
    expect(count(page1, '<p>')).toBe(4);
    expect(page1).toContain('<p>Left column end</p>\n<p>Right column start</p>');
  });

  it('escapes markup from the document so a scanned <script> comes out as text', () => {
    // Act
    const { html } = renderResult(twoPageDocument);

    // Assess
    expect(html).toContain('<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;</p>');
    expect(html).not.toContain('<script');
    expect(html).not.toContain(SCRIPT_LINE);
    assertWellFormedHtml(html);
  });

  it('loads nothing external and forbids scripts through a Content-Security-Policy', () => {
    // Act
    const { html } = renderResult(twoPageDocument);

    // Assess
    expect(html).not.toMatch(/\s(src|href)=/);
    expect(html).not.toMatch(/https?:|url\(|@import/);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it('escapes the title when one is given', () => {
    // Act
    const { html } = renderResult(twoPageDocument, { title: 'Q3 <b>report</b> & "notes".pdf' });

    // Assess
    expect(html).toContain('<title>Q3 &lt;b&gt;report&lt;/b&gt; &amp; &quot;notes&quot;.pdf</title>');
    assertWellFormedHtml(html);
  });

  it('returns the Textract metadata and blocks, geometry included, as JSON', () => {
    // Act
    const { json } = renderResult(twoPageDocument);

    // Assess
    const parsed = JSON.parse(json) as DetectedText;
    expect(Object.keys(parsed)).toEqual(['DocumentMetadata', 'Blocks']);
    expect(parsed).toEqual({
      DocumentMetadata: twoPageDocument.DocumentMetadata,
      Blocks: twoPageDocument.Blocks,
    });
    const line = parsed.Blocks.find((b) => b.Id === 'l5');
    expect(line?.Text).toBe(SCRIPT_LINE);
    expect(line?.Geometry?.BoundingBox).toEqual({ Left: 0.1, Top: 0.1, Width: 0.6, Height: 0.03 });
    expect(line?.Geometry?.Polygon).toHaveLength(4);
  });

  it('keeps the response fields other than metadata and blocks out of the JSON', () => {
    // Prepare
    const withExtras = {
      ...twoPageDocument,
      DetectDocumentTextModelVersion: '1.0',
      $metadata: { httpStatusCode: 200 },
    } as DetectedText;

    // Act
    const parsed = JSON.parse(renderResult(withExtras).json) as Record<string, unknown>;

    // Assess
    expect(Object.keys(parsed)).toEqual(['DocumentMetadata', 'Blocks']);
  });

  it('renders a blank page as empty text and an HTML page with one empty section', () => {
    // Act
    const result = renderResult(blankPageDocument);

    // Assess
    expect(result).toMatchObject({ text: '', pages: 1, lines: 0, words: 0, confidence: null });
    assertWellFormedHtml(result.html);
    expect(count(result.html, '<section')).toBe(1);
    expect(count(result.html, '<p>')).toBe(0);
  });

  it('renders zero blocks as empty text and a valid HTML page without sections', () => {
    // Act
    const result = renderResult(noBlocksDocument);

    // Assess
    expect(result).toMatchObject({ text: '', pages: 0, lines: 0, words: 0, confidence: null });
    assertWellFormedHtml(result.html);
    expect(result.html).not.toContain('<section');
    expect(JSON.parse(result.json)).toEqual({ DocumentMetadata: { Pages: 0 }, Blocks: [] });
  });

  it('does not throw when metadata, blocks or entries are missing', () => {
    // Prepare
    const broken = { Blocks: [null, { BlockType: 'LINE', Text: 'survivor' }] } as unknown as DetectedText;

    // Act
    const withoutAnything = renderResult({} as DetectedText);
    const withNulls = renderResult(broken);

    // Assess
    expect(withoutAnything).toMatchObject({ text: '', pages: 0, lines: 0 });
    assertWellFormedHtml(withoutAnything.html);
    expect(withNulls).toMatchObject({ text: 'survivor', pages: 1, lines: 1, words: 1, confidence: null });
  });

  it('keeps every LINE on one line and drops characters invalid in HTML', () => {
    // Prepare
    const detected: DetectedText = {
      DocumentMetadata: { Pages: 1 },
      Blocks: [
        { BlockType: 'LINE', Text: 'one\r\ntwo\tthree\fpage\u2028sep' },
        { BlockType: 'LINE', Text: 'null\u0000bell\u0007c1\u0085del\u007f lone\ud800surrogate 😀' },
      ],
    };

    // Act
    const result = renderResult(detected);

    // Assess
    expect(result.text).toBe('one two three page sep\nnullbellc1 del lonesurrogate 😀');
    expect(result.html).toContain('<p>nullbellc1 del lonesurrogate 😀</p>');
    // eslint-disable-next-line no-control-regex -- looking for exactly those characters
    expect(result.html).not.toMatch(/[\u0000-\u0008\u000B\u000E-\u001F\u007F-\u009F]/);
  });

  it('counts whitespace-separated tokens as words when the engine emitted no WORD blocks', () => {
    // Prepare
    const detected: DetectedText = {
      DocumentMetadata: { Pages: 1 },
      Blocks: [
        { BlockType: 'LINE', Text: 'three little words', Confidence: 50 },
        { BlockType: 'LINE', Text: 'and two' },
      ],
    };

    // Act
    const result = renderResult(detected);

    // Assess: LINE confidences are not word confidences.
    expect(result).toMatchObject({ words: 5, lines: 2, confidence: null });
  });

  it('clamps confidences to 0–100 and ignores words without one', () => {
    // Prepare
    const word = (text: string, confidence?: number): Block => ({
      BlockType: 'WORD',
      Text: text,
      ...(confidence === undefined ? {} : { Confidence: confidence }),
    });
    const detected: DetectedText = {
      DocumentMetadata: { Pages: 1 },
      Blocks: [word('a', 120), word('b', 33.4), word('c'), word('d', Number.NaN), word('', 10)],
    };

    // Act
    const result = renderResult(detected);

    // Assess: (100 + 33.4) / 2 = 66.7; the empty word is not a word.
    expect(result.confidence).toBe(66.7);
    expect(result.words).toBe(4);
  });

  it('renders many pages in order, including empty ones declared by the metadata', () => {
    // Prepare: 400 pages of 25 lines, blocks listed from the last page to the first, page 200 blank.
    const pageCount = 400;
    const blocks: Block[] = [];
    for (let page = pageCount; page >= 1; page--) {
      const lineIds = page === 200 ? [] : Array.from({ length: 25 }, (_, i) => `p${page}l${i}`);
      blocks.push(pageBlock(`p${page}`, page, lineIds));
      lineIds.forEach((id, i) =>
        blocks.push(
          ...lineWithWords({
            id,
            page,
            text: `page ${page} line ${i}`,
            box: { Left: 0.1, Top: i / 30, Width: 0.5, Height: 0.02 },
            wordConfidences: [90, 90, 90, 90],
          }),
        ),
      );
    }

    // Act
    const started = performance.now();
    const result = renderResult({ DocumentMetadata: { Pages: pageCount }, Blocks: blocks });
    const elapsed = performance.now() - started;

    // Assess
    expect(result).toMatchObject({ pages: 400, lines: 399 * 25, words: 399 * 25 * 4, confidence: 90 });
    expect(count(result.html, '<section class="page"')).toBe(400);
    expect(result.html).toContain('<section class="page" data-page="200">\n<h2>Page 200</h2>\n</section>');
    const textLines = result.text.split('\n');
    expect(textLines[0]).toBe('page 1 line 0');
    expect(textLines.at(-1)).toBe('page 400 line 24');
    expect(result.text).toContain('page 199 line 24\n\npage 201 line 0');
    // Generous for loaded CI machines (JSON.stringify of ~17 MB dominates); quadratic work would take minutes.
    expect(elapsed).toBeLessThan(10_000);
  });

  it('leaves no trailing whitespace on any line of the text', () => {
    // Prepare
    const detected: DetectedText = {
      DocumentMetadata: { Pages: 2 },
      Blocks: [
        {
          BlockType: 'LINE',
          Page: 1,
          Text: 'ends with spaces   ',
          Geometry: geometry({ Left: 0, Top: 0, Width: 1, Height: 0.1 }),
        },
        {
          BlockType: 'LINE',
          Page: 2,
          Text: '\tindented',
          Geometry: geometry({ Left: 0, Top: 0, Width: 1, Height: 0.1 }),
        },
      ],
    };

    // Act
    const { text } = renderResult(detected);

    // Assess
    expect(text).toBe('ends with spaces\n\nindented');
    expect(text).not.toMatch(/[ \t]$/m);
  });
});

describe('Function: summarizeForSearch', () => {
  it('collapses whitespace, newlines and page breaks into single spaces', () => {
    // Act
    const summary = summarizeForSearch('  Invoice\n2024-001\n\n\fTotal:\t 42.00  ');

    // Assess
    expect(summary).toBe('Invoice 2024-001 Total: 42.00');
  });

  it('cuts to 200 characters by default', () => {
    // Prepare
    const text = 'word '.repeat(100);

    // Act
    const summary = summarizeForSearch(text);

    // Assess
    expect(summary).toHaveLength(199);
    expect(summary.startsWith('word word')).toBe(true);
    expect(summary.endsWith('word')).toBe(true);
  });

  it('cuts to the given maximum without ending on a space', () => {
    // Act
    const summary = summarizeForSearch('abc   def ghi', 4);

    // Assess
    expect(summary).toBe('abc');
  });

  it('does not split a character made of a surrogate pair', () => {
    // Act
    const summary = summarizeForSearch('ab😀cd', 3);

    // Assess
    expect(summary).toBe('ab');
  });

  it('returns an empty string for empty text or a non-positive maximum', () => {
    // Act & Assess
    expect(summarizeForSearch('')).toBe('');
    expect(summarizeForSearch(' \n\f ')).toBe('');
    expect(summarizeForSearch('text', 0)).toBe('');
    expect(summarizeForSearch('text', -5)).toBe('');
  });

  it('returns short text unchanged apart from trimming', () => {
    // Act & Assess
    expect(summarizeForSearch(' short text ')).toBe('short text');
  });
});
