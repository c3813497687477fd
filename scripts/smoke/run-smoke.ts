/**
 * The smoke test's request sequence, the same against a deployed stack and the local host: sign in,
 * open the WebSocket, create a task, upload the document through its presigned POST, wait for the
 * pushed `completed`, download the text, delete the task. Each step is timed and reported.
 */
import WebSocket from 'ws';

/** Where the smoke test runs and who it runs as. */
export interface SmokeTarget {
  /** REST base, ending in `/api`. */
  apiUrl: string;
  /** WebSocket URL without the token. */
  webSocketUrl: string;
  /** An ID token for a fresh user. */
  signIn(): Promise<string>;
  /** Removes what signIn created; called whatever happened. */
  cleanUp(): Promise<void>;
}

export interface SmokeDocument {
  bytes: Uint8Array;
  filename: string;
  contentType: string;
  /** Words the recognized text must contain (case-insensitive). */
  expectWords: string[];
}

export interface SmokeStep {
  name: string;
  ms: number;
  detail?: string;
}

export class SmokeError extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(`${step}: ${message}`);
    this.name = 'SmokeError';
  }
}

interface TaskUpdate {
  type: 'task_update';
  taskId: string;
  status: string;
  stage?: string;
  message?: string;
  error?: { code: string; message: string };
}

/**
 * Runs the sequence and returns its timed steps.
 *
 * @throws SmokeError naming the step that failed and why.
 */
export async function runSmoke(
  target: SmokeTarget,
  document: SmokeDocument,
  options: { timeoutMs: number; onStep?: (step: SmokeStep) => void },
): Promise<SmokeStep[]> {
  const steps: SmokeStep[] = [];
  const step = async <T>(name: string, work: () => Promise<T>, detail?: (value: T) => string): Promise<T> => {
    const started = Date.now();
    let value: T;
    try {
      value = await work();
    } catch (error) {
      throw error instanceof SmokeError ? error : new SmokeError(name, (error as Error).message);
    }
    const done = { name, ms: Date.now() - started, ...(detail && { detail: detail(value) }) };
    steps.push(done);
    options.onStep?.(done);
    return value;
  };

  let socket: WebSocket | undefined;
  try {
    const token = await step('sign in', () => target.signIn());
    const api = async (path: string, init: RequestInit = {}, expected = [200]) => {
      const response = await fetch(`${target.apiUrl}${path}`, {
        ...init,
        headers: { Authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
      });
      const text = await response.text();
      if (!expected.includes(response.status))
        throw new Error(`${init.method ?? 'GET'} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    };

    const updates: TaskUpdate[] = [];
    const waiters: Array<() => void> = [];
    socket = await step('open the WebSocket', () =>
      openSocket(target.webSocketUrl, token, options.timeoutMs),
    );
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type?: string };
      if (message.type === 'task_update') updates.push(message as TaskUpdate);
      for (const wake of waiters.splice(0)) wake();
    });

    const created = await step(
      'create the task',
      () =>
        api(
          '/tasks',
          {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({
              filename: document.filename,
              contentType: document.contentType,
              size: document.bytes.byteLength,
            }),
          },
          [201],
        ) as Promise<{ task: { id: string }; upload: { url: string; fields: Record<string, string> } }>,
      (value) => value.task.id,
    );
    const taskId = created.task.id;

    await step('upload through the presigned POST', async () => {
      const form = new FormData();
      for (const [name, value] of Object.entries(created.upload.fields)) form.append(name, value);
      form.append('file', new Blob([new Uint8Array(document.bytes)]), document.filename);
      const response = await fetch(created.upload.url, { method: 'POST', body: form });
      if (response.status !== 204 && response.status !== 201)
        throw new Error(
          `the object store answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
        );
    });

    const final = await step(
      'wait for completed on the WebSocket',
      () =>
        new Promise<TaskUpdate>((resolve, reject) => {
          const deadline = setTimeout(() => {
            const last = updates.filter((update) => update.taskId === taskId).at(-1);
            reject(
              new Error(
                `no completed within ${options.timeoutMs / 1000} s (last update: ${last ? `${last.status} ${last.stage ?? ''} ${last.message ?? ''}` : 'none'})`,
              ),
            );
          }, options.timeoutMs);
          const look = () => {
            const done = updates.find(
              (update) =>
                update.taskId === taskId && (update.status === 'completed' || update.status === 'failed'),
            );
            if (done) {
              clearTimeout(deadline);
              return resolve(done);
            }
            waiters.push(look);
          };
          look();
        }),
      () => `${updates.filter((update) => update.taskId === taskId).length} updates`,
    );
    if (final.status !== 'completed')
      throw new SmokeError(
        'wait for completed on the WebSocket',
        `the task failed: ${final.error?.code ?? '?'} ${final.error?.message ?? ''}`,
      );

    await step(
      'download the text',
      async () => {
        const link = (await api(`/tasks/${taskId}/result?format=txt`)) as { url: string };
        const response = await fetch(link.url);
        if (!response.ok) throw new Error(`the result URL answered ${response.status}`);
        const text = await response.text();
        const missing = document.expectWords.filter(
          (word) => !text.toLowerCase().includes(word.toLowerCase()),
        );
        if (missing.length > 0)
          throw new Error(`the text lacks ${missing.join(', ')}: ${JSON.stringify(text.slice(0, 200))}`);
        return text;
      },
      (text) => `${text.length} characters`,
    );

    await step('delete the task', () => api(`/tasks/${taskId}`, { method: 'DELETE' }, [200, 204]));
    return steps;
  } finally {
    socket?.close();
    await target.cleanUp();
  }
}

const openSocket = (url: string, token: string, timeoutMs: number) =>
  new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(`${url}?token=${encodeURIComponent(token)}`);
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no connection within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.once('open', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('unexpected-response', (_request, response) => {
      clearTimeout(timer);
      reject(new Error(`the WebSocket upgrade was refused with ${response.statusCode}`));
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
