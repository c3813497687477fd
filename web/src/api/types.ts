/** Wire types of the REST API and the WebSocket (mirrors `lambdas/core/views.ts`, kept apart so the
 * browser bundle never imports server code). */
export const TASK_STATUSES = ['awaiting_upload', 'queued', 'processing', 'completed', 'failed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type Priority = 'low' | 'normal' | 'high';
export type ResultFormat = 'txt' | 'html' | 'json';

export interface ResultSummary {
  pages: number;
  words: number;
  lines: number;
  confidence: number | null;
  processingMs: number;
  engine: string;
  preview: string;
}

export interface TaskView {
  id: string;
  status: TaskStatus;
  stage: string;
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
  /** Admin listing only. */
  userId?: string;
}

export interface TaskStats {
  total: number;
  awaiting_upload: number;
  queued: number;
  processing: number;
  completed: number;
  failed: number;
  deleted: number;
}

export interface TaskPage {
  items: TaskView[];
  nextCursor: string | null;
  stats?: TaskStats;
}

export interface PresignedPost {
  url: string;
  fields: Record<string, string>;
  method: 'POST';
}

export interface CreatedUpload {
  task: TaskView;
  upload: PresignedPost;
}

/** Messages waiting (`visible`) and being worked on (`inFlight`), as SQS counts them. */
export interface QueueDepth {
  visible: number;
  inFlight: number;
}

export interface AdminOverview {
  queue: QueueDepth | null;
  deadLetter: QueueDepth | null;
  runningExecutions: number | null;
  tasks: TaskStats;
  throughput: Array<{ bucketStart: string; completed: number; failed: number }>;
  last24h: { completed: number; failed: number; errorRate: number };
  /** Admission control in front of Textract, per kind of call (`sync` one page, `async` several). */
  admission: {
    quotas: { syncTps: number; asyncStartTps: number; maxConcurrentJobs: number } | null;
    sync: AdmissionFigures;
    async: AdmissionFigures;
  };
}

export interface AdmissionFigures {
  /** Calls in flight (sync) or jobs running (async), and grants on their way. */
  held: number;
  callsLastMinute: number;
  waiting: number;
  waitingAfterThrottle: number;
  throttledTotal: number;
  lastThrottledAt: string | null;
  oldestWaitingSince: string | null;
}

export interface AdminUser {
  id: string;
  email: string;
  isAdmin: boolean;
  createdAt: string;
  lastSeenAt: string | null;
  tasks: { total: number; completed: number; failed: number };
}

export interface TaskUpdateMessage {
  type: 'task_update';
  taskId: string;
  status: TaskStatus;
  stage: string;
  progress: number;
  progressMessage: string | null;
  message: string;
  error?: { code: string; message: string };
  result?: ResultSummary;
  at: string;
}

export interface DbChangeMessage {
  type: 'db_change';
  table: string;
  operation: string;
  recordId: string;
  status: string;
}

export type ServerMessage =
  | TaskUpdateMessage
  | DbChangeMessage
  | { type: 'pong' | 'connected' | 'subscribed' | 'error'; [key: string]: unknown };
