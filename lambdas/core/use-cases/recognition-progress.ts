/**
 * Progress while a document's pages are recognized. Amazon Textract reports nothing per page for an
 * asynchronous job (only the job's end), so on AWS a multi-page task shows "Recognizing 14 pages" until
 * its result is written; the local engine reads page by page and reports each finished page, so the
 * same task locally goes "Recognized 3 of 14 pages", progress rising from 20 % towards 95 %.
 */
import * as z from 'zod';
import { updateTaskProgress } from '../../../database/repositories/tasks.js';
import type { CoreDeps } from '../deps.js';
import { notifyTaskUpdate } from './notify.js';

/** Progress when recognition starts (Download and admission set it) and when the last page is read. */
export const RECOGNITION_PROGRESS = { start: 20, lastPage: 95 } as const;

/** The progress message of a multi-page task while its pages are recognized as one job. */
export const recognizingPagesMessage = (pages: number): string => `Recognizing ${pages} pages`;

/**
 * Progress and message after `pagesDone` of `pages` pages. Finished pages are counted, not the page
 * "being read": pages are recognized in parallel, out of order.
 */
export const pageProgress = (pagesDone: number, pages: number): { progress: number; message: string } => ({
  progress:
    RECOGNITION_PROGRESS.start +
    Math.floor(((RECOGNITION_PROGRESS.lastPage - RECOGNITION_PROGRESS.start) * pagesDone) / pages),
  message: `Recognized ${pagesDone} of ${pages} pages`,
});

export const pageProgressReport = z
  .object({
    taskId: z.string().min(1),
    attempt: z.number().int().min(1),
    pagesDone: z.number().int().min(1),
    pages: z.number().int().min(1),
  })
  .refine((report) => report.pagesDone <= report.pages, 'pagesDone cannot exceed pages');
export type PageProgressReport = z.input<typeof pageProgressReport>;

/**
 * Records that `pagesDone` pages of the task's document are recognized and tells its owner. Only for
 * the attempt the job belongs to, while the task is processing, and never backwards.
 *
 * @returns Whether the task took the report (false for a stale attempt or a task that moved on).
 */
export const recordPageProgress = async (
  deps: Pick<CoreDeps, 'db' | 'connections' | 'now'>,
  raw: PageProgressReport,
): Promise<boolean> => {
  const report = pageProgressReport.parse(raw);
  const { progress, message } = pageProgress(report.pagesDone, report.pages);
  const task = await updateTaskProgress(deps.db, {
    taskId: report.taskId,
    stage: 'recognize',
    progress,
    message,
    attempt: report.attempt,
    forwardOnly: true,
  });
  if (!task) return false;
  await notifyTaskUpdate(deps, task);
  return true;
};
