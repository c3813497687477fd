/**
 * Every migration, by name. A static map rather than a folder scan: Lambda bundles have no migration
 * folder to read at run time. Names sort chronologically; Kysely applies them in name order.
 */
import type { Migration } from 'kysely';
import * as initial from './2026-11-22T10-00-00-initial.js';
import * as textJobs from './2026-11-22T12-00-00-text-jobs.js';
import * as changeOrigin from './2026-11-22T13-00-00-change-origin.js';
import * as textJobHandOff from './2026-12-02T09-00-00-text-job-hand-off.js';
import * as changeFunction from './2026-12-02T10-00-00-change-function.js';
import * as admission from './2026-12-06T09-00-00-admission.js';
import * as taskCounts from './2026-12-07T09-00-00-task-counts.js';
import * as finishedIndex from './2026-12-07T10-00-00-finished-index.js';
import * as progressMessage from './2026-12-07T11-00-00-progress-message.js';

export const migrations: Record<string, Migration> = {
  '2026-11-22T10-00-00-initial': initial,
  '2026-11-22T12-00-00-text-jobs': textJobs,
  '2026-11-22T13-00-00-change-origin': changeOrigin,
  '2026-12-02T09-00-00-text-job-hand-off': textJobHandOff,
  '2026-12-02T10-00-00-change-function': changeFunction,
  '2026-12-06T09-00-00-admission': admission,
  '2026-12-07T09-00-00-task-counts': taskCounts,
  '2026-12-07T10-00-00-finished-index': finishedIndex,
  '2026-12-07T11-00-00-progress-message': progressMessage,
};
