/**
 * `npm run bench [-- <name> [args]]`: runs one benchmark, or all of them one after another (each in
 * its own process, so one cannot warm up or slow down the next).
 *
 *   npm run bench                      all
 *   npm run bench -- pipeline --tasks 30
 *   npm run bench -- ocr [--native]
 *   npm run bench -- burst --docs 2000 [--kill 2]
 *   npm run bench -- scale [--sizes 1000,10000,100000]
 *   npm run bench -- bundles [--runs 9]
 */
import { spawnSync } from 'node:child_process';

const BENCHES: Record<string, string> = {
  pipeline: 'bench/pipeline.ts',
  ocr: 'bench/ocr.ts',
  'ocr-orientation': 'bench/ocr-orientation.ts',
  web: 'bench/web.ts',
  scale: 'bench/scale.ts',
  burst: 'bench/burst.ts',
  bundles: 'bench/bundles.ts',
};

const [name, ...args] = process.argv.slice(2);
if (name && !BENCHES[name]) {
  console.error(`Unknown benchmark '${name}'. Choose one of: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
const selected = name ? [name] : Object.keys(BENCHES);
let failed = false;
for (const bench of selected) {
  console.log(`\n## ${bench}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', BENCHES[bench]!, ...args], {
    stdio: 'inherit',
  });
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
