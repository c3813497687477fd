/**
 * The admin overview's throughput chart counts tasks finished since a time (`completed_at >= since`).
 * Without an index that is a scan of every task ever; with this partial one it reads only the
 * window's rows. Frozen in time: imports only from `kysely`.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX tasks_finished_idx ON tasks (completed_at) WHERE completed_at IS NOT NULL`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX tasks_finished_idx`.execute(db);
}
