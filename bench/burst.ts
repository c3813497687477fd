/**
 * A burst against a throttling Textract: documents dropped at once into the uploads area of many
 * users, the whole local platform (real handlers, real ASL, local runner) in front of the simulated
 * Textract with quotas (`local/textract-simulator.ts`) and fake recognition. Proves that admission
 * control keeps every call under the quotas, uses them, fails nothing and shares them fairly, also
 * across `kill -9` of the host.
 *
 *   npm run bench -- burst [--docs 2000] [--users 20] [--light-docs 10] [--multipage 0.25]
 *                          [--sync-tps 5] [--async-tps 2] [--jobs 10] [--page-ms 200]
 *                          [--kill 2] [--over-quota 1.5] [--database-url postgres://…]
 *
 * `--over-quota F` configures admission F times above the simulated quotas (someone raised them
 * without a Service Quotas increase): calls are then throttled, and must still all complete.
 * The last line is one summary of `key=value` pairs.
 */
import '../local/polyfills.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createDatabase } from '../database/connect.js';
import type { SimulatorEvent } from '../local/textract-simulator.js';
import { makePdf, renderTextPng } from '../test/fixtures/documents.js';
import { percentile, printTable } from './table.js';
import { freePort } from '../test/helpers/free-port.js';

const { values: args } = parseArgs({
  options: {
    docs: { type: 'string', default: '2000' },
    users: { type: 'string', default: '20' },
    'light-docs': { type: 'string', default: '10' },
    multipage: { type: 'string', default: '0.25' },
    'sync-tps': { type: 'string', default: '5' },
    'async-tps': { type: 'string', default: '2' },
    jobs: { type: 'string', default: '10' },
    'page-ms': { type: 'string', default: '200' },
    kill: { type: 'string', default: '0' },
    'over-quota': { type: 'string', default: '1' },
    executions: { type: 'string', default: '32' },
    'database-url': { type: 'string' },
    'timeout-min': { type: 'string', default: '60' },
  },
});

const positive = (name: keyof typeof args, integer = true): number => {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value)))
    throw new Error(`--${name} must be a ${integer ? 'non-negative integer' : 'non-negative number'}`);
  return value;
};

const DOCS = positive('docs');
const USERS = positive('users');
const LIGHT_DOCS = positive('light-docs');
const MULTIPAGE = positive('multipage', false);
const QUOTAS = { sync: positive('sync-tps'), async: positive('async-tps'), jobs: positive('jobs') };
const OVER = positive('over-quota', false);
const KILLS = positive('kill');
const HEAVY_DOCS = DOCS - LIGHT_DOCS * (USERS - 1);
if (USERS < 2 || HEAVY_DOCS < LIGHT_DOCS)
  throw new Error('Need at least 2 users, and more documents than the light users take');

const dataDir = await mkdtemp(join(tmpdir(), 'untxt-burst-'));
const callLog = join(dataDir, 'textract-calls.jsonl');
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const ADMIN = { email: 'admin@untxt.local', password: 'burst-bench-password' };
const env = {
  ...process.env,
  PORT: String(port),
  UNTXT_DATA_DIR: dataDir,
  UNTXT_ADMIN_PASSWORD: ADMIN.password,
  LOG_LEVEL: 'error',
  UNTXT_OCR_ENGINE: 'fake',
  UNTXT_FAKE_OCR_PAGE_MS: String(positive('page-ms')),
  UNTXT_MAX_EXECUTIONS: String(positive('executions')),
  UNTXT_DROP_SCAN_MS: '500',
  UNTXT_TEXTRACT_SYNC_TPS: String(Math.max(1, Math.round(QUOTAS.sync * OVER))),
  UNTXT_TEXTRACT_ASYNC_START_TPS: String(Math.max(1, Math.round(QUOTAS.async * OVER))),
  UNTXT_TEXTRACT_MAX_CONCURRENT_JOBS: String(Math.max(1, Math.round(QUOTAS.jobs * OVER))),
  UNTXT_SIM_SYNC_TPS: String(QUOTAS.sync),
  UNTXT_SIM_ASYNC_START_TPS: String(QUOTAS.async),
  UNTXT_SIM_MAX_JOBS: String(QUOTAS.jobs),
  UNTXT_SIM_CALL_LOG: callLog,
  ...(args['database-url'] ? { DATABASE_URL: args['database-url'] } : {}),
};

