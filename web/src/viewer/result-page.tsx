import { useCallback, useEffect, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client.js';
import type { ResultFormat, TaskView } from '../api/types.js';
import { Link } from '../components/link.js';
import { StatusBadge } from '../components/status-badge.js';
import { useToasts } from '../components/toasts.js';
import type { LiveBus } from '../live/live-bus.js';
import { formatAbsolute, formatPercent, stageLabel } from '../lib/format.js';
import { DEFAULT_ASPECT, documentAspects } from './page-size.js';
import { PageView } from './page-view.js';
import { wordsByPage, type Word } from './textract.js';

type Tab = 'text' | 'page' | 'html';
const TABS: Array<{ id: Tab; label: string }> = [
  { id: 'text', label: 'Text' },
  { id: 'page', label: 'Page & words' },
  { id: 'html', label: 'HTML' },
];
const BROWSER_IMAGES = ['image/png', 'image/jpeg', 'image/webp'];

/** Starts a download from a presigned URL (its Content-Disposition names the file). */
const startDownload = (url: string) => {
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.rel = 'noopener';
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
};

const copyText = async (text: string) => {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Clipboard API refused (permissions, insecure origin): the old way still works in a user gesture.
    const area = document.createElement('textarea');
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
};

interface Loaded {
  text?: string;
  html?: string;
  pages?: Map<number, Word[]>;
  imageUrl?: string | null;
  aspects?: number[];
}

/** One document's result: text, HTML (sandboxed), and the page with word boxes. */
export const ResultPage = ({ api, bus, id }: { api: ApiClient; bus: LiveBus; id: string }) => {
  const toasts = useToasts();
  const [task, setTask] = useState<TaskView | null>(null);
  const [error, setError] = useState<{ status: number; message: string } | null>(null);
  const [tab, setTab] = useState<Tab>('text');
  const [loaded, setLoaded] = useState<Loaded>({});
  const [loadError, setLoadError] = useState<string | null>(null);
  const [page, setPage] = useState(1);

  const loadTask = useCallback(async () => {
    try {
      setTask(await api.getTask(id));
    } catch (failure) {
      setError(
        failure instanceof ApiError
          ? { status: failure.status, message: failure.message }
          : { status: 0, message: 'Could not load the document' },
      );
    }
  }, [api, id]);

  useEffect(() => {
    void loadTask();
    return bus.subscribe((event) => {
      if (
        event.kind !== 'message' ||
        (event.message.type === 'task_update' && event.message.taskId === id) ||
        event.message.type === 'db_change'
      )
        void loadTask();
    });
  }, [bus, id, loadTask]);

  const completed = task?.status === 'completed' && !task.deletedAt;
  const fetchResult = useCallback(
    async (format: ResultFormat) => {
      const res = await fetch(await api.resultUrl(id, format));
      if (!res.ok) throw new Error(`Could not read the ${format.toUpperCase()} result (HTTP ${res.status})`);
      return format === 'json' ? res.json() : res.text();
    },
    [api, id],
  );

  useEffect(() => {
    if (!completed || !task) return;
    let cancelled = false;
    const need =
      tab === 'text'
        ? loaded.text === undefined
        : tab === 'html'
          ? loaded.html === undefined
          : loaded.pages === undefined;
    if (!need) return;
    setLoadError(null);
    (async () => {
      if (tab === 'text') {
        const text = (await fetchResult('txt')) as string;
        if (!cancelled) setLoaded((l) => ({ ...l, text }));
      } else if (tab === 'html') {
        const html = (await fetchResult('html')) as string;
        if (!cancelled) setLoaded((l) => ({ ...l, html }));
      } else {
        const [json, originalUrl] = await Promise.all([fetchResult('json'), api.downloadUrl(id)]);
        const isImage = BROWSER_IMAGES.includes(task.contentType ?? '');
        const aspects = isImage ? [] : await documentAspects(originalUrl, task.contentType ?? '');
        if (!cancelled)
          setLoaded((l) => ({
            ...l,
            pages: wordsByPage(json),
            imageUrl: isImage ? originalUrl : null,
            aspects,
          }));
      }
    })().catch(
      (failure: unknown) =>
        !cancelled && setLoadError(failure instanceof Error ? failure.message : 'Could not load the result'),
    );
    return () => {
      cancelled = true;
    };
  }, [api, completed, fetchResult, id, loaded, tab, task]);

  const download = async (format: ResultFormat | 'original') => {
    try {
      startDownload(format === 'original' ? await api.downloadUrl(id) : await api.resultUrl(id, format));
    } catch (failure) {
      toasts.show({ message: failure instanceof Error ? failure.message : 'Download failed', tone: 'error' });
    }
  };

  const copy = async () => {
    try {
      await copyText(loaded.text ?? ((await fetchResult('txt')) as string));
      toasts.show({ message: 'Text copied to the clipboard' });
    } catch {
      toasts.show({ message: 'Could not copy the text', tone: 'error' });
    }
  };

  const retry = async () => {
    try {
      setTask(await api.retryTask(id));
    } catch (failure) {
      toasts.show({ message: failure instanceof Error ? failure.message : 'Retry failed', tone: 'error' });
    }
  };

  if (error)
    return (
      <main id="main" className="page">
        <div className="empty" role="alert">
          <h1>{error.status === 404 ? 'Document not found' : 'Could not load the document'}</h1>
          <p>{error.status === 404 ? 'It does not exist, or it is not yours.' : error.message}</p>
          <Link to="/" className="button">
            Back to documents
          </Link>
        </div>
      </main>
    );
  if (!task)
    return (
      <main id="main" className="page" aria-busy="true">
        <p className="muted">Loading…</p>
      </main>
    );

  const pages = loaded.pages ? [...loaded.pages.keys()].sort((a, b) => a - b) : [];
  const words = loaded.pages?.get(page) ?? [];
  return (
    <main id="main" className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Documents</Link> <span aria-hidden="true">/</span> <span>{task.filename}</span>
      </nav>
      <header className="result-head">
        <div>
          <h1 className="result-title">{task.filename}</h1>
          <p className="muted">
            <StatusBadge status={task.status} deleted={Boolean(task.deletedAt)} /> Uploaded{' '}
            {formatAbsolute(task.createdAt)}
          </p>
        </div>
        <div className="result-actions">
          {completed && (
            <>
              <button type="button" className="button" onClick={() => void copy()}>
                Copy text
              </button>
              <button type="button" className="button" onClick={() => void download('txt')}>
                Download TXT
              </button>
              <button type="button" className="button" onClick={() => void download('html')}>
                Download HTML
              </button>
              <button type="button" className="button" onClick={() => void download('json')}>
                Download JSON
              </button>
            </>
          )}
          {task.status !== 'awaiting_upload' && (
            <button type="button" className="button" onClick={() => void download('original')}>
              Download original
            </button>
          )}
        </div>
      </header>
      {task.result && (
        <dl className="facts">
          <div>
            <dt>Pages</dt>
            <dd>{task.result.pages}</dd>
          </div>
          <div>
            <dt>Words</dt>
            <dd>{task.result.words}</dd>
          </div>
          <div>
            <dt>Lines</dt>
            <dd>{task.result.lines}</dd>
          </div>
          <div>
            <dt>Confidence</dt>
            <dd>{formatPercent(task.result.confidence)}</dd>
          </div>
          <div>
            <dt>Processing</dt>
            <dd>{(task.result.processingMs / 1000).toFixed(1)} s</dd>
          </div>
        </dl>
      )}
      {!completed ? (
        <div className="panel empty">
          {task.status === 'failed' ? (
            <>
              <p className="task-error" role="alert">
                {task.error?.message || 'Processing failed'} {task.error && <code>{task.error.code}</code>}
              </p>
              {!task.deletedAt && (
                <button type="button" className="button" onClick={() => void retry()}>
                  Retry
                </button>
              )}
            </>
          ) : task.deletedAt ? (
            <p>This document is deleted. Restore it from the Deleted view to read its text.</p>
          ) : (
            <>
              <p>
                {task.progressMessage ?? stageLabel(task.stage)} · {task.progress} %
              </p>
              <progress max={100} value={task.progress} aria-label="Progress" />
              <p className="muted">The text appears here as soon as it is ready.</p>
            </>
          )}
        </div>
      ) : (
        <section className="panel">
          <div className="tabs" role="tablist" aria-label="Result views">
            {TABS.map((t) => (
              <button
                key={t.id}
                id={`tab-${t.id}`}
                type="button"
                role="tab"
                aria-selected={tab === t.id}
                aria-controls={`panel-${t.id}`}
                tabIndex={tab === t.id ? 0 : -1}
                className="tab"
                onClick={() => setTab(t.id)}
                onKeyDown={(e) => {
                  const index = TABS.findIndex((x) => x.id === tab);
                  const next = e.key === 'ArrowRight' ? index + 1 : e.key === 'ArrowLeft' ? index - 1 : null;
                  if (next === null) return;
                  const target = TABS[(next + TABS.length) % TABS.length]!;
                  setTab(target.id);
                  document.getElementById(`tab-${target.id}`)?.focus();
                }}
              >
                {t.label}
              </button>
            ))}
          </div>
          <div id={`panel-${tab}`} role="tabpanel" aria-labelledby={`tab-${tab}`} className="tab-panel">
            {loadError ? (
              <p className="form-error" role="alert">
                {loadError}
              </p>
            ) : tab === 'text' ? (
              loaded.text === undefined ? (
                <p className="muted">Loading text…</p>
              ) : loaded.text.trim() ? (
                <pre className="result-text" data-testid="result-text">
                  {loaded.text}
                </pre>
              ) : (
                <p className="muted">No text was found in this document.</p>
              )
            ) : tab === 'html' ? (
              loaded.html === undefined ? (
                <p className="muted">Loading HTML…</p>
              ) : (
                // sandbox="" : no scripts, no same-origin access, no navigation — the HTML is data, not code.
                <iframe
                  className="result-html"
                  sandbox=""
                  srcDoc={loaded.html}
                  title={`HTML result of ${task.filename}`}
                />
              )
            ) : loaded.pages === undefined ? (
              <p className="muted">Loading page…</p>
            ) : (
              <>
                {pages.length > 1 && (
                  <div className="segmented" role="group" aria-label="Page">
                    {pages.map((p) => (
                      <button
                        key={p}
                        type="button"
                        className="segment"
                        aria-pressed={p === page}
                        onClick={() => setPage(p)}
                      >
                        Page {p}
                      </button>
                    ))}
                  </div>
                )}
                <p className="muted legend">
                  <span className="legend-swatch word-high" /> ≥ 90 %{' '}
                  <span className="legend-swatch word-medium" /> 70–90 %{' '}
                  <span className="legend-swatch word-low" /> &lt; 70 % confidence
                  {!loaded.imageUrl && ' · page drawn blank: the browser cannot show this original inline'}
                </p>
                <PageView
                  words={words}
                  imageUrl={page === 1 ? (loaded.imageUrl ?? null) : null}
                  aspect={loaded.aspects?.[page - 1] ?? loaded.aspects?.[0] ?? DEFAULT_ASPECT}
                  label={`Page ${page}`}
                />
              </>
            )}
          </div>
        </section>
      )}
    </main>
  );
};
