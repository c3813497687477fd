import type { TaskStatus } from '../api/types';
import { STATUS_LABELS } from '../lib/format';

export const StatusBadge = ({ status, deleted }: { status: TaskStatus; deleted?: boolean }) => (
  <span className={`badge badge-${deleted ? 'deleted' : status}`}>{deleted ? 'Deleted' : STATUS_LABELS[status]}</span>
);
