/**
 * Greedy CTC decoding of PaddleOCR's recognizer output, keeping where each character was read so
 * that a line can be split into words with their own boxes.
 */

/** A decoded line: its characters, each with its time step, and the mean character probability. */
export interface DecodedLine {
  text: string;
  /** Time step (output column) of each character of `text`. */
  steps: number[];
  /** Probability of each character of `text`. */
  probabilities: number[];
  /** Mean probability of the characters (0–1); 0 for an empty line. */
  confidence: number;
}

/**
 * Decodes one line: the most probable class per time step, repeats merged, blanks dropped.
 *
 * @param output - Probabilities, `steps × classes`, row-major, starting at `offset`.
 * @param offset - Index of the line's first value in `output`.
 * @param steps - Time steps of the line.
 * @param classes - Classes per step; class 0 is the CTC blank.
 * @param alphabet - Character of each class (index 0 unused).
 * @returns The text, character steps and confidence.
 */
export function ctcGreedyDecode(
  output: Float32Array,
  offset: number,
  steps: number,
  classes: number,
  alphabet: readonly string[],
): DecodedLine {
  let text = '';
  const at: number[] = [];
  const probabilities: number[] = [];
  let previous = -1;
  for (let t = 0; t < steps; t += 1) {
    const base = offset + t * classes;
    let best = 0;
    let bestP = output[base] ?? 0;
    for (let c = 1; c < classes; c += 1) {
      const p = output[base + c] ?? 0;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0 && best !== previous) {
      const char = alphabet[best] ?? '';
      text += char;
      for (let i = 0; i < char.length; i += 1) {
        at.push(t);
        probabilities.push(bestP);
      }
    }
    previous = best;
  }
  const confidence =
    probabilities.length === 0 ? 0 : probabilities.reduce((a, b) => a + b, 0) / probabilities.length;
  return { text, steps: at, probabilities, confidence };
}

/** A word of a decoded line, with its horizontal extent in time steps (end exclusive). */
export interface DecodedWord {
  text: string;
  start: number;
  end: number;
  confidence: number;
}

/**
 * Splits a decoded line at spaces into words.
 *
 * @param line - The decoded line.
 * @returns Its words, left to right, with their step ranges.
 */
export function splitWords(line: DecodedLine): DecodedWord[] {
  const words: DecodedWord[] = [];
  let current: { chars: string[]; steps: number[]; p: number[] } = { chars: [], steps: [], p: [] };
  const flush = (): void => {
    if (current.chars.length > 0) {
      words.push({
        text: current.chars.join(''),
        start: current.steps[0] as number,
        end: (current.steps.at(-1) as number) + 1,
        confidence: current.p.reduce((a, b) => a + b, 0) / current.p.length,
      });
    }
    current = { chars: [], steps: [], p: [] };
  };
  const chars = [...line.text];
  // `steps`/`probabilities` are per UTF-16 unit; walk them alongside the code points.
  let unit = 0;
  for (const char of chars) {
    const step = line.steps[unit] ?? 0;
    const p = line.probabilities[unit] ?? 0;
    unit += char.length;
    if (/\s/u.test(char)) {
      flush();
      continue;
    }
    current.chars.push(char);
    current.steps.push(step);
    current.p.push(p);
  }
  flush();
  return words;
}

/**
 * Puts back spaces the recognizer left out. PP-OCRv4's Chinese-trained recognizer often reads a
 * Latin line without its spaces, but the gap is still there in the output: the characters either
 * side of a space are further apart (in time steps) than the line's usual character pitch.
 *
 * @param line - The decoded line.
 * @param factor - A gap this many times the median pitch (and at least two steps more) is a space.
 * @returns The line with the spaces inserted (a space takes the step after the character before it).
 */
export function insertGapSpaces(line: DecodedLine, factor = 1.7): DecodedLine {
  const { text, steps, probabilities } = line;
  if (text.length < 3 || [...text].length !== text.length) return line;
  const gaps: number[] = [];
  for (let i = 1; i < text.length; i += 1) {
    if (text[i] !== ' ' && text[i - 1] !== ' ') gaps.push((steps[i] as number) - (steps[i - 1] as number));
  }
  if (gaps.length < 2) return line;
  const pitch = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] as number;
  let out = text[0] as string;
  const outSteps = [steps[0] as number];
  const outP = [probabilities[0] as number];
  for (let i = 1; i < text.length; i += 1) {
    const gap = (steps[i] as number) - (steps[i - 1] as number);
    if (text[i] !== ' ' && text[i - 1] !== ' ' && gap >= factor * pitch && gap >= pitch + 2) {
      out += ' ';
      outSteps.push((steps[i - 1] as number) + 1);
      outP.push(probabilities[i] as number);
    }
    out += text[i] as string;
    outSteps.push(steps[i] as number);
    outP.push(probabilities[i] as number);
  }
  return { ...line, text: out, steps: outSteps, probabilities: outP };
}
