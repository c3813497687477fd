import type { TaskStats, TaskStatus, TaskUpdateMessage, TaskView } from '../api/types.js';

export interface BoardFilter {
  status?: TaskStatus;
  q?: string;
  /** The "Deleted" view: soft-deleted tasks that can still be restored. */
  deleted?: boolean;
}

export interface BoardState {
  filter: BoardFilter;
  /** Bumped on every filter change; answers for an older generation are dropped. */
  generation: number;
  /** Newest first, by (createdAt, id) — the API's keyset order, so appended pages line up. */
  items: TaskView[];
  nextCursor: string | null;
  loading: 'initial' | 'more' | null;
  loaded: boolean;
  error: string | null;
  stats: TaskStats | null;
  /** Client time of the last live event per task: a list read that started earlier must not undo it. */
  eventAt: Record<string, number>;
}

export type BoardAction =
  | { type: 'filter'; filter: BoardFilter }
  | { type: 'loading'; kind: 'initial' | 'more' }
  | {
      type: 'page';
      generation: number;
      startedAt: number;
      items: TaskView[];
      nextCursor: string | null;
      stats?: TaskStats;
      mode: 'append' | 'replace';
    }
  | { type: 'failed'; generation: number; message: string }
  | { type: 'upsert'; task: TaskView; startedAt: number }
  | { type: 'event'; message: TaskUpdateMessage; at: number }
  | { type: 'remove'; id: string }
  | { type: 'stats'; stats: TaskStats };

export const initialBoard = (filter: BoardFilter = {}): BoardState => ({
  filter,
  generation: 0,
  items: [],
  nextCursor: null,
  loading: 'initial',
  loaded: false,
  error: null,
  stats: null,
  eventAt: {},
});

/** Keyset order: createdAt desc, then id desc (ISO timestamps and UUIDs compare as strings). */
export const compareTasks = (a: TaskView, b: TaskView): number =>
  a.createdAt === b.createdAt ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.createdAt < b.createdAt ? 1 : -1;

/** Whether a task belongs in the current view; `null` when only the server can tell (a search). */
export const matchesFilter = (filter: BoardFilter, task: TaskView): boolean | null => {
  if (Boolean(filter.deleted) !== Boolean(task.deletedAt)) return false;
  if (filter.status && filter.status !== task.status) return false;
  return filter.q ? null : true;
};

/**
 * A row read from the API over the one on screen. A live event newer than the read wins for the
 * live fields; the result summary (only in detail reads and pushes, not in list rows) is kept.
 */
const merge = (
  current: TaskView | undefined,
  incoming: TaskView,
  eventAt: number | undefined,
  startedAt: number,
): TaskView => {
  if (!current) return incoming;
  const result = incoming.result ?? (incoming.status === 'completed' ? current.result : undefined);
  const merged = result ? { ...incoming, result } : incoming;
  if (eventAt === undefined || eventAt <= startedAt) return merged;
  return {
    ...merged,
    status: current.status,
    stage: current.stage,
    progress: current.progress,
    progressMessage: current.progressMessage,
    error: current.error,
  };
};

/** Inside the loaded window: newer than the oldest loaded row, or everything is loaded. */
const inWindow = (state: BoardState, task: TaskView): boolean => {
  const oldest = state.items[state.items.length - 1];
  return state.nextCursor === null || oldest === undefined || compareTasks(task, oldest) <= 0;
};

export const boardReducer = (state: BoardState, action: BoardAction): BoardState => {
  switch (action.type) {
    case 'filter':
      return {
        ...initialBoard(action.filter),
        generation: state.generation + 1,
        stats: state.stats,
        eventAt: state.eventAt,
      };
    case 'loading':
      return { ...state, loading: action.kind, error: null };
    case 'page': {
      if (action.generation !== state.generation) return state;
      const byId = new Map(state.items.map((t) => [t.id, t]));
      const incoming = action.items.map((t) =>
        merge(byId.get(t.id), t, state.eventAt[t.id], action.startedAt),
      );
      let items: TaskView[];
      if (action.mode === 'append') {
        // Rows already shown (e.g. pushed live) are not repeated.
        const seen = new Set(state.items.map((t) => t.id));
        items = [...state.items, ...incoming.filter((t) => !seen.has(t.id))];
      } else {
        // A resync re-reads the loaded window; rows pushed live since the read started are kept.
        const ids = new Set(incoming.map((t) => t.id));
        const newer = state.items.filter(
          (t) => !ids.has(t.id) && (state.eventAt[t.id] ?? 0) > action.startedAt,
        );
        items = [...incoming, ...newer];
      }
      items.sort(compareTasks);
      return {
        ...state,
        items,
        nextCursor: action.nextCursor,
        stats: action.stats ?? state.stats,
        loading: null,
        loaded: true,
        error: null,
      };
    }
    case 'failed':
      return action.generation === state.generation
        ? { ...state, loading: null, error: action.message }
        : state;
    case 'upsert': {
      const index = state.items.findIndex((t) => t.id === action.task.id);
      if (index >= 0) {
        if (matchesFilter(state.filter, action.task) === false)
          return { ...state, items: state.items.filter((t) => t.id !== action.task.id) };
        const items = [...state.items];
        items[index] = merge(items[index], action.task, state.eventAt[action.task.id], action.startedAt);
        return { ...state, items };
      }
      if (matchesFilter(state.filter, action.task) !== true || !inWindow(state, action.task)) return state;
      return { ...state, items: [...state.items, action.task].sort(compareTasks) };
    }
    case 'event': {
      const { message } = action;
      const eventAt = { ...state.eventAt, [message.taskId]: action.at };
      const index = state.items.findIndex((t) => t.id === message.taskId);
      if (index < 0) return { ...state, eventAt };
      const items = [...state.items];
      const task = items[index]!;
      items[index] = {
        ...task,
        status: message.status,
        stage: message.stage,
        progress: message.progress,
        progressMessage: message.progressMessage ?? null,
        error: message.error ?? null,
        updatedAt: message.at,
        ...(message.result ? { result: message.result } : {}),
      };
      return { ...state, items, eventAt };
    }
    case 'remove':
      return { ...state, items: state.items.filter((t) => t.id !== action.id) };
    case 'stats':
      return { ...state, stats: action.stats };
  }
};
