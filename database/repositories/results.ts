import type { NewResult, Result } from '../schema.js';
import { isUuid, type Db } from './shared.js';

/**
 * Stores a task's OCR result once. A retried workflow step may write it again; the first write wins.
 *
 * @returns `true` when this call inserted the row, `false` when one already existed.
 */
export async function insertResult(db: Db, result: NewResult): Promise<boolean> {
  const inserted = await db
    .insertInto('results')
    .values(result)
    .onConflict((conflict) => conflict.column('task_id').doNothing())
    .returning('task_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The result of a task, if it has one. */
export async function findResult(db: Db, taskId: string): Promise<Result | undefined> {
  if (!isUuid(taskId)) return undefined;
  return db.selectFrom('results').selectAll().where('task_id', '=', taskId).executeTakeFirst();
}
