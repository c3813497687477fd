import type { TaskView } from '../api/types.js';
import { formatBytes } from '../upload/file-check.js';
import { formatAbsolute, formatWhen, stageLabel } from '../lib/format.js';
import { Link } from './link.js';
import { StatusBadge } from './status-badge.js';

interface TaskRowProps {
  task: TaskView;
  onDelete?: (task: TaskView) => void;
  onRestore?: (task: TaskView) => void;
  onRetry?: (task: TaskView) => void;
  owner?: string;
}

/** One task: name, status, live stage and progress, and what can be done with it. */
export const TaskRow = ({ task, onDelete, onRestore, onRetry, owner }: TaskRowProps) => {
  const deleted = Boolean(task.deletedAt);
  const active = task.status === 'queued' || task.status === 'processing';
  return (
    <li
      className={`task task-${task.status}`}
      data-task-id={task.id}
      data-status={deleted ? 'deleted' : task.status}
    >
      <div className="task-main">
        {task.status === 'completed' && !deleted ? (
          <Link to={`/tasks/${task.id}`} className="task-name">
            {task.filename}
          </Link>
        ) : (
          <span className="task-name">{task.filename}</span>
        )}
        <span className="task-meta muted">
          {owner ? `${owner} · ` : ''}
          {task.size !== null ? `${formatBytes(task.size)} · ` : ''}
          {task.priority !== 'normal' ? `${task.priority} priority · ` : ''}
          <time dateTime={task.createdAt} title={formatAbsolute(task.createdAt)}>
            {formatWhen(task.createdAt)}
          </time>
        </span>
      </div>
      <div className="task-status">
        <StatusBadge status={task.status} deleted={deleted} />
        {active && (
          <span className="task-progress">
            <span className="muted">
              {task.progressMessage ?? stageLabel(task.stage)} · {task.progress} %
            </span>
            <progress max={100} value={task.progress} aria-label={`Progress of ${task.filename}`} />
          </span>
        )}
        {task.status === 'completed' && !task.result && task.pages !== null && (
          <span className="muted">
            {task.pages} {task.pages === 1 ? 'page' : 'pages'}
          </span>
        )}
        {task.status === 'completed' && task.result && (
          <span className="muted">
            {task.result.pages} {task.result.pages === 1 ? 'page' : 'pages'} · {task.result.words} words
          </span>
        )}
        {task.status === 'failed' && task.error && (
          <span className="task-error" title={task.error.code}>
            {task.error.message || task.error.code}
          </span>
        )}
      </div>
      <div className="task-actions">
        {task.status === 'completed' && !deleted && (
          <Link
            to={`/tasks/${task.id}`}
            className="button button-small"
            aria-label={`View result of ${task.filename}`}
          >
            View
          </Link>
        )}
        {task.status === 'failed' && !deleted && onRetry && task.error?.code !== 'UPLOAD_EXPIRED' && (
          <button
            type="button"
            className="button button-small"
            onClick={() => onRetry(task)}
            aria-label={`Retry ${task.filename}`}
          >
            Retry
          </button>
        )}
        {deleted
          ? onRestore && (
              <button
                type="button"
                className="button button-small"
                onClick={() => onRestore(task)}
                aria-label={`Restore ${task.filename}`}
              >
                Restore
              </button>
            )
          : onDelete && (
              <button
                type="button"
                className="button button-small button-quiet"
                onClick={() => onDelete(task)}
                aria-label={`Delete ${task.filename}`}
              >
                Delete
              </button>
            )}
      </div>
    </li>
  );
};
