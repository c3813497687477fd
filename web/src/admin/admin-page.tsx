import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { ApiError, type ApiClient } from '../api/client.js';
import type { AdminOverview, AdminUser, TaskStatus, TaskView } from '../api/types.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { Link } from '../components/link.js';
import { TaskRow } from '../components/task-row.js';
import { useToasts } from '../components/toasts.js';
import { formatAbsolute, formatPercent, formatWhen } from '../lib/format.js';
import { BarChart, ErrorRateChart, ThroughputChart } from './charts.js';

type Tab = 'overview' | 'users' | 'tasks';
const REFRESH_MS = 10_000;

export const ForbiddenPage = () => (
  <main id="main" className="page">
    <div className="empty" role="alert" data-testid="forbidden">
      <p className="big-code">403</p>
      <h1>Admins only</h1>
      <p>Your account is not in the admins group. Ask an administrator if you need this view.</p>
      <Link to="/" className="button">
        Back to documents
      </Link>
    </div>
  </main>
);

const Metric = ({
  label,
  value,
  children,
}: {
  label: string;
  value: string | number;
  children?: ReactNode;
}) => (
  <div className="stat">
    <dt>{label}</dt>
    <dd>{value}</dd>
    {children}
  </div>
);

/**
 * Admission control in front of Textract: what is admitted, waiting and throttled, per kind of call,
 * beside the quotas it keeps under (docs/aws.md, "Admission control").
 */
