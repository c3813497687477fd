/**
 * Many tasks for one user, fast: SQL alone (`generate_series`), for the scale benchmark and the
 * query-plan tests. The shapes follow real use: most tasks completed with a searchable result.
 */
import { sql, type Kysely } from 'kysely';
import { recomputeTaskCounts } from '../../database/repositories/tasks.js';
import type { Database } from '../../database/schema.js';

/** Words of the seeded texts: in 90 % of the documents, in 1 in 1,000, and in none. */
export const SEEDED_WORDS = { common: 'invoice', rare: 'zanzibar', absent: 'quuxotic' } as const;

/**
 * Adds tasks for `userId` up to `total`, in batches, with SQL alone (`generate_series`): files,
 * tasks over the last year (90 % completed with a result, 4 % failed, 3 % queued, 2 % processing,
 * 1 % awaiting upload; 5 % of all soft-deleted), results whose text holds `SEEDED_WORDS.common` in 90 %
 * and `SEEDED_WORDS.rare` in 0.1 %. Triggers are off while seeding (`session_replication_role`); kept
 * counts are recomputed afterwards, as the repair path does.
 */
export async function seedManyTasks(
  db: Kysely<Database>,
  userId: string,
  from: number,
  total: number,
): Promise<void> {
  const batch = 50_000;
  for (let start = from; start < total; start += batch) {
    const end = Math.min(total, start + batch) - 1;
    await db.transaction().execute(async (trx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(trx);
      await sql`
        INSERT INTO files (id, user_id, storage_key, original_name, declared_content_type, detected_content_type, size_bytes, pages, created_at)
        SELECT md5(${userId} || i)::uuid, ${userId}::uuid, 'uploads/' || ${userId} || '/' || i || '.png', 'scan-' || i || '.png',
          'image/png', 'image/png', 20000, 1, now() - (i % 365) * interval '1 day' - (i % 86400) * interval '1 second'
        FROM generate_series(${start}::int, ${end}::int) AS i`.execute(trx);
      await sql`
        INSERT INTO tasks (id, user_id, file_id, status, stage, progress, attempts, created_at, updated_at, completed_at, deleted_at, error_code, error_message)
        SELECT md5('t' || ${userId} || i)::uuid, ${userId}::uuid, md5(${userId} || i)::uuid, s.status,
          CASE s.status WHEN 'completed' THEN 'done' WHEN 'awaiting_upload' THEN 'upload' WHEN 'queued' THEN 'download' ELSE 'recognize' END,
          CASE s.status WHEN 'completed' THEN 100 ELSE 20 END, 1, f.created_at, f.created_at,
          CASE WHEN s.status IN ('completed', 'failed') THEN f.created_at + interval '3 seconds' END,
          CASE WHEN i % 20 = 7 THEN f.created_at + interval '1 hour' END,
          CASE s.status WHEN 'failed' THEN 'OCR_FAILED' END, CASE s.status WHEN 'failed' THEN 'Could not read the document' END
        FROM generate_series(${start}::int, ${end}::int) AS i
        JOIN files f ON f.id = md5(${userId} || i)::uuid
        CROSS JOIN LATERAL (SELECT CASE
          WHEN i % 100 < 90 THEN 'completed' WHEN i % 100 < 94 THEN 'failed' WHEN i % 100 < 97 THEN 'queued'
          WHEN i % 100 < 99 THEN 'processing' ELSE 'awaiting_upload' END AS status) s`.execute(trx);
      await sql`
        INSERT INTO results (task_id, user_id, text, text_key, html_key, json_key, pages, words, lines, confidence, processing_ms, engine, created_at)
        SELECT t.id, t.user_id,
          'scan number ' || i || ' total ' || (i % 997) || '.00 eur'
            || CASE WHEN i % 10 <> 3 THEN ' ${sql.raw(SEEDED_WORDS.common)} ' ELSE ' receipt ' END
            || CASE WHEN i % 1000 = 11 THEN ' ${sql.raw(SEEDED_WORDS.rare)}' ELSE '' END,
          'results/k.txt', 'results/k.html', 'results/k.json', 1, 8, 2, 97.5, 1800, 'textract', t.completed_at
        FROM generate_series(${start}::int, ${end}::int) AS i
        JOIN tasks t ON t.id = md5('t' || ${userId} || i)::uuid
        WHERE t.status = 'completed'`.execute(trx);
    });
  }
  await recomputeTaskCounts(db);
  await sql`ANALYZE`.execute(db);
}
