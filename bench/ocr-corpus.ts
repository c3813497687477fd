/**
 * The evaluation corpus of the OCR benchmarks: a folder with `MANIFEST.tsv`, the documents and a
 * `NAME.gt.txt` ground truth beside each (see ../shared/corpus/README.md). Read in place, never
 * copied into the repository.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface CorpusDocument {
  path: string;
  source: string;
  kind: string;
  pages: number;
  lang: string;
  file: string;
  contentType: string;
  groundTruth: string;
  /** Score with case ignored (`bench ocr --ignore-case`; SROIE's reference is in capitals). */
  ignoreCase?: boolean;
}

export const CONTENT_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.webp': 'image/webp',
};

export async function loadCorpus(corpus: string, only: string[] | undefined): Promise<CorpusDocument[]> {
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

export const folderOf = (doc: CorpusDocument): string => doc.path.split('/')[0] ?? '.';

/**
 * The deterministic half of a corpus: per source folder, documents sorted by path, the first, third,
 * … are `tune`, the second, fourth, … `holdout`.
 */
export function splitHalf(docs: CorpusDocument[], half: 'tune' | 'holdout'): CorpusDocument[] {
  const kept: CorpusDocument[] = [];
  for (const group of groupByFolder(docs).values()) {
    const sorted = [...group].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    kept.push(...sorted.filter((_, index) => (index % 2 === 0) === (half === 'tune')));
  }
  return kept;
}

export function groupByFolder(docs: CorpusDocument[]): Map<string, CorpusDocument[]> {
  const groups = new Map<string, CorpusDocument[]>();
  for (const doc of docs) groups.set(folderOf(doc), [...(groups.get(folderOf(doc)) ?? []), doc]);
  return groups;
}
