/**
 * Web console cost: JavaScript shipped (gzipped) and the time from navigation to a task board for an
 * account with 500 tasks, in Debian's Chromium against the real local host.
 *
 *   npx tsx bench/web.ts [--tasks 500] [--runs 5]
 */
import '../local/polyfills.js';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { loadLocalConfig } from '../local/config.js';
import { startLocalHost } from '../local/host.js';
import { percentile, printTable } from './table.js';

const arg = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const TASKS = arg('tasks', 500);
const RUNS = arg('runs', 5);
const DIST = resolve('web/dist');
const KB = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

const buildWeb = async () => {
  const { build } = await import('vite');
  process.env.NODE_ENV = 'production';
  await build({ configFile: resolve('web/vite.config.ts'), mode: 'production', logLevel: 'warn' });
};

/** Gzipped size of the JavaScript index.html loads up front, and of all JavaScript in the build. */
const measureBundle = async () => {
  const html = await readFile(join(DIST, 'index.html'), 'utf8');
  const initial = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!));
  const files = (await readdir(join(DIST, 'assets'))).filter((f) => f.endsWith('.js'));
  let initialGzip = 0;
  let totalGzip = 0;
  let totalRaw = 0;
  for (const file of files) {
    const bytes = await readFile(join(DIST, 'assets', file));
    const gz = gzipSync(bytes, { level: 9 }).byteLength;
    totalGzip += gz;
    totalRaw += bytes.byteLength;
    if (initial.has(`assets/${file}`)) initialGzip += gz;
  }
  const css = (await readdir(join(DIST, 'assets'))).filter((f) => f.endsWith('.css'));
  let cssGzip = 0;
  for (const file of css)
    cssGzip += gzipSync(await readFile(join(DIST, 'assets', file)), { level: 9 }).byteLength;
  return { files: files.length, initialGzip, totalGzip, totalRaw, cssGzip };
};

const main = async () => {
  await buildWeb();
  const bundle = await measureBundle();

  const dataDir = await mkdtemp(join(tmpdir(), 'untxt-bench-web-'));
  const host = await startLocalHost(
    loadLocalConfig({
      PORT: '0',
      UNTXT_DATA_DIR: dataDir,
      UNTXT_ADMIN_PASSWORD: 'bench-password',
      LOG_LEVEL: 'silent',
    }),
  );
  const origin = `http://127.0.0.1:${host.port}`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const registered = (await (
      await fetch(`${origin}/api/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'bench@example.com', password: 'correct horse battery' }),
      })
    ).json()) as { token: string; expiresIn: number; user: { id: string; email: string; groups: string[] } };
    // Tasks awaiting upload are full rows for the board; no OCR is needed to fill it.
    for (let made = 0; made < TASKS; made += 50) {
      const files = Array.from({ length: Math.min(50, TASKS - made) }, (_, i) => ({
        filename: `bench-${made + i}.png`,
        contentType: 'image/png',
        size: 1000 + i,
      }));
      const res = await fetch(`${origin}/api/tasks/batch`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${registered.token}` },
        body: JSON.stringify({ files }),
      });
      if (res.status !== 201) throw new Error(`batch create failed: ${res.status} ${await res.text()}`);
    }
    const session = JSON.stringify({
      token: registered.token,
      expiresAt: Date.now() + registered.expiresIn * 1000,
      user: registered.user,
    });

    const firstPage: number[] = [];
    const allRows: number[] = [];
    let coldFirstPage = 0;
    // Run 0 is the first visit after the host started (cold database, file and browser caches); it
    // is reported on its own, the others make the median.
    for (let run = 0; run <= RUNS; run += 1) {
      // A fresh context each run: empty HTTP cache, as on a first visit.
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await context.addInitScript(`localStorage.setItem('untxt.session', ${JSON.stringify(session)})`);
      const page = await context.newPage();
      await page.goto(origin);
      await page.waitForFunction(
        (total) =>
          document.querySelector('[data-stat=total] dd')?.textContent === String(total) &&
          document.querySelectorAll('[data-task-id]').length > 0,
        TASKS,
        { polling: 'raf' },
      );
      const rendered = await page.evaluate(() => performance.now());
      if (run === 0) coldFirstPage = rendered;
      else firstPage.push(rendered);
      if (process.env.BENCH_DEBUG)
        console.log(
          await page.evaluate(() =>
            JSON.stringify([
              ...performance
                .getEntriesByType('navigation')
                .map((e) => [
                  'nav',
                  Math.round((e as PerformanceNavigationTiming).responseEnd),
                  Math.round((e as PerformanceNavigationTiming).domContentLoadedEventEnd),
                ]),
              ...performance
                .getEntriesByType('resource')
                .map((e) => [
                  e.name.slice(-40),
                  Math.round(e.startTime),
                  Math.round((e as PerformanceResourceTiming).responseEnd),
                ]),
            ]),
          ),
        );
      // Then every row: "Load more" until the cursor runs out.
      const start = await page.evaluate(() => performance.now());
      while (await page.getByRole('button', { name: 'Load more' }).isVisible()) {
        const before = await page.locator('[data-task-id]').count();
        await page.getByRole('button', { name: 'Load more' }).click();
        await page.waitForFunction((n) => document.querySelectorAll('[data-task-id]').length > n, before, {
          polling: 'raf',
        });
      }
      const rows = await page.locator('[data-task-id]').count();
      if (rows !== TASKS) throw new Error(`expected ${TASKS} rows, saw ${rows}`);
      if (run > 0) allRows.push((await page.evaluate(() => performance.now())) - start);
      await context.close();
    }

    printTable(
      'Web console: JavaScript shipped',
      ['what', 'gzipped', 'target'],
      [
        ['JS loaded by index.html', KB(bundle.initialGzip), '≤ 200 KB'],
        [`all JS in the build (${bundle.files} files, ${KB(bundle.totalRaw)} raw)`, KB(bundle.totalGzip), ''],
        ['CSS', KB(bundle.cssGzip), ''],
      ],
    );
    printTable(
      `Web console: task board with ${TASKS} tasks (${RUNS} runs after one cold visit, fresh browser context each)`,
      ['measure', 'median', 'p95', 'target'],
      [
        [
          'navigation → board with first page and stats',
          `${percentile(firstPage, 50).toFixed(0)} ms`,
          `${percentile(firstPage, 95).toFixed(0)} ms`,
          '≤ 1000 ms',
        ],
        [
          'navigation → board, first visit after the host started (cold)',
          `${coldFirstPage.toFixed(0)} ms`,
          '',
          '',
        ],
        [
          `first page → all ${TASKS} rows via "Load more"`,
          `${percentile(allRows, 50).toFixed(0)} ms`,
          `${percentile(allRows, 95).toFixed(0)} ms`,
          '',
        ],
      ],
    );
    console.log('\nReproduce: npx tsx bench/web.ts --tasks 500 --runs 5 (needs /usr/bin/chromium)');
  } finally {
    await browser.close();
    await host.close();
    await rm(dataDir, { recursive: true, force: true });
  }
};

await main();
