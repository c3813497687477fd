/**
 * `tasks.progress_message`: what a task is doing, in words, when that says more than its stage
 * ("Recognized 3 of 14 pages"). Set by progress updates, cleared by every status change, so a
 * console that reloads in the middle of a long document shows the same line as a live one.
 * Frozen in time: imports only from `kysely`.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tasks').addColumn('progress_message', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tasks').dropColumn('progress_message').execute();
}
