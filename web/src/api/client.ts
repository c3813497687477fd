import type {
  AdminOverview,
  AdminUser,
  CreatedUpload,
  Priority,
  ResultFormat,
  TaskPage,
  TaskStats,
  TaskStatus,
  TaskView,
} from './types.js';

/** The API's `{error:{code,message}}`, or a network failure (`status` 0). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ListQuery {
  status?: TaskStatus;
  q?: string;
  limit?: number;
  cursor?: string;
  deleted?: boolean;
}

export interface FileDescription {
  filename: string;
  contentType: string;
  size: number;
  priority: Priority;
}

export interface ApiClientOptions {
  baseUrl: string;
  getToken: () => string | null;
  /** Called on any 401: the session expired or was revoked. */
  onUnauthorized: () => void;
  fetchImpl?: typeof fetch;
}

const toQuery = (params: Record<string, string | number | boolean | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};

export type ApiClient = ReturnType<typeof createApiClient>;

/** Typed calls to the REST API; every method throws {@link ApiError} with the server's message. */
export const createApiClient = (options: ApiClientOptions) => {
  const fetchImpl = options.fetchImpl ?? fetch.bind(globalThis);

  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = {};
    const token = options.getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await fetchImpl(`${options.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      throw new ApiError('Cannot reach the server. Check your connection.', 0, 'NETWORK');
    }
    const answer = (await res.json().catch(() => null)) as
      (T & { error?: { code: string; message: string } }) | null;
    if (!res.ok) {
      if (res.status === 401) options.onUnauthorized();
      throw new ApiError(
        answer?.error?.message ?? `Request failed (HTTP ${res.status})`,
        res.status,
        answer?.error?.code ?? `HTTP_${res.status}`,
      );
    }
    return answer as T;
  };

  return {
    request,
    listTasks: (query: ListQuery) =>
      request<TaskPage>('GET', `/tasks${toQuery({ ...query, deleted: query.deleted ? true : undefined })}`),
    getTask: (id: string) =>
      request<{ task: TaskView }>('GET', `/tasks/${encodeURIComponent(id)}`).then((r) => r.task),
    stats: () => request<TaskStats>('GET', '/stats'),
    createTask: (file: FileDescription) => request<CreatedUpload>('POST', '/tasks', file),
    createTasks: (files: FileDescription[]) =>
      request<{ items: CreatedUpload[] }>('POST', '/tasks/batch', { files }).then((r) => r.items),
    resultUrl: (id: string, format: ResultFormat) =>
      request<{ url: string }>('GET', `/tasks/${encodeURIComponent(id)}/result?format=${format}`).then(
        (r) => r.url,
      ),
    downloadUrl: (id: string) =>
      request<{ url: string }>('GET', `/tasks/${encodeURIComponent(id)}/download`).then((r) => r.url),
    deleteTask: (id: string) =>
      request<{ task: TaskView }>('DELETE', `/tasks/${encodeURIComponent(id)}`).then((r) => r.task),
    restoreTask: (id: string) =>
      request<{ task: TaskView }>('POST', `/tasks/${encodeURIComponent(id)}/restore`).then((r) => r.task),
    retryTask: (id: string) =>
      request<{ task: TaskView }>('POST', `/tasks/${encodeURIComponent(id)}/retry`).then((r) => r.task),
    admin: {
      overview: () => request<AdminOverview>('GET', '/admin/overview'),
      users: () => request<{ items: AdminUser[] }>('GET', '/admin/users?limit=200').then((r) => r.items),
      tasks: (query: { status?: TaskStatus; q?: string; cursor?: string }) =>
        request<{ items: TaskView[]; nextCursor: string | null }>(
          'GET',
          `/admin/tasks${toQuery({ ...query, limit: 50 })}`,
        ),
      retryTask: (id: string) =>
        request<{ task: TaskView }>('POST', `/admin/tasks/${encodeURIComponent(id)}/retry`).then(
          (r) => r.task,
        ),
      redrive: () => request<{ moved: number }>('POST', '/admin/dlq/redrive'),
    },
  };
};
