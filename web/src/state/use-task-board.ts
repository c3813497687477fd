import { useCallback, useEffect, useReducer, useRef } from 'react';
import { ApiError, type ApiClient } from '../api/client.js';
import type { TaskView } from '../api/types.js';
import type { LiveBus } from '../live/live-bus.js';
import { boardReducer, initialBoard, type BoardFilter, type BoardState } from './task-list.js';

export const PAGE_SIZE = 25;

const listQuery = (filter: BoardFilter) => ({
  ...(filter.status ? { status: filter.status } : {}),
  ...(filter.q ? { q: filter.q } : {}),
  ...(filter.deleted ? { deleted: true } : {}),
});

const messageOf = (error: unknown) => (error instanceof Error ? error.message : 'Something went wrong');

/**
 * The task board: first page, "load more" along the API's keyset cursor, live patches from the
 * socket, and a re-read of the loaded window after a reconnect and on every poll.
 */
export const useTaskBoard = (api: ApiClient, bus: LiveBus) => {
  const [state, dispatch] = useReducer(boardReducer, undefined, () => initialBoard());
  const ref = useRef<BoardState>(state);
  ref.current = state;
  const resyncing = useRef(false);
  const statsTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    const { generation, filter } = ref.current;
    const startedAt = Date.now();
    api
      .listTasks({ ...listQuery(filter), limit: PAGE_SIZE })
      .then((page) =>
        dispatch({
          type: 'page',
          generation,
          startedAt,
          mode: 'replace',
          items: page.items,
          nextCursor: page.nextCursor,
          ...(page.stats ? { stats: page.stats } : {}),
        }),
      )
      .catch((error: unknown) => dispatch({ type: 'failed', generation, message: messageOf(error) }));
  }, [api, state.generation]);

  const loadMore = useCallback(async () => {
    const { generation, filter, nextCursor, loading } = ref.current;
    if (!nextCursor || loading) return;
    dispatch({ type: 'loading', kind: 'more' });
    const startedAt = Date.now();
    try {
      const page = await api.listTasks({ ...listQuery(filter), limit: PAGE_SIZE, cursor: nextCursor });
      dispatch({
        type: 'page',
        generation,
        startedAt,
        mode: 'append',
        items: page.items,
        nextCursor: page.nextCursor,
        ...(page.stats ? { stats: page.stats } : {}),
      });
    } catch (error) {
      dispatch({ type: 'failed', generation, message: messageOf(error) });
    }
  }, [api]);

  /** Re-reads as many rows as are loaded, so nothing changed while we were not listening stays stale. */
  const resync = useCallback(async () => {
    if (resyncing.current) return;
    resyncing.current = true;
    const { generation, filter, items: loaded } = ref.current;
    const want = Math.max(PAGE_SIZE, loaded.length);
    const startedAt = Date.now();
    try {
      const items: TaskView[] = [];
      let cursor: string | undefined;
      let nextCursor: string | null = null;
      let stats;
      do {
        const page = await api.listTasks({
          ...listQuery(filter),
          limit: Math.min(100, Math.max(PAGE_SIZE, want - items.length)),
          ...(cursor ? { cursor } : {}),
        });
        items.push(...page.items);
        stats ??= page.stats;
        nextCursor = page.nextCursor;
        cursor = nextCursor ?? undefined;
      } while (items.length < want && cursor);
      dispatch({
        type: 'page',
        generation,
        startedAt,
        mode: 'replace',
        items,
        nextCursor,
        ...(stats ? { stats } : {}),
      });
    } catch {
      // Polling or a reconnect will try again; the rows on screen stay as they were.
    } finally {
      resyncing.current = false;
    }
  }, [api]);

  const refreshStatsSoon = useCallback(() => {
    clearTimeout(statsTimer.current);
    statsTimer.current = setTimeout(() => {
      api.stats().then(
        (stats) => dispatch({ type: 'stats', stats }),
        () => undefined,
      );
    }, 400);
  }, [api]);

  const refreshTask = useCallback(
    async (id: string) => {
      const startedAt = Date.now();
      try {
        dispatch({ type: 'upsert', task: await api.getTask(id), startedAt });
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) dispatch({ type: 'remove', id });
      }
    },
    [api],
  );

  useEffect(
    () =>
      bus.subscribe((event) => {
        if (event.kind === 'resync' || event.kind === 'poll') return void resync();
        const { message } = event;
        if (message.type === 'task_update') {
          const known = ref.current.items.some((t) => t.id === message.taskId);
          dispatch({ type: 'event', message, at: Date.now() });
          // A task we have not seen (another tab, a bucket drop) is read in full once.
          if (!known || (message.status === 'completed' && !message.result)) void refreshTask(message.taskId);
          refreshStatsSoon();
        } else if (message.type === 'db_change') {
          void refreshTask(message.recordId);
          refreshStatsSoon();
        }
      }),
    [bus, resync, refreshTask, refreshStatsSoon],
  );

  useEffect(() => () => clearTimeout(statsTimer.current), []);

  const setFilter = useCallback((filter: BoardFilter) => dispatch({ type: 'filter', filter }), []);
  /** A task this tab just created or changed (the API answered with it). */
  const put = useCallback(
    (task: TaskView) => {
      dispatch({ type: 'upsert', task, startedAt: Date.now() });
      refreshStatsSoon();
    },
    [refreshStatsSoon],
  );
  const remove = useCallback(
    (id: string) => {
      dispatch({ type: 'remove', id });
      refreshStatsSoon();
    },
    [refreshStatsSoon],
  );

  return { state, setFilter, loadMore, resync, put, remove };
};
export type TaskBoard = ReturnType<typeof useTaskBoard>;
