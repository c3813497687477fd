/**
 * A tiny burst against the simulated Textract with quotas, through the whole local platform: files
 * dropped into two users' uploads, the real handlers, definition and runner. Nothing fails, no call
 * goes over a quota, waiting tasks say so, and the light user is not stuck behind the heavy one.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorEvent } from '../../local/textract-simulator.js';
import { makePdf, renderTextPng } from '../fixtures/documents.js';
import { startTestHost, type SocketClient, type TestHost, type TestUser } from '../helpers/local-host.js';

const QUOTAS = { sync: 2, async: 1, jobs: 1 };

/** Calls `ready` every 100 ms until it says so or `ms` pass (the assertions after it tell which). */
const pollUntil = async (ready: () => Promise<boolean>, ms: number) => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !(await ready())) await new Promise((resolve) => setTimeout(resolve, 100));
};

/** Most events within any one-second window. */
const peakPerSecond = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let start = 0, end = 0; end < sorted.length; end += 1) {
    while (sorted[end]! - sorted[start]! >= 1_000) start += 1;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
};

describe('Burst against a throttling Textract', () => {
  let host: TestHost;
  let heavy: TestUser;
  let light: TestUser;
  let socket: SocketClient;
  let callLog: string;

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'untxt-burst-test-'));
    callLog = join(dataDir, 'calls.jsonl');
    host = await startTestHost({
      UNTXT_DATA_DIR: dataDir,
      UNTXT_OCR_ENGINE: 'fake',
      UNTXT_FAKE_OCR_PAGE_MS: '50',
      UNTXT_MAX_EXECUTIONS: '8',
      UNTXT_DROP_SCAN_MS: '200',
      UNTXT_TEXTRACT_SYNC_TPS: String(QUOTAS.sync),
      UNTXT_TEXTRACT_ASYNC_START_TPS: String(QUOTAS.async),
      UNTXT_TEXTRACT_MAX_CONCURRENT_JOBS: String(QUOTAS.jobs),
      UNTXT_SIM_SYNC_TPS: String(QUOTAS.sync),
      UNTXT_SIM_ASYNC_START_TPS: String(QUOTAS.async),
      UNTXT_SIM_MAX_JOBS: String(QUOTAS.jobs),
      UNTXT_SIM_CALL_LOG: callLog,
      // The suite runs many files at once on 2 cores: a process can stall for a few hundred ms
      // between recording a call and making it, and the simulator counts real calls. The margin
      // keeps that from reading as admission going over the quota.
      UNTXT_ADMISSION_RATE_WINDOW_MS: '1400',
    });
    heavy = await host.register();
    light = await host.register();
    socket = await host.socket(heavy.token);
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('completes every document without a call over the quotas, and shows the wait', async () => {
    // Prepare: 30 documents for the heavy user (6 of them multi-page), then 2 for the light one
    const png = await renderTextPng(['Invoice 42', 'Total 9.99']);
    const pdf = await makePdf(2);
    const uploads = join(host.dataDir, 'objects', 'untxt-documents', 'uploads');
    const drop = async (user: TestUser, names: string[]) => {
      await mkdir(join(uploads, user.userId), { recursive: true });
      await Promise.all(
        names.map((name) => writeFile(join(uploads, user.userId, name), name.endsWith('.pdf') ? pdf : png)),
      );
    };
    const heavyNames = Array.from({ length: 30 }, (_, i) => `heavy-${i}.${i % 5 === 4 ? 'pdf' : 'png'}`);
    const lightNames = ['light-0.png', 'light-1.png'];

    // Act
    await drop(heavy, heavyNames);
    // The light user arrives while the heavy user's backlog of one-page images waits (on a loaded
    // machine the drop scanner and the first runs can take seconds to get there, so wait for it
    // rather than a time). Images, not PDFs: waiting is per kind of call, and a light image meets no
    // queue when only the heavy user's PDFs are waiting.
    await pollUntil(async () => {
      const { n } = await host.host.database.db
        .selectFrom('tasks')
        .innerJoin('files', 'files.id', 'tasks.file_id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('tasks.stage', '=', 'capacity')
        .where('tasks.status', '=', 'queued')
        .where('files.original_name', 'like', '%.png')
        .executeTakeFirstOrThrow();
      return Number(n) >= 8;
    }, 30_000);
    await drop(light, lightNames);
    let tasks: Array<{
      user_id: string;
      status: string;
      completed_at: Date | null;
      error_code: string | null;
    }> = [];
    await pollUntil(async () => {
      tasks = await host.host.database.db
        .selectFrom('tasks')
        .select(['user_id', 'status', 'completed_at', 'error_code'])
        .execute();
      return (
        tasks.length === 32 && tasks.every((task) => task.status === 'completed' || task.status === 'failed')
      );
    }, 90_000);

    // Assess: everything completed
    expect(tasks.filter((task) => task.status === 'completed')).toHaveLength(32);

    // … no call over a quota, none throttled
    const events = (await readFile(callLog, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as SimulatorEvent);
    const attempted = (op: string) => events.filter((event) => event.op === op).map((event) => event.t);
    expect(events.filter((event) => 'outcome' in event && event.outcome !== 'ok')).toEqual([]);
    expect(attempted('DetectDocumentText')).toHaveLength(26);
    expect(peakPerSecond(attempted('DetectDocumentText'))).toBeLessThanOrEqual(QUOTAS.sync);
    expect(attempted('StartDocumentTextDetection')).toHaveLength(6);
    expect(peakPerSecond(attempted('StartDocumentTextDetection'))).toBeLessThanOrEqual(QUOTAS.async);
    const peakJobs = Math.max(
      ...events.flatMap((event) => (event.op === 'StartDocumentTextDetection' ? [event.jobs] : [])),
    );
    expect(peakJobs).toBeLessThanOrEqual(QUOTAS.jobs);

    // … waiting tasks said so on the owner's socket
    const waiting = socket.messages.find(
      (message) => message.type === 'task_update' && message.stage === 'capacity',
    );
    expect(waiting).toMatchObject({ status: 'queued', message: 'Waiting for text-recognition capacity' });

    // … and the light user, though last to drop, went ahead of the heavy user's backlog: heavy
    // one-page tasks that were already waiting when light-0 began to wait were admitted after it.
    // (Judged on the wait itself, not on completion times, which also depend on how soon the drop
    // scanner finds each file on a busy machine.)
    const history = await host.host.database.db
      .selectFrom('task_events')
      .innerJoin('tasks', 'tasks.id', 'task_events.task_id')
      .innerJoin('files', 'files.id', 'tasks.file_id')
      .select([
        'files.original_name as name',
        'task_events.stage',
        'task_events.to_status',
        'task_events.seq',
      ])
      .orderBy('task_events.seq')
      .execute();
    const firstSeq = (name: string, stage: string, status: string) =>
      history.find((event) => event.name === name && event.stage === stage && event.to_status === status)
        ?.seq;
    const parked = (name: string) => Number(firstSeq(name, 'capacity', 'queued') ?? Number.NaN);
    const admitted = (name: string) => Number(firstSeq(name, 'recognize', 'processing') ?? Number.NaN);
    const overtaken = heavyNames.filter(
      (name) =>
        name.endsWith('.png') &&
        parked(name) < parked('light-0.png') &&
        admitted(name) > admitted('light-0.png'),
    );
    expect(overtaken.length).toBeGreaterThanOrEqual(3);
  });

  it('shows the admission figures and quotas in the admin overview', async () => {
    // Prepare
    const login = await fetch(`${host.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'admin@untxt.local', password: 'admin-password-1' }),
    });
    const { token } = (await login.json()) as { token: string };

    // Act
    const response = await host.api(token, '/admin/overview');

    // Assess
    expect(response.status).toBe(200);
    const body = (await response.json()) as { admission: Record<string, unknown> };
    expect(body.admission).toMatchObject({
      quotas: { syncTps: QUOTAS.sync, asyncStartTps: QUOTAS.async, maxConcurrentJobs: QUOTAS.jobs },
      sync: { held: 0, waiting: 0, throttledTotal: 0 },
      async: { held: 0, waiting: 0 },
    });
    expect((body.admission.sync as { callsLastMinute: number }).callsLastMinute).toBe(26);
  });
});
