import { useCallback, useState } from 'react';
import type { ApiClient } from '../api/client.js';
import type { TaskView } from '../api/types.js';
import type { LiveBus } from '../live/live-bus.js';
import { useTaskBoard } from '../state/use-task-board.js';
import { useUploads } from '../upload/use-uploads.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { StatsBar } from './stats-bar.js';
import { TaskFilters } from './task-filters.js';
import { TaskRow } from './task-row.js';
import { useToasts } from './toasts.js';
import { UploadPanel } from './upload-panel.js';

const errorText = (error: unknown) => (error instanceof Error ? error.message : 'Something went wrong');

/** The home screen: upload, statistics, and the live task board. */
export const TasksPage = ({ api, bus }: { api: ApiClient; bus: LiveBus }) => {
  const board = useTaskBoard(api, bus);
  const { put, remove } = board;
  const uploads = useUploads(api, put);
  const toasts = useToasts();
  const [confirming, setConfirming] = useState<TaskView | null>(null);
  const { state } = board;
  const { setFilter } = board;

  const restore = useCallback(
    async (task: TaskView) => {
      try {
        put(await api.restoreTask(task.id));
        toasts.show({ message: `Restored ${task.filename}` });
      } catch (error) {
        toasts.show({ message: `Could not restore ${task.filename}: ${errorText(error)}`, tone: 'error' });
      }
    },
    [api, put, toasts],
  );

  const confirmDelete = async () => {
    const task = confirming;
    setConfirming(null);
    if (!task) return;
    try {
      await api.deleteTask(task.id);
      remove(task.id);
      // Soft delete: the restore window is 30 days; the toast is the quick way back.
      toasts.show(
        { message: `Deleted ${task.filename}`, action: { label: 'Undo', run: () => void restore(task) } },
        12_000,
      );
    } catch (error) {
      toasts.show({ message: `Could not delete ${task.filename}: ${errorText(error)}`, tone: 'error' });
    }
  };

  const retry = async (task: TaskView) => {
    try {
      put(await api.retryTask(task.id));
      toasts.show({ message: `Retrying ${task.filename}` });
    } catch (error) {
      toasts.show({ message: `Could not retry ${task.filename}: ${errorText(error)}`, tone: 'error' });
    }
  };

  const total = state.filter.deleted
    ? state.stats?.deleted
    : state.filter.status
      ? state.stats?.[state.filter.status]
      : state.stats?.total;
  return (
    <main id="main" className="page">
      <h1 className="visually-hidden">Documents</h1>
      <div className="layout-tasks">
        <UploadPanel
          items={uploads.items}
          onFiles={(files, priority) => void uploads.addFiles(files, priority)}
          onDismiss={uploads.dismiss}
          onCancel={uploads.cancel}
          onClearFinished={uploads.clearFinished}
        />
        <StatsBar stats={state.stats} />
      </div>
      <section className="panel" aria-labelledby="board-title">
        <div className="panel-head">
          <h2 id="board-title">Documents</h2>
          {state.loaded && !state.filter.q && total !== undefined && (
            <span className="muted" data-testid="board-count">
              Showing {state.items.length} of {Math.max(total, state.items.length)}
            </span>
          )}
        </div>
        <TaskFilters filter={state.filter} onChange={setFilter} />
        {state.loading === 'initial' && !state.loaded ? (
          <ul className="task-list" aria-busy="true" aria-label="Loading documents">
            {[0, 1, 2].map((i) => (
              <li key={i} className="task task-skeleton" aria-hidden="true" />
            ))}
          </ul>
        ) : state.error && state.items.length === 0 ? (
          <div className="empty" role="alert">
            <p>Could not load your documents: {state.error}</p>
            <button type="button" className="button" onClick={() => setFilter({ ...state.filter })}>
              Try again
            </button>
          </div>
        ) : state.items.length === 0 ? (
          <div className="empty">
            <p className="empty-title">
              {state.filter.q
                ? `No documents match “${state.filter.q}”.`
                : state.filter.deleted
                  ? 'Nothing deleted.'
                  : state.filter.status
                    ? 'No documents with this status.'
                    : 'No documents yet.'}
            </p>
            {!state.filter.q && !state.filter.status && !state.filter.deleted && (
              <p className="muted">Drop a PDF or an image above and its text appears here.</p>
            )}
          </div>
        ) : (
          <ul className="task-list" aria-label="Documents" data-testid="task-list">
            {state.items.map((task) => (
              <TaskRow
                key={task.id}
                task={task}
                onDelete={setConfirming}
                onRestore={restore}
                onRetry={retry}
              />
            ))}
          </ul>
        )}
        {state.error && state.items.length > 0 && (
          <p className="form-error" role="alert">
            {state.error}
          </p>
        )}
        {state.nextCursor && (
          <div className="load-more">
            <button
              type="button"
              className="button"
              onClick={() => void board.loadMore()}
              disabled={state.loading === 'more'}
            >
              {state.loading === 'more' ? 'Loading…' : 'Load more'}
            </button>
          </div>
        )}
      </section>
      <ConfirmDialog
        open={confirming !== null}
        title="Delete this document?"
        body={
          confirming
            ? `“${confirming.filename}” and its text will be deleted. You can restore it for 30 days.`
            : ''
        }
        confirmLabel="Delete"
        onConfirm={() => void confirmDelete()}
        onCancel={() => setConfirming(null)}
      />
    </main>
  );
};
