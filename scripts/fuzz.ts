/**
 * `npm run fuzz -- --runs N [--seed S] [--path P]`: the property-based fuzz suites (test/fuzz/**,
 * test/e2e/fuzz.test.ts) with a bigger budget than `npm test` gives them. N is split between the
 * suites (see each suite's `share` in its `fuzzBudget`); every suite starts from the same seed, which
 * is printed so a run can be repeated. At the end it prints how many cases went to each route or
 * message kind, and exits non-zero when any property failed (vitest's exit code).
 *
 * A failure's report (from fast-check, in vitest's output) names the seed and the path of the shrunk
 * case: `npm run fuzz -- --runs N --seed S --path P` replays exactly that case.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { printTable } from '../bench/table.js';

const FUZZ_FILES = ['test/fuzz', 'test/e2e/fuzz.test.ts'];

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '2000' },
    seed: { type: 'string' },
    path: { type: 'string' },
  },
});

const runs = Number(args.runs);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
const seed = args.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(args.seed);
if (!Number.isSafeInteger(seed)) throw new Error('--seed must be an integer');

const reportDir = mkdtempSync(join(tmpdir(), 'untxt-fuzz-report-'));
console.log(`Fuzzing with --runs ${runs} --seed ${seed}${args.path ? ` --path ${args.path}` : ''}`);
const started = Date.now();
const vitest = spawnSync('npx', ['vitest', 'run', ...FUZZ_FILES], {
  stdio: 'inherit',
  env: {
    ...process.env,
    FUZZ_RUNS: String(runs),
    FUZZ_SEED: String(seed),
    ...(args.path ? { FUZZ_PATH: args.path } : {}),
    FUZZ_REPORT_DIR: reportDir,
  },
});
const seconds = ((Date.now() - started) / 1000).toFixed(1);

interface SuiteReport {
  suite: string;
  seed: number;
  durationMs: number;
  counts: Record<string, number>;
}

const reports: SuiteReport[] = readdirSync(reportDir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => JSON.parse(readFileSync(join(reportDir, name), 'utf8')) as SuiteReport)
  .sort((a, b) => a.suite.localeCompare(b.suite));
rmSync(reportDir, { recursive: true, force: true });

let total = 0;
for (const report of reports) {
  const rows = Object.entries(report.counts).sort(([a], [b]) => a.localeCompare(b));
  const sum = rows.reduce((n, [, count]) => n + count, 0);
  total += sum;
  printTable(
    `${report.suite}: ${sum} cases in ${(report.durationMs / 1000).toFixed(1)} s`,
    ['route or message', 'cases'],
    rows.map(([key, count]) => [key, count]),
  );
}

const failed = vitest.status !== 0;
console.log(
  `\n${total} generated cases in ${reports.length} suites, ${seconds} s, seed ${seed}: ` +
    (failed ? 'FAILED (the shrunk case and its path are above)' : '0 failures'),
);
if (failed)
  console.log(`Replay: npm run fuzz -- --runs ${runs} --seed ${seed} --path <path from the report>`);
process.exit(vitest.status ?? 1);
