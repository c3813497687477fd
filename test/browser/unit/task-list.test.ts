import { describe, expect, it } from 'vitest';
import type { TaskView } from '../../../web/src/api/types.js';
import {
  boardReducer,
  compareTasks,
  initialBoard,
  type BoardState,
} from '../../../web/src/state/task-list.js';

const task = (n: number, overrides: Partial<TaskView> = {}): TaskView => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  status: 'queued',
  stage: 'upload',
  progress: 0,
  progressMessage: null,
  priority: 'normal',
  source: 'api',
  filename: `doc-${n}.png`,
  contentType: 'image/png',
  size: 100,
  pages: null,
  attempts: 0,
  error: null,
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  updatedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  queuedAt: null,
  startedAt: null,
  completedAt: null,
  deletedAt: null,
  ...overrides,
});

/** The API's keyset pagination over an in-memory table (newest first; cursor = last row's position). */
const fakeServer = (rows: TaskView[]) => ({
  rows,
  page(limit: number, cursor?: string) {
    const sorted = [...this.rows].sort(compareTasks);
    const start = cursor ? sorted.findIndex((t) => compareTasks(t, JSON.parse(cursor) as TaskView) > 0) : 0;
    const items = sorted.slice(start, start + limit);
    const more = start + limit < sorted.length;
    return { items, nextCursor: more ? JSON.stringify(items[items.length - 1]) : null };
  },
});

const loadPage = (
  state: BoardState,
  page: { items: TaskView[]; nextCursor: string | null },
  mode: 'append' | 'replace',
  startedAt = 0,
) => boardReducer(state, { type: 'page', generation: state.generation, startedAt, mode, ...page });

describe('Function: boardReducer', () => {
  it('never repeats or skips rows when new tasks arrive at the top between "load more" pages', () => {
    // Prepare
    const server = fakeServer(Array.from({ length: 60 }, (_, i) => task(i + 1)));
    let state = loadPage(initialBoard(), server.page(25), 'replace');

    // Act: three uploads land (pushed live and created on the server), then two "load more"
    for (const n of [101, 102, 103]) {
      const created = task(n);
      server.rows.push(created);
      state = boardReducer(state, { type: 'upsert', task: created, startedAt: 0 });
    }
    state = loadPage(state, server.page(25, state.nextCursor!), 'append');
    state = loadPage(state, server.page(25, state.nextCursor!), 'append');

    // Assess
    const ids = state.items.map((t) => t.id);
    expect(new Set(ids).size).toBe(63);
    expect(ids).toEqual([...server.rows].sort(compareTasks).map((t) => t.id));
    expect(state.nextCursor).toBeNull();
  });

  it('keeps a live update when a list read that started before it answers later', () => {
    // Prepare
    const stale = task(1, { status: 'queued' });
    let state = loadPage(initialBoard(), { items: [stale], nextCursor: null }, 'replace');

    // Act: the socket says completed at t=200; a read started at t=100 answers with the old row
    state = boardReducer(state, {
      type: 'event',
      at: 200,
      message: {
        type: 'task_update',
        taskId: stale.id,
        status: 'completed',
        stage: 'done',
        progress: 100,
        progressMessage: null,
        message: '',
        at: '',
      },
    });
    state = loadPage(state, { items: [stale], nextCursor: null }, 'replace', 100);

    // Assess
    expect(state.items[0]?.status).toBe('completed');
  });

  it('shows each page report live and keeps it over a list read that started before it', () => {
    // Prepare
    const running = task(1, {
      status: 'processing',
      stage: 'recognize',
      progress: 20,
      progressMessage: 'Recognizing 14 pages',
    });
    let state = loadPage(initialBoard(), { items: [running], nextCursor: null }, 'replace');

    // Act: page 3 of 14 is reported at t=300; a read started at t=250 answers with the older row
    state = boardReducer(state, {
      type: 'event',
      at: 300,
      message: {
        type: 'task_update',
        taskId: running.id,
        status: 'processing',
        stage: 'recognize',
        progress: 36,
        progressMessage: 'Recognized 3 of 14 pages',
        message: 'Recognized 3 of 14 pages',
        at: '',
      },
    });
    state = loadPage(state, { items: [running], nextCursor: null }, 'replace', 250);

    // Assess
    expect(state.items[0]).toMatchObject({ progress: 36, progressMessage: 'Recognized 3 of 14 pages' });
  });

  it('keeps the result summary of a completed row when a list read (without summaries) replaces it', () => {
    // Prepare
    const result = {
      pages: 1,
      words: 9,
      lines: 2,
      confidence: 95,
      processingMs: 900,
      engine: 'x',
      preview: '',
    };
    const done = task(1, { status: 'completed' });
    let state = loadPage(initialBoard(), { items: [{ ...done, result }], nextCursor: null }, 'replace');

    // Act
    state = loadPage(state, { items: [done], nextCursor: null }, 'replace', 10);

    // Assess
    expect(state.items[0]?.result).toEqual(result);
  });

  it('does not insert a pushed task older than the loaded window (the next page brings it)', () => {
    // Prepare
    const server = fakeServer(Array.from({ length: 30 }, (_, i) => task(i + 1)));
    const state = loadPage(initialBoard(), server.page(10), 'replace');

    // Act
    const next = boardReducer(state, { type: 'upsert', task: task(2, { status: 'failed' }), startedAt: 0 });

    // Assess
    expect(next.items).toHaveLength(10);
  });

  it('leaves a search view alone when an unknown task is pushed (only the server knows if it matches)', () => {
    // Prepare
    const state = loadPage(initialBoard({ q: 'invoice' }), { items: [], nextCursor: null }, 'replace');

    // Act
    const next = boardReducer(state, { type: 'upsert', task: task(5), startedAt: 0 });

    // Assess
    expect(next.items).toEqual([]);
  });

  it('drops a page that answers for a filter the user already left', () => {
    // Prepare
    const before = initialBoard();
    const after = boardReducer(before, { type: 'filter', filter: { status: 'failed' } });

    // Act
    const next = boardReducer(after, {
      type: 'page',
      generation: before.generation,
      startedAt: 0,
      mode: 'replace',
      items: [task(1)],
      nextCursor: null,
    });

    // Assess
    expect(next.items).toEqual([]);
    expect(next.loading).toBe('initial');
  });

  it('removes a row from the live view when it comes back deleted', () => {
    // Prepare
    const state = loadPage(initialBoard(), { items: [task(1), task(2)], nextCursor: null }, 'replace');

    // Act
    const next = boardReducer(state, {
      type: 'upsert',
      task: task(1, { deletedAt: '2026-01-02T00:00:00.000Z' }),
      startedAt: 0,
    });

    // Assess
    expect(next.items.map((t) => t.filename)).toEqual(['doc-2.png']);
  });
});
