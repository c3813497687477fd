import { describe, expect, it } from 'vitest';
import { splitHalf } from '../../../bench/ocr-corpus.js';
import type { CorpusDocument } from '../../../bench/ocr-corpus.js';

const doc = (path: string): CorpusDocument => ({
  path,
  source: 'test',
  kind: 'test',
  pages: 1,
  lang: 'eng',
  file: `/corpus/${path}`,
  contentType: 'image/png',
  groundTruth: '',
});

describe('Function: splitHalf', () => {
  it('alternates documents per source folder in path order, the first of each folder to tune', () => {
    // Prepare: manifest order is not path order.
    const docs = ['b/2.png', 'a/3.png', 'a/1.png', 'b/1.png', 'a/2.png'].map(doc);

    // Act
    const tune = splitHalf(docs, 'tune').map((d) => d.path);
    const holdout = splitHalf(docs, 'holdout').map((d) => d.path);

    // Assess
    expect(tune).toEqual(['b/1.png', 'a/1.png', 'a/3.png']);
    expect(holdout).toEqual(['b/2.png', 'a/2.png']);
  });

  it('puts every document in exactly one half', () => {
    const docs = ['x/1', 'x/2', 'y/1', 'z/1', 'z/2', 'z/3'].map(doc);
    const halves = [...splitHalf(docs, 'tune'), ...splitHalf(docs, 'holdout')].map((d) => d.path).sort();
    expect(halves).toEqual(docs.map((d) => d.path).sort());
  });
});
