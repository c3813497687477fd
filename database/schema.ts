/**
 * Kysely table types. Column names are snake_case as in SQL; migrations in `./migrations` create
 * exactly these tables (migrations never import this file: they are frozen in time).
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface UsersTable {
  id: string; // uuid: Cognito `sub` on AWS, generated locally
  email: string;
  /** scrypt hash; only the local token issuer uses it (Cognito owns passwords on AWS). */
  password_hash: string | null;
  is_admin: Generated<boolean>;
  created_at: Generated<Date>;
  last_seen_at: NullableTimestamp;
}

export interface FilesTable {
  id: Generated<string>;
  user_id: string;
  storage_key: string;
  original_name: string;
  declared_content_type: string | null;
  detected_content_type: string | null;
  size_bytes: ColumnType<number, number | string | null, number | string | null> | null;
  pages: number | null;
  created_at: Generated<Date>;
}

export interface TasksTable {
  id: Generated<string>;
  user_id: string;
  file_id: string;
  status: string; // TaskStatus
  stage: string; // TaskStage
  progress: Generated<number>;
  /** What the task is doing in words, when more than its stage says; cleared by status changes. */
  progress_message: string | null;
  priority: Generated<string>; // Priority
  source: Generated<string>; // 'api' | 'drop'
  attempts: Generated<number>;
  error_code: string | null;
  error_message: string | null;
  execution_arn: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  queued_at: NullableTimestamp;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
}

export interface ResultsTable {
  task_id: string;
  user_id: string;
  text: string;
  text_key: string;
  html_key: string;
  json_key: string;
  pages: number;
  words: number;
  lines: number;
  /** Mean word confidence, 0–100. */
  confidence: number | null;
  processing_ms: number;
  engine: string;
  /** Generated column: to_tsvector('simple', text). Never written. */
  search: ColumnType<string, never, never>;
  created_at: Generated<Date>;
}

export interface TaskEventsTable {
  id: Generated<string>;
  /** Insertion order (an identity column): events of one instant still sort as they happened. */
  seq: Generated<number>;
  task_id: string;
  user_id: string;
  from_status: string | null;
  to_status: string;
  stage: string | null;
  message: string | null;
  created_at: Generated<Date>;
}

export interface ConnectionsTable {
  id: string; // API Gateway connectionId
  user_id: string;
  /** Task ids the client subscribed to; null = all of the user's tasks. */
  task_ids: string[] | null;
  connected_at: Generated<Date>;
  last_seen_at: Generated<Date>;
}

/**
 * Tasks by status, kept by a trigger on `tasks` (migration `2026-12-07T09-00-00-task-counts`): per
 * user, and for everyone under {@link ALL_USERS_COUNT_ID}.
 */
export interface TaskCountsTable {
  user_id: string;
  status: string;
  deleted: boolean;
  n: ColumnType<number, number, number>;
}

/** When a periodic maintenance job last ran (one row per job). */
export interface MaintenanceRunsTable {
  name: string;
  ran_at: ColumnType<Date, Date | string, Date | string>;
}

/** The `task_counts.user_id` of the counts over all users. */
export const ALL_USERS_COUNT_ID = '00000000-0000-0000-0000-000000000000';

export interface Database {
  users: UsersTable;
  task_counts: TaskCountsTable;
  maintenance_runs: MaintenanceRunsTable;
  files: FilesTable;
  tasks: TasksTable;
  results: ResultsTable;
  task_events: TaskEventsTable;
  connections: ConnectionsTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type FileRow = Selectable<FilesTable>;
export type NewFile = Insertable<FilesTable>;
export type Task = Selectable<TasksTable>;
export type NewTask = Insertable<TasksTable>;
export type TaskUpdate = Updateable<TasksTable>;
export type Result = Selectable<ResultsTable>;
export type NewResult = Insertable<ResultsTable>;
/** An event as the API shows it; `seq` only orders events of one instant. */
export type TaskEvent = Omit<Selectable<TaskEventsTable>, 'seq'>;
export type Connection = Selectable<ConnectionsTable>;
