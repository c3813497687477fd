/**
 * How many cases each fuzz suite runs, with which seed, and where the per-route counts go.
 *
 * - `npm test` runs each suite's small default budget with a fresh random seed.
 * - `npm run fuzz -- --runs N [--seed S] [--path P]` (scripts/fuzz.ts) sets `FUZZ_RUNS`, `FUZZ_SEED`,
 *   `FUZZ_PATH` and `FUZZ_REPORT_DIR`; every suite then runs its share of N and writes its counts.
 * - A failure prints fast-check's report: the seed, the path and the shrunk input. Pass them back
 *   (`FUZZ_SEED=… FUZZ_PATH=… npx vitest run <file>`, or `npm run fuzz -- --seed … --path …`) to replay it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type fc from 'fast-check';

export interface FuzzBudget {
  /** Cases of this suite. */
  numRuns: number;
  /** The seed fast-check starts from (printed on failure). */
  seed: number;
  /** A shrunk case's path to replay, from a failure report. */
  path?: string;
  /** Milliseconds the vitest test may take for this budget. */
  timeoutMs: number;
}

const positiveInteger = (value: string | undefined): number | undefined => {
  const parsed = Number(value);
  return value !== undefined && Number.isSafeInteger(parsed) && parsed > 0 ? parsed : undefined;
};

/**
 * The budget of one suite.
 *
 * @param defaults.runs - Cases in `npm test`.
 * @param defaults.share - This suite's share of `FUZZ_RUNS` (heavier suites take a smaller one).
 * @param defaults.msPerCase - A generous time per case, for the test's timeout.
 */
export function fuzzBudget(defaults: { runs: number; share: number; msPerCase: number }): FuzzBudget {
  const total = positiveInteger(process.env.FUZZ_RUNS);
  const numRuns = total === undefined ? defaults.runs : Math.max(1, Math.round(total * defaults.share));
  const seedText = process.env.FUZZ_SEED;
  const seed = seedText !== undefined && seedText !== '' ? Number(seedText) : (Date.now() ^ 0x5eed) | 0;
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got '${seedText}'`);
  const path = process.env.FUZZ_PATH || undefined;
  return { numRuns, seed, path, timeoutMs: 60_000 + numRuns * defaults.msPerCase };
}

/** fast-check's parameters for a budget: its seed and path, and the report a failure prints. */
export function fuzzParameters<T>(budget: FuzzBudget): fc.Parameters<T> {
  return {
    numRuns: budget.numRuns,
    seed: budget.seed,
    ...(budget.path === undefined ? {} : { path: budget.path }),
    // Shrink a failure to a small input; the report shows it with the seed and path to replay it.
    endOnFailure: false,
  };
}

/** Counts of generated cases by route (or message kind), reported by `npm run fuzz`. */
export class CaseCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly suite: string) {}

  count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  total(): number {
    return [...this.counts.values()].reduce((sum, n) => sum + n, 0);
  }

  /** Writes the counts for scripts/fuzz.ts when it asked for them (`FUZZ_REPORT_DIR`). */
  report(extra: { seed: number; durationMs: number }): void {
    const dir = process.env.FUZZ_REPORT_DIR;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `${this.suite.replace(/[^\w.-]+/g, '_')}-${process.pid}.json`),
      JSON.stringify({ suite: this.suite, ...extra, counts: Object.fromEntries(this.counts) }),
    );
  }
}
