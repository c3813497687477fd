import type { Result } from '../../database/schema.js';
import type { TaskWithFile } from '../../database/repositories/tasks.js';
import type { TaskStage, TaskStatus } from './task.js';

export interface ResultSummary {
  pages: number;
  words: number;
  lines: number;
  confidence: number | null;
  processingMs: number;
  engine: string;
  preview: string;
}

/** The task as the API and the WebSocket show it (camelCase, no storage internals). */
export interface TaskView {
  id: string;
  status: TaskStatus;
  stage: TaskStage;
  progress: number;
  /** What the task is doing, in words, when that says more than its stage ("Recognized 3 of 14 pages"). */
  progressMessage: string | null;
  priority: string;
  source: string;
  filename: string;
  contentType: string | null;
  size: number | null;
  pages: number | null;
  attempts: number;
  error: { code: string; message: string } | null;
  createdAt: string;
  updatedAt: string;
  queuedAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  deletedAt: string | null;
  result?: ResultSummary;
}

const iso = (d: Date | string | null | undefined): string | null =>
  d === null || d === undefined ? null : new Date(d).toISOString();

/** The columns a result summary is made of (a stored row, or one about to be stored). */
export type ResultFacts = Pick<
  Result,
  'pages' | 'words' | 'lines' | 'confidence' | 'processing_ms' | 'engine' | 'text'
>;

export const toResultSummary = (result: ResultFacts): ResultSummary => ({
  pages: result.pages,
  words: result.words,
  lines: result.lines,
  confidence: result.confidence,
  processingMs: result.processing_ms,
  engine: result.engine,
  preview: result.text.replace(/\s+/g, ' ').trim().slice(0, 200),
});

export const toTaskView = (task: TaskWithFile, result?: Result): TaskView => {
  const view: TaskView = {
    id: task.id,
    status: task.status as TaskStatus,
    stage: task.stage as TaskStage,
    progress: task.progress,
    progressMessage: task.progress_message,
    priority: task.priority,
    source: task.source,
    filename: task.original_name,
    contentType: task.detected_content_type ?? task.declared_content_type,
    size: task.size_bytes === null ? null : Number(task.size_bytes),
    pages: task.pages,
    attempts: task.attempts,
    error: task.error_code ? { code: task.error_code, message: task.error_message ?? '' } : null,
    createdAt: iso(task.created_at) as string,
    updatedAt: iso(task.updated_at) as string,
    queuedAt: iso(task.queued_at),
    startedAt: iso(task.started_at),
    completedAt: iso(task.completed_at),
    deletedAt: iso(task.deleted_at),
  };
  if (result) view.result = toResultSummary(result);
  return view;
};
