/**
 * Text-accuracy metrics shared by the OCR tests and the OCR benchmark. Both compare recognized text
 * with a ground truth after the same normalisation, so the numbers are comparable across engines.
 */

/**
 * Normalises text for comparison: Unicode NFKC (folds ligatures such as "ﬁ" and full-width forms),
 * every run of whitespace (newlines included) collapsed to one space, then trimmed.
 *
 * @param s - Any text.
 * @returns The normalised text.
 */
export function normalizeText(s: string): string {
  return s.normalize('NFKC').replace(/\s+/gu, ' ').trim();
}

/**
 * Levenshtein distance between two sequences (insertions, deletions and substitutions cost 1).
 *
 * Uses Myers' bit-parallel algorithm in Hyyrö's block form (as in edlib): 32 rows per machine word,
 * so a whole 14-page paper (80 000 characters each side) compares in about a second where the
 * textbook dynamic programme would take minutes.
 *
 * @param a - First sequence.
 * @param b - Second sequence.
 * @returns The edit distance.
 */
export function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  // The shorter sequence is the "pattern" packed into bit vectors; the other one is scanned.
  const [pattern, text] = a.length <= b.length ? [a, b] : [b, a];
  const m = pattern.length;
  if (m === 0) return text.length;
  const blocks = Math.ceil(m / 32);
  const peq = new Map<T, Int32Array>();
  pattern.forEach((symbol, i) => {
    let vector = peq.get(symbol);
    if (vector === undefined) {
      vector = new Int32Array(blocks);
      peq.set(symbol, vector);
    }
    vector[i >>> 5] = (vector[i >>> 5] ?? 0) | (1 << (i & 31));
  });
  const none = new Int32Array(blocks);
  const pv = new Int32Array(blocks).fill(-1);
  const mv = new Int32Array(blocks);
  // The last block may be partly padding; its score row is the pattern's last real row.
  const lastRowBit = 1 << ((m - 1) & 31);
  const highBit = 1 << 31;
  let score = m;
  for (const symbol of text) {
    const eqVector = peq.get(symbol) ?? none;
    // Row 0 of the matrix is 0, 1, 2, … so the delta entering the first block is always +1.
    let hin = 1;
    for (let k = 0; k < blocks; k += 1) {
      let eq = eqVector[k] ?? 0;
      const pvk = pv[k] ?? 0;
      const mvk = mv[k] ?? 0;
      const xv = eq | mvk;
      if (hin < 0) eq |= 1;
      const xh = (((eq & pvk) + pvk) ^ pvk) | eq;
      let ph = mvk | ~(xh | pvk);
      let mh = pvk & xh;
      const bit = k === blocks - 1 ? lastRowBit : highBit;
      const hout = (ph & bit) !== 0 ? 1 : (mh & bit) !== 0 ? -1 : 0;
      ph <<= 1;
      mh <<= 1;
      if (hin < 0) mh |= 1;
      else if (hin > 0) ph |= 1;
      pv[k] = mh | ~(xv | ph);
      mv[k] = ph & xv;
      hin = hout;
    }
    score += hin;
  }
  return score;
}

/** Counts of one comparison, so a benchmark can sum them over documents before dividing. */
export interface ErrorCounts {
  /** Edit distance between hypothesis and reference. */
  errors: number;
  /** Length of the reference (characters or words). */
  length: number;
}

/**
 * Character edit counts of `hyp` against `ref`, both normalised with {@link normalizeText}.
 * Characters are Unicode code points, so "ü" is one character whatever its UTF-16 length.
 *
 * @param hyp - Recognised text.
 * @param ref - Ground truth.
 * @returns Errors and reference length in characters.
 */
export function characterErrors(hyp: string, ref: string): ErrorCounts {
  const h = Array.from(normalizeText(hyp));
  const r = Array.from(normalizeText(ref));
  return { errors: editDistance(h, r), length: r.length };
}

/**
 * Word edit counts of `hyp` against `ref`, both normalised with {@link normalizeText} and split
 * on spaces.
 *
 * @param hyp - Recognised text.
 * @param ref - Ground truth.
 * @returns Errors and reference length in words.
 */
export function wordErrors(hyp: string, ref: string): ErrorCounts {
  const split = (s: string): string[] => {
    const n = normalizeText(s);
    return n === '' ? [] : n.split(' ');
  };
  const r = split(ref);
  return { errors: editDistance(split(hyp), r), length: r.length };
}

/**
 * Word edit counts when the words may come in any order: the fewest insertions, deletions and
 * substitutions that turn the hypothesis into the reference once the words may be reordered for
 * free, i.e. `max(|hyp|, |ref|) − |hyp ∩ ref|` (multisets). Reading order is a layout question
 * that the ground truth of forms and receipts answers in one of several fair ways; this count
 * measures the words read, whatever their order.
 *
 * @param hyp - Recognised text.
 * @param ref - Ground truth.
 * @returns Errors and reference length in words.
 */
export function unorderedWordErrors(hyp: string, ref: string): ErrorCounts {
  const split = (s: string): string[] => {
    const n = normalizeText(s);
    return n === '' ? [] : n.split(' ');
  };
  const h = split(hyp);
  const r = split(ref);
  const counts = new Map<string, number>();
  for (const word of r) counts.set(word, (counts.get(word) ?? 0) + 1);
  let common = 0;
  for (const word of h) {
    const left = counts.get(word) ?? 0;
    if (left > 0) {
      common += 1;
      counts.set(word, left - 1);
    }
  }
  return { errors: Math.max(h.length, r.length) - common, length: r.length };
}

/** Ratio of errors to reference length; an empty reference scores 0 when the hypothesis is empty too. */
function rate({ errors, length }: ErrorCounts): number {
  if (length === 0) return errors === 0 ? 0 : 1;
  return errors / length;
}

/**
 * Character error rate: character edit distance divided by the number of reference characters,
 * after {@link normalizeText}. 0 is perfect; it can exceed 1 when the hypothesis is much longer.
 *
 * @param hyp - Recognised text.
 * @param ref - Ground truth.
 * @returns The CER as a fraction (0.05 = 5 %).
 */
export function characterErrorRate(hyp: string, ref: string): number {
  return rate(characterErrors(hyp, ref));
}

/**
 * Word error rate: word edit distance divided by the number of reference words, after
 * {@link normalizeText}.
 *
 * @param hyp - Recognised text.
 * @param ref - Ground truth.
 * @returns The WER as a fraction.
 */
export function wordErrorRate(hyp: string, ref: string): number {
  return rate(wordErrors(hyp, ref));
}
