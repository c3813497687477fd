import { describe, expect, it } from 'vitest';
import { ctcGreedyDecode, insertGapSpaces, splitWords } from '../../../../../local/ocr/paddle/ctc.js';

const ALPHABET = ['', 'a', 'b', 'ß', ' '];

/** A `steps × classes` probability matrix with `p` on the given class per step. */
function output(classesPerStep: number[], p = 0.9): Float32Array {
  const out = new Float32Array(classesPerStep.length * ALPHABET.length);
  classesPerStep.forEach((c, t) => {
    for (let k = 0; k < ALPHABET.length; k += 1) out[t * ALPHABET.length + k] = k === c ? p : (1 - p) / 4;
  });
  return out;
}

describe('Function: ctcGreedyDecode', () => {
  it('merges repeats and drops blanks when decoding, keeping a repeat separated by a blank', () => {
    // Prepare: a a _ a b b _ ß
    const probs = output([1, 1, 0, 1, 2, 2, 0, 3]);

    // Act
    const line = ctcGreedyDecode(probs, 0, 8, ALPHABET.length, ALPHABET);

    // Assess
    expect(line.text).toBe('aabß');
    expect(line.steps).toEqual([0, 3, 4, 7]);
    expect(line.confidence).toBeCloseTo(0.9, 5);
  });

  it('reads the line at the given offset when the batch holds several lines', () => {
    // Prepare
    const first = output([1, 0]);
    const second = output([2, 3]);
    const batch = new Float32Array([...first, ...second]);

    // Act
    const line = ctcGreedyDecode(batch, first.length, 2, ALPHABET.length, ALPHABET);

    // Assess
    expect(line.text).toBe('bß');
  });
});

describe('Function: insertGapSpaces', () => {
  it('inserts a space where the gap between characters is much wider than the pitch', () => {
    // Prepare: characters every 3 steps, then a gap of 8.
    const line = { text: 'abab', steps: [0, 3, 11, 14], probabilities: [1, 1, 1, 1], confidence: 1 };

    // Act
    const spaced = insertGapSpaces(line);

    // Assess
    expect(spaced.text).toBe('ab ab');
    expect(spaced.steps).toHaveLength(5);
  });

  it('leaves evenly spaced characters alone', () => {
    const line = { text: 'abab', steps: [0, 3, 6, 9], probabilities: [1, 1, 1, 1], confidence: 1 };
    expect(insertGapSpaces(line).text).toBe('abab');
  });
});

describe('Function: splitWords', () => {
  it('splits at spaces and gives each word its step range', () => {
    // Prepare
    const line = { text: 'ab ß', steps: [0, 2, 5, 9], probabilities: [0.8, 1, 1, 0.6], confidence: 0.85 };

    // Act
    const words = splitWords(line);

    // Assess
    expect(words).toEqual([
      { text: 'ab', start: 0, end: 3, confidence: 0.9 },
      { text: 'ß', start: 9, end: 10, confidence: 0.6 },
    ]);
  });
});
