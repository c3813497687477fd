import { describe, expect, it } from 'vitest';
import {
  characterErrorRate,
  characterErrors,
  editDistance,
  normalizeText,
  unorderedWordErrors,
  wordErrorRate,
  wordErrors,
} from '../../../../local/ocr/metrics.js';

/** Textbook O(n·m) Levenshtein, the reference the bit-parallel version must agree with. */
function naiveDistance(a: string[], b: string[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Deterministic pseudo-random strings over a small alphabet, so edits collide often. */
function* randomPairs(count: number): Generator<[string[], string[]]> {
  let seed = 42;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const word = (): string[] =>
    Array.from({ length: Math.floor(next() * 150) }, () => 'abcd'.charAt(Math.floor(next() * 4)));
  for (let i = 0; i < count; i += 1) yield [word(), word()];
}

describe('Function: normalizeText', () => {
  it('folds compatibility characters and collapses whitespace when given messy text', () => {
    // Prepare
    const input = '  ﬁne\u00a0print\n\n\tＡ1  ';

    // Act
    const result = normalizeText(input);

    // Assess
    expect(result).toBe('fine print A1');
  });
});

describe('Function: editDistance', () => {
  it('agrees with the textbook algorithm when sequences span several 32-row blocks', () => {
    // Prepare
    const pairs = [...randomPairs(400)];

    // Act
    const mismatches = pairs.filter(([a, b]) => editDistance(a, b) !== naiveDistance(a, b));

    // Assess
    expect(mismatches).toEqual([]);
  });

  it('returns the other length when one sequence is empty', () => {
    // Prepare
    const word = Array.from('kitten');

    // Act
    const distances = [editDistance([], word), editDistance(word, [])];

    // Assess
    expect(distances).toEqual([6, 6]);
  });

  it('counts the classic kitten/sitting example as three edits', () => {
    // Prepare
    const [a, b] = [Array.from('kitten'), Array.from('sitting')];

    // Act
    const distance = editDistance(a, b);

    // Assess
    expect(distance).toBe(3);
  });
});

describe('Function: characterErrorRate', () => {
  it('is zero when texts differ only in whitespace', () => {
    // Prepare
    const [hyp, ref] = ['Hello\n  world', 'Hello world'];

    // Act
    const cer = characterErrorRate(hyp, ref);

    // Assess
    expect(cer).toBe(0);
  });

  it('divides character edits by the reference length when there are errors', () => {
    // Prepare
    const [hyp, ref] = ['Grusse', 'Grüße'];

    // Act
    const counts = characterErrors(hyp, ref);
    const cer = characterErrorRate(hyp, ref);

    // Assess
    expect(counts).toEqual({ errors: 3, length: 5 });
    expect(cer).toBeCloseTo(0.6);
  });

  it('scores an empty reference as 0 or 1 when hypothesis is empty or not', () => {
    // Prepare / Act
    const rates = [characterErrorRate('', ' '), characterErrorRate('x', '')];

    // Assess
    expect(rates).toEqual([0, 1]);
  });
});

describe('Function: wordErrorRate', () => {
  it('counts word substitutions against reference words when one word is wrong', () => {
    // Prepare
    const [hyp, ref] = ['the quick brown f0x', 'the quick  brown fox'];

    // Act
    const counts = wordErrors(hyp, ref);
    const wer = wordErrorRate(hyp, ref);

    // Assess
    expect(counts).toEqual({ errors: 1, length: 4 });
    expect(wer).toBe(0.25);
  });
});

describe('Function: unorderedWordErrors', () => {
  it('counts no error for the same words in another order, where the ordered count sees many', () => {
    // Prepare: a form read column by column against a ground truth read row by row
    const [hyp, ref] = ['Name Date Smith 1974', 'Name Smith Date 1974'];

    // Act
    const unordered = unorderedWordErrors(hyp, ref);
    const ordered = wordErrors(hyp, ref);

    // Assess
    expect(unordered).toEqual({ errors: 0, length: 4 });
    expect(ordered.errors).toBe(2);
  });

  it('counts a misread word once and missing or extra words once each, repeated words as often as they occur', () => {
    // Prepare
    const [hyp, ref] = ['total 9.00 total 9,00 cash', 'total 9.00 total 9.00'];

    // Act
    const counts = unorderedWordErrors(hyp, ref);

    // Assess: 9,00 for 9.00 (1) and the extra "cash" (1)
    expect(counts).toEqual({ errors: 2, length: 4 });
  });

  it('counts every reference word when nothing was read', () => {
    // Act
    const counts = unorderedWordErrors('', 'one two three');

    // Assess
    expect(counts).toEqual({ errors: 3, length: 3 });
  });
});
