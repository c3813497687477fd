import type { TaskStats } from '../api/types.js';

const CARDS: Array<{ key: keyof TaskStats; label: string }> = [
  { key: 'total', label: 'Total' },
  { key: 'queued', label: 'Queued' },
  { key: 'processing', label: 'Processing' },
  { key: 'completed', label: 'Completed' },
  { key: 'failed', label: 'Failed' },
];

export const StatsBar = ({ stats }: { stats: TaskStats | null }) => (
  <dl className="stats" aria-label="Your documents">
    {CARDS.map(({ key, label }) => (
      <div key={key} className={`stat stat-${key}`} data-stat={key}>
        <dt>{label}</dt>
        <dd>{stats ? stats[key] : '–'}</dd>
      </div>
    ))}
  </dl>
);