let host: ChildProcess | undefined;
const startHost = async () => {
  host = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (host.exitCode !== null) throw new Error(`The host exited with ${host.exitCode}`);
    try {
      if ((await fetch(`${base}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('The host did not start within 2 minutes');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};
const killHost = async (signal: NodeJS.Signals) => {
  const child = host;
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
};

const post = async (path: string, body: unknown, token?: string) => {
  const response = await fetch(`${base}/api${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<Record<string, unknown>>;
};

const overview = async (token: string) => {
  const response = await fetch(`${base}/api/admin/overview`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`overview: ${response.status}`);
  return (await response.json()) as { tasks: Record<string, number> };
};

/** Most events within any window of `windowMs` (events sorted by time). */
const peakPerWindow = (times: number[], windowMs = 1_000) => {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let start = 0, end = 0; end < sorted.length; end += 1) {
    while (sorted[end]! - sorted[start]! >= windowMs) start += 1;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
};

/** Share of a rate quota used between the first and the last call. */
const quotaUse = (times: number[], tps: number) => {
  if (times.length < 2) return 1;
  const spanSeconds = (Math.max(...times) - Math.min(...times)) / 1000 + 1;
  return times.length / (tps * spanSeconds);
};

try {
  await startHost();
  const admin = await post('/auth/login', ADMIN);
  const adminToken = admin.token as string;
  const users: Array<{ id: string; docs: number }> = [];
  for (let i = 0; i < USERS; i += 1) {
    const registered = await post('/auth/register', {
      email: `burst-${i}@example.com`,
      password: 'burst-bench-password',
    });
    users.push({ id: (registered.user as { id: string }).id, docs: i === 0 ? HEAVY_DOCS : LIGHT_DOCS });
  }

  // Small documents: a one-page PNG, and PDFs of 2–4 pages. Every document's bytes differ a little
  // (the page count varies and PNGs carry their number), like real uploads.
  const pngs = await Promise.all([0, 1, 2, 3].map((i) => renderTextPng([`Receipt ${i}`, `Total 12.50`])));
  const pdfs = await Promise.all([2, 3, 4].map((pages) => makePdf(pages)));
  const uploads = join(dataDir, 'objects', 'untxt-documents', 'uploads');
  let multiPageDocs = 0;
  let docNumber = 0;
  const files: Array<{ path: string; bytes: Uint8Array }> = [];
  for (let round = 0; files.length < DOCS; round += 1) {
    for (const user of users) {
      if (round >= user.docs) continue;
      docNumber += 1;
      const multi = docNumber % Math.round(1 / Math.max(MULTIPAGE, 1e-9)) === 0;
      if (multi) multiPageDocs += 1;
      const bytes = multi ? pdfs[docNumber % pdfs.length]! : pngs[docNumber % pngs.length]!;
      files.push({
        path: join(uploads, user.id, `doc-${String(docNumber).padStart(5, '0')}.${multi ? 'pdf' : 'png'}`),
        bytes,
      });
    }
  }
  for (const user of users) await mkdir(join(uploads, user.id), { recursive: true });
  const droppedAt = Date.now();
  await Promise.all(files.map((file) => writeFile(file.path, file.bytes)));
  console.log(
    `Dropped ${DOCS} documents (${multiPageDocs} multi-page) for ${USERS} users (${HEAVY_DOCS} for one) in ${Date.now() - droppedAt} ms`,
  );

  const killAt = Array.from({ length: KILLS }, (_, i) => Math.round(((i + 1) * DOCS) / (KILLS + 1)));
  let kills = 0;
  let token = adminToken;
  const timeoutAt = droppedAt + positive('timeout-min') * 60_000;
  let lastReport = 0;
  for (;;) {
    const { tasks } = await overview(token);
    const done = (tasks.completed ?? 0) + (tasks.failed ?? 0);
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      console.log(
        `  ${Math.round((Date.now() - droppedAt) / 1000)} s: ${tasks.completed ?? 0} completed, ${tasks.failed ?? 0} failed, ${tasks.queued ?? 0} queued, ${tasks.processing ?? 0} processing`,
      );
    }
    if (done >= DOCS) break;
    if (kills < KILLS && done >= killAt[kills]!) {
      kills += 1;
      console.log(`  kill -9 of the host at ${done} done (${kills} of ${KILLS})`);
      await killHost('SIGKILL');
      const restartAt = Date.now();
      await startHost();
      console.log(`  the host answers again after ${((Date.now() - restartAt) / 1000).toFixed(1)} s`);
      token = (await post('/auth/login', ADMIN)).token as string;
    }
    if (Date.now() > timeoutAt)
      throw new Error(`Not done after ${args['timeout-min']} minutes (${done}/${DOCS})`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  const elapsedS = (Date.now() - droppedAt) / 1000;
  await killHost('SIGTERM');

  // What happened, from the database (the host is stopped, so the embedded one can be opened).
  const handle = await createDatabase(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { dataDir });
  const db = handle.db;
  const statuses = await sql<{ status: string; n: number }>`
    SELECT status, count(*)::int AS n FROM tasks GROUP BY status`.execute(db);
  const count = (status: string) => statuses.rows.find((row) => row.status === status)?.n ?? 0;
  const failures = await sql<{ code: string; n: number }>`
    SELECT coalesce(error_code, '?') AS code, count(*)::int AS n FROM tasks WHERE status = 'failed' GROUP BY 1`.execute(
    db,
  );
  const duplicates = await sql<{ n: number }>`
    SELECT (SELECT count(*) FROM (SELECT f.storage_key FROM files f JOIN tasks t ON t.file_id = f.id
              GROUP BY f.storage_key HAVING count(*) > 1) d)
         + (SELECT count(*) FROM (SELECT task_id FROM task_events WHERE to_status = 'completed'
              GROUP BY task_id HAVING count(*) > 1) e) AS n`.execute(db);
  const leaked = await sql<{ held: number; waits: number }>`
    SELECT (SELECT count(*)::int FROM textract_leases WHERE released_at IS NULL AND expires_at > now()) AS held,
           (SELECT count(*)::int FROM admission_waits) AS waits`.execute(db);
  // A task's wait runs from its creation (when the platform learned of the document) to completed:
  // it leaves out the local drop scanner's order of discovery, which is not admission's doing.
  const latencies = await sql<{ user_id: string; wait_ms: number; waited: boolean }>`
    SELECT t.user_id, extract(epoch FROM t.completed_at - t.created_at) * 1000 AS wait_ms,
      EXISTS (SELECT 1 FROM task_events e WHERE e.task_id = t.id AND e.stage = 'capacity') AS waited
    FROM tasks t WHERE t.completed_at IS NOT NULL`.execute(db);
  await handle.close();

  const heavyId = users[0]!.id;
  const latencyOf = (heavy: boolean) =>
    latencies.rows
      .filter((row) => (row.user_id === heavyId) === heavy)
      .map((row) => Number(row.wait_ms) / 1000);
  const light = latencyOf(false);
  const heavy = latencyOf(true);
  const waitedShare = latencies.rows.filter((row) => row.waited).length / Math.max(1, latencies.rows.length);

  const events = (await readFile(callLog, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SimulatorEvent);
  const callsOf = (op: string, outcome?: string) =>
    events
      .filter((e) => e.op === op && (outcome === undefined || ('outcome' in e && e.outcome === outcome)))
      .map((e) => e.t);
  const syncOk = callsOf('DetectDocumentText', 'ok');
  const syncAll = callsOf('DetectDocumentText');
  const startOk = callsOf('StartDocumentTextDetection', 'ok');
  const startAll = callsOf('StartDocumentTextDetection');
  const throttled = syncAll.length - syncOk.length + (startAll.length - startOk.length);
  const peakJobs = Math.max(
    0,
    ...events.flatMap((e) => (e.op === 'StartDocumentTextDetection' && e.outcome === 'ok' ? [e.jobs] : [])),
  );
  const repeatedCalls =
    events.filter((e) => e.op === 'DetectDocumentText' && e.outcome === 'ok').length -
    new Set(events.filter((e) => e.op === 'DetectDocumentText' && e.outcome === 'ok').map((e) => e.key)).size;
  const syncUse = quotaUse(syncOk, QUOTAS.sync);
  const asyncUse = quotaUse(startOk, QUOTAS.async);

  printTable(
    `Burst: ${DOCS} documents, ${USERS} users, quotas ${QUOTAS.sync} TPS sync / ${QUOTAS.async} TPS async start / ${QUOTAS.jobs} jobs${OVER !== 1 ? `, admission at ${OVER}× the quotas` : ''}${KILLS ? `, ${KILLS}× kill -9` : ''}`,
    ['measure', 'value', 'quota / target'],
    [
      ['tasks completed', count('completed'), DOCS],
      [
        'tasks failed',
        `${count('failed')}${failures.rows.length ? ` (${failures.rows.map((r) => `${r.code} ${r.n}`).join(', ')})` : ''}`,
        0,
      ],
      ['duplicated tasks or results', Number(duplicates.rows[0]?.n ?? 0), 0],
      [
        'leases held / tasks waiting at the end',
        `${leaked.rows[0]?.held ?? 0} / ${leaked.rows[0]?.waits ?? 0}`,
        '0 / 0',
      ],
      ['peak DetectDocumentText calls in 1 s (accepted)', peakPerWindow(syncOk), QUOTAS.sync],
      ['peak DetectDocumentText calls in 1 s (attempted)', peakPerWindow(syncAll), QUOTAS.sync],
      ['peak StartDocumentTextDetection in 1 s (attempted)', peakPerWindow(startAll), QUOTAS.async],
      ['peak concurrent jobs', peakJobs, QUOTAS.jobs],
      ['throttled calls', throttled, 0],
      ['sync quota use (first to last call)', `${(syncUse * 100).toFixed(1)} %`, '≥ 90 %'],
      ['async start quota use (first to last start)', `${(asyncUse * 100).toFixed(1)} %`, '≥ 90 %'],
      ['tasks that waited for capacity', `${(waitedShare * 100).toFixed(0)} %`, ''],
      ['Textract calls repeated after a crash', repeatedCalls, ''],
      [
        'light users: p50 / p95 wait, created to completed (s)',
        `${percentile(light, 50).toFixed(1)} / ${percentile(light, 95).toFixed(1)}`,
        '',
      ],
      [
        'heavy user: p50 / p95 wait, created to completed (s)',
        `${percentile(heavy, 50).toFixed(1)} / ${percentile(heavy, 95).toFixed(1)}`,
        '',
      ],
      ['elapsed (s)', elapsedS.toFixed(0), ''],
    ],
  );
  console.log(
    `\nReproduce: npm run bench -- burst --docs ${DOCS} --users ${USERS} --sync-tps ${QUOTAS.sync} --async-tps ${QUOTAS.async} --jobs ${QUOTAS.jobs}${KILLS ? ` --kill ${KILLS}` : ''}${OVER !== 1 ? ` --over-quota ${OVER}` : ''}\n`,
  );
  console.log(
    [
      'burst',
      `docs=${DOCS}`,
      `completed=${count('completed')}`,
      `failed=${count('failed')}`,
      `duplicates=${Number(duplicates.rows[0]?.n ?? 0)}`,
      `leaked=${Number(leaked.rows[0]?.held ?? 0)}`,
      `peak_sync_tps=${peakPerWindow(syncAll)}`,
      `quota_sync_tps=${QUOTAS.sync}`,
      `peak_async_tps=${peakPerWindow(startAll)}`,
      `quota_async_tps=${QUOTAS.async}`,
      `peak_jobs=${peakJobs}`,
      `quota_jobs=${QUOTAS.jobs}`,
      `throttled=${throttled}`,
      `quota_use=${Math.min(syncUse, asyncUse).toFixed(3)}`,
      `light_p95_s=${percentile(light, 95).toFixed(1)}`,
      `heavy_p95_s=${percentile(heavy, 95).toFixed(1)}`,
      `kills=${kills}`,
      `elapsed_s=${elapsedS.toFixed(0)}`,
    ].join(' '),
  );
  const ok = count('failed') === 0 && count('completed') === DOCS && Number(duplicates.rows[0]?.n ?? 0) === 0;
  process.exitCode = ok ? 0 : 1;
} finally {
  await killHost('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
}
