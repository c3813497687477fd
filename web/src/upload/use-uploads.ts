import { useCallback, useRef, useState } from 'react';
import { ApiError, type ApiClient, type FileDescription } from '../api/client.js';
import type { CreatedUpload, Priority, TaskView } from '../api/types.js';
import { checkFile } from './file-check.js';
import { uploadToPresignedPost, type UploadHandle } from './presigned-upload.js';

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  /** 0–1, from the real upload's progress events. */
  progress: number;
  state: 'checking' | 'rejected' | 'creating' | 'uploading' | 'uploaded' | 'failed';
  message?: string;
  taskId?: string;
}

const MAX_BATCH = 50;
const PARALLEL_UPLOADS = 3;
let nextKey = 0;

/** Runs `work` over `items` with at most `limit` at once. */
const runLimited = async <T>(items: T[], limit: number, work: (item: T) => Promise<void>) => {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(limit, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
};

/**
 * Many files at once: checks each in the browser, creates the tasks in batches, then POSTs each file
 * to its presigned form. When a batch is refused, each file is retried alone so the server's message
 * lands next to the file it is about (a batch with one bad entry creates nothing).
 */
export const useUploads = (api: ApiClient, onCreated: (task: TaskView) => void) => {
  const [items, setItems] = useState<UploadItem[]>([]);
  const handles = useRef(new Map<string, UploadHandle>());
  const onCreatedRef = useRef(onCreated);
  onCreatedRef.current = onCreated;

  const patch = useCallback((key: string, change: Partial<UploadItem>) => {
    setItems((current) => current.map((item) => (item.key === key ? { ...item, ...change } : item)));
  }, []);

  const create = useCallback(
    async (
      entries: Array<{ key: string; description: FileDescription }>,
    ): Promise<Array<{ key: string; created: CreatedUpload }>> => {
      const out: Array<{ key: string; created: CreatedUpload }> = [];
      for (let i = 0; i < entries.length; i += MAX_BATCH) {
        const chunk = entries.slice(i, i + MAX_BATCH);
        try {
          const created = await api.createTasks(chunk.map((e) => e.description));
          created.forEach((c, j) => out.push({ key: chunk[j]!.key, created: c }));
        } catch (error) {
          if (
            !(error instanceof ApiError) ||
            error.status >= 500 ||
            error.status === 0 ||
            chunk.length === 1
          ) {
            const message =
              error instanceof Error
                ? error.message.replace(/^files\[\d+\]: /, '')
                : 'Could not create the task';
            chunk.forEach((e) => patch(e.key, { state: 'failed', message }));
            continue;
          }
          for (const entry of chunk) {
            try {
              out.push({ key: entry.key, created: await api.createTask(entry.description) });
            } catch (single) {
              patch(entry.key, {
                state: 'failed',
                message: single instanceof Error ? single.message : 'Could not create the task',
              });
            }
          }
        }
      }
      return out;
    },
    [api, patch],
  );

  const addFiles = useCallback(
    async (files: File[], priority: Priority) => {
      const added = files.map((file) => ({ file, key: `u${++nextKey}` }));
      setItems((current) => [
        ...added.map(({ file, key }): UploadItem => ({
          key,
          name: file.name,
          size: file.size,
          progress: 0,
          state: 'checking',
        })),
        ...current,
      ]);
      const accepted: Array<{ key: string; file: File; description: FileDescription }> = [];
      for (const { file, key } of added) {
        const check = await checkFile(file);
        if (!check.ok) patch(key, { state: 'rejected', message: check.message });
        else {
          patch(key, { state: 'creating' });
          accepted.push({
            key,
            file,
            description: {
              filename: file.name || 'document',
              contentType: check.contentType,
              size: file.size,
              priority,
            },
          });
        }
      }
      if (accepted.length === 0) return;
      const created = await create(accepted);
      const fileOf = new Map(accepted.map((a) => [a.key, a.file]));
      for (const { key, created: c } of created) {
        patch(key, { state: 'uploading', taskId: c.task.id });
        onCreatedRef.current(c.task);
      }
      await runLimited(created, PARALLEL_UPLOADS, async ({ key, created: c }) => {
        try {
          const handle = uploadToPresignedPost(c.upload, fileOf.get(key)!, (progress) =>
            patch(key, { progress }),
          );
          handles.current.set(key, handle);
          await handle.done;
          patch(key, { state: 'uploaded', progress: 1 });
        } catch (error) {
          patch(key, { state: 'failed', message: error instanceof Error ? error.message : 'Upload failed' });
        } finally {
          handles.current.delete(key);
        }
      });
    },
    [create, patch],
  );

  return {
    items,
    addFiles,
    dismiss: (key: string) => setItems((current) => current.filter((item) => item.key !== key)),
    /** Stops an upload in flight; its task stays "awaiting upload" and can be deleted from the board. */
    cancel: (key: string) => handles.current.get(key)?.abort(),
    clearFinished: () =>
      setItems((current) =>
        current.filter(
          (item) => item.state === 'checking' || item.state === 'creating' || item.state === 'uploading',
        ),
      ),
  };
};
