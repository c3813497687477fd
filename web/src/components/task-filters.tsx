import { useEffect, useState } from 'react';
import type { BoardFilter } from '../state/task-list.js';

const VIEWS: Array<{ label: string; filter: BoardFilter }> = [
  { label: 'All', filter: {} },
  { label: 'Queued', filter: { status: 'queued' } },
  { label: 'Processing', filter: { status: 'processing' } },
  { label: 'Completed', filter: { status: 'completed' } },
  { label: 'Failed', filter: { status: 'failed' } },
  { label: 'Awaiting upload', filter: { status: 'awaiting_upload' } },
  { label: 'Deleted', filter: { deleted: true } },
];

const sameView = (a: BoardFilter, b: BoardFilter) =>
  a.status === b.status && Boolean(a.deleted) === Boolean(b.deleted);

/** Status views (buttons with aria-pressed) and a debounced full-text search. */
export const TaskFilters = ({
  filter,
  onChange,
}: {
  filter: BoardFilter;
  onChange: (filter: BoardFilter) => void;
}) => {
  const [q, setQ] = useState(filter.q ?? '');
  useEffect(() => {
    const trimmed = q.trim();
    if (trimmed === (filter.q ?? '')) return;
    const timer = setTimeout(() => onChange({ ...filter, q: trimmed || undefined } as BoardFilter), 300);
    return () => clearTimeout(timer);
  }, [q, filter, onChange]);

  return (
    <div className="filters">
      <div className="segmented" role="group" aria-label="Show">
        {VIEWS.map((view) => (
          <button
            key={view.label}
            type="button"
            className="segment"
            aria-pressed={sameView(view.filter, filter)}
            onClick={() => onChange({ ...view.filter, ...(filter.q ? { q: filter.q } : {}) })}
          >
            {view.label}
          </button>
        ))}
      </div>
      <label className="search">
        <span className="visually-hidden">Search text of your documents</span>
        <input type="search" placeholder="Search text…" value={q} onChange={(e) => setQ(e.target.value)} />
      </label>
    </div>
  );
};
