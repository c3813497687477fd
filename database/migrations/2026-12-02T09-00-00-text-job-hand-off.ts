/**
 * Asynchronous text detection became a hand-off (the job's completion starts a new workflow run)
 * instead of a Step Functions task token that a waiting state held for up to an hour: the token
 * column goes, and the claim column says what it now guards. Frozen in time: imports only kysely.
 */
import type { Kysely } from 'kysely';

/** Drops `task_token`; `callback_at` becomes `handed_off_at`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('text_jobs').dropColumn('task_token').execute();
  await db.schema.alterTable('text_jobs').renameColumn('callback_at', 'handed_off_at').execute();
}

/** Restores the token column (empty) and the old claim column name. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('text_jobs').renameColumn('handed_off_at', 'callback_at').execute();
  await db.schema.alterTable('text_jobs').addColumn('task_token', 'text').execute();
}