const AdmissionPanel = ({ admission }: { admission: AdminOverview['admission'] }) => {
  const { quotas, sync, async: jobs } = admission;
  const rows = [
    {
      kind: 'One page (DetectDocumentText)',
      figures: sync,
      quota: quotas ? `${quotas.syncTps} calls/s` : '—',
      held: 'calls in flight',
    },
    {
      kind: 'Several pages (StartDocumentTextDetection)',
      figures: jobs,
      quota: quotas ? `${quotas.asyncStartTps} starts/s, ${quotas.maxConcurrentJobs} jobs` : '—',
      held: 'jobs running',
    },
  ];
  return (
    <section className="panel" data-testid="admission">
      <h2>Textract admission</h2>
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">Textract calls admitted, waiting and throttled</caption>
          <thead>
            <tr>
              <th scope="col">Calls</th>
              <th scope="col">Quota</th>
              <th scope="col">Admitted</th>
              <th scope="col">Last minute</th>
              <th scope="col">Waiting</th>
              <th scope="col">Throttled</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ kind, figures, quota, held }) => (
              <tr key={kind}>
                <th scope="row">{kind}</th>
                <td>{quota}</td>
                <td title={held}>{figures.held}</td>
                <td>{figures.callsLastMinute}</td>
                <td>
                  {figures.waiting}
                  {figures.oldestWaitingSince && (
                    <span className="muted"> (oldest {formatWhen(figures.oldestWaitingSince)})</span>
                  )}
                </td>
                <td>
                  {figures.throttledTotal}
                  {figures.waitingAfterThrottle > 0 && (
                    <span className="muted"> ({figures.waitingAfterThrottle} waiting again)</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
};

const Overview = ({ api }: { api: ApiClient }) => {
  const toasts = useToasts();
  const [data, setData] = useState<AdminOverview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState(false);
  const load = useCallback(
    () =>
      api.admin.overview().then(
        (d) => (setData(d), setError(null)),
        (e: Error) => setError(e.message),
      ),
    [api],
  );
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const redrive = async () => {
    setConfirm(false);
    try {
      const { moved } = await api.admin.redrive();
      toasts.show({
        message: `Moved ${moved} dead-lettered ${moved === 1 ? 'message' : 'messages'} back to the queue`,
      });
      void load();
    } catch (e) {
      toasts.show({ message: `Redrive failed: ${(e as Error).message}`, tone: 'error' });
    }
  };

  if (error && !data)
    return (
      <p className="form-error" role="alert">
        {error}
      </p>
    );
  if (!data) return <p className="muted">Loading overview…</p>;
  const t = data.tasks;
  return (
    <div className="admin-overview" data-testid="admin-overview">
      <dl className="stats">
        <Metric label="Queue depth" value={data.queue?.visible ?? '—'}>
          {data.queue && <span className="muted metric-note">{data.queue.inFlight} in flight</span>}
        </Metric>
        <Metric label="Dead letters" value={data.deadLetter?.visible ?? '—'}>
          <button
            type="button"
            className="button button-small"
            disabled={!data.deadLetter?.visible}
            onClick={() => setConfirm(true)}
          >
            Redrive
          </button>
        </Metric>
        <Metric label="Running executions" value={data.runningExecutions ?? '—'} />
        <Metric label="Completed (24 h)" value={data.last24h.completed} />
        <Metric label="Error rate (24 h)" value={formatPercent(data.last24h.errorRate * 100)} />
      </dl>
      <div className="charts">
        <section className="panel">
          <h2>Tasks by status</h2>
          <BarChart
            title="Tasks by status"
            bars={[
              { label: 'Awaiting upload', value: t.awaiting_upload, className: 'fill-awaiting' },
              { label: 'Queued', value: t.queued, className: 'fill-queued' },
              { label: 'Processing', value: t.processing, className: 'fill-processing' },
              { label: 'Completed', value: t.completed, className: 'fill-completed' },
              { label: 'Failed', value: t.failed, className: 'fill-failed' },
              { label: 'Deleted', value: t.deleted, className: 'fill-deleted' },
            ]}
          />
        </section>
        <section className="panel">
          <h2>Throughput, last 24 h</h2>
          <ThroughputChart buckets={data.throughput} />
          <p className="legend muted">
            <span className="legend-swatch fill-completed" /> completed{' '}
            <span className="legend-swatch fill-failed" /> failed
          </p>
        </section>
        <section className="panel">
          <h2>Error rate per hour</h2>
          <ErrorRateChart buckets={data.throughput} />
        </section>
        <AdmissionPanel admission={data.admission} />
      </div>
      <ConfirmDialog
        open={confirm}
        title="Redrive dead letters?"
        body={`${data.deadLetter?.visible ?? 0} messages will be moved back to the intake queue and processed again.`}
        confirmLabel="Redrive"
        onConfirm={() => void redrive()}
        onCancel={() => setConfirm(false)}
      />
    </div>
  );
};

const Users = ({ api }: { api: ApiClient }) => {
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.admin.users().then(setUsers, (e: Error) => setError(e.message));
  }, [api]);
  if (error)
    return (
      <p className="form-error" role="alert">
        {error}
      </p>
    );
  if (!users) return <p className="muted">Loading users…</p>;
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">Users</caption>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Documents</th>
            <th scope="col">Completed</th>
            <th scope="col">Failed</th>
            <th scope="col">Joined</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>{u.email}</td>
              <td>{u.isAdmin ? 'Admin' : 'User'}</td>
              <td>{u.tasks.total}</td>
              <td>{u.tasks.completed}</td>
              <td>{u.tasks.failed}</td>
              <td>{formatAbsolute(u.createdAt)}</td>
              <td>{u.lastSeenAt ? formatWhen(u.lastSeenAt) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
};

const STATUSES: Array<{ value: TaskStatus | ''; label: string }> = [
  { value: '', label: 'All statuses' },
  { value: 'awaiting_upload', label: 'Awaiting upload' },
  { value: 'queued', label: 'Queued' },
  { value: 'processing', label: 'Processing' },
  { value: 'completed', label: 'Completed' },
  { value: 'failed', label: 'Failed' },
];

const AllTasks = ({ api }: { api: ApiClient }) => {
  const toasts = useToasts();
  const [status, setStatus] = useState<TaskStatus | ''>('');
  const [items, setItems] = useState<TaskView[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [emails, setEmails] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.admin.users().then(
      (users) => setEmails(new Map(users.map((u) => [u.id, u.email]))),
      () => undefined,
    );
  }, [api]);
  useEffect(() => {
    setItems(null);
    api.admin.tasks(status ? { status } : {}).then(
      (page) => (setItems(page.items), setCursor(page.nextCursor)),
      (e: Error) => setError(e.message),
    );
  }, [api, status]);

  const more = async () => {
    if (!cursor) return;
    const page = await api.admin.tasks({ ...(status ? { status } : {}), cursor });
    setItems((current) => {
      const seen = new Set((current ?? []).map((t) => t.id));
      return [...(current ?? []), ...page.items.filter((t) => !seen.has(t.id))];
    });
    setCursor(page.nextCursor);
  };

  const retry = async (task: TaskView) => {
    try {
      const updated = await api.admin.retryTask(task.id);
      setItems(
        (current) => current?.map((t) => (t.id === task.id ? { ...updated, userId: t.userId } : t)) ?? null,
      );
      toasts.show({ message: `Retrying ${task.filename}` });
    } catch (e) {
      toasts.show({ message: `Could not retry: ${(e as Error).message}`, tone: 'error' });
    }
  };

  return (
    <div>
      <label className="inline-field">
        <span>Status</span>
        <select value={status} onChange={(e) => setStatus(e.target.value as TaskStatus | '')}>
          {STATUSES.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : !items ? (
        <p className="muted">Loading tasks…</p>
      ) : items.length === 0 ? (
        <p className="empty">No tasks.</p>
      ) : (
        <ul className="task-list" aria-label="All tasks">
          {items.map((t) => (
            <TaskRow
              key={t.id}
              task={t}
              owner={t.userId ? (emails.get(t.userId) ?? t.userId.slice(0, 8)) : undefined}
              onRetry={(task) => void retry(task)}
            />
          ))}
        </ul>
      )}
      {cursor && (
        <div className="load-more">
          <button type="button" className="button" onClick={() => void more()}>
            Load more
          </button>
        </div>
      )}
    </div>
  );
};

/** System view for the `admins` group: the API refuses everyone else with 403 as well. */
export const AdminPage = ({ api, tab }: { api: ApiClient; tab: Tab }) => {
  const [forbidden, setForbidden] = useState(false);
  useEffect(() => {
    // The claims can be stale (group removed since sign-in): the API has the last word.
    api.admin
      .overview()
      .catch((e: unknown) => e instanceof ApiError && e.status === 403 && setForbidden(true));
  }, [api]);
  if (forbidden) return <ForbiddenPage />;
  return (
    <main id="main" className="page">
      <h1>Admin</h1>
      <nav className="tabs" aria-label="Admin sections">
        {(['overview', 'users', 'tasks'] as const).map((t) => (
          <Link key={t} to={`/admin/${t}`} className="tab" aria-current={tab === t ? 'page' : undefined}>
            {t === 'overview' ? 'Overview' : t === 'users' ? 'Users' : 'All tasks'}
          </Link>
        ))}
      </nav>
      <div className="tab-panel">
        {tab === 'overview' ? (
          <Overview api={api} />
        ) : tab === 'users' ? (
          <Users api={api} />
        ) : (
          <AllTasks api={api} />
        )}
      </div>
    </main>
  );
};
