import type { TaskStatus } from '../api/types.js';
import { STATUS_LABELS } from '../lib/format.js';

export const StatusBadge = ({ status, deleted }: { status: TaskStatus; deleted?: boolean }) => (
  <span className={`badge badge-${deleted ? 'deleted' : status}`}>
    {deleted ? 'Deleted' : STATUS_LABELS[status]}
  </span>
);
