/**
 * Counts of tasks by status kept, not computed: `task_counts` holds, per user and for everyone
 * (user id `00000000-0000-0000-0000-000000000000`), how many tasks are in each status, live or
 * soft-deleted. A row trigger on `tasks` keeps it in the same transaction as every insert, status
 * change, soft delete, restore and delete; a statement trigger empties it on TRUNCATE. Stats become
 * a read of a few rows whatever the number of tasks.
 *
 * Also makes the list indexes partial on `deleted_at`, so that live and deleted lists each walk an
 * index of their own rows only, and writes search entries straight into their GIN index. Frozen in time: imports only from `kysely`.
 */
import { sql, type Kysely } from 'kysely';

/** The "everyone" row set of `task_counts`. */
const ALL_USERS = '00000000-0000-0000-0000-000000000000';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('task_counts')
    .addColumn('user_id', 'uuid', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('deleted', 'boolean', (col) => col.notNull())
    .addColumn('n', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('task_counts_pkey', ['user_id', 'status', 'deleted'])
    .execute();

  // One statement per change, its rows in key order: transactions always lock count rows in the same
  // order, so two changes of one user (a task parked while another is admitted) cannot deadlock.
  await sql`
    CREATE FUNCTION untxt_task_counts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND OLD.user_id = NEW.user_id AND OLD.status = NEW.status
         AND (OLD.deleted_at IS NULL) = (NEW.deleted_at IS NULL) THEN
        RETURN NULL;
      END IF;
      INSERT INTO task_counts AS c (user_id, status, deleted, n)
      SELECT k.user_id, k.status, k.deleted, sum(k.delta)
      FROM (
        SELECT OLD.user_id, OLD.status, OLD.deleted_at IS NOT NULL, -1 WHERE TG_OP <> 'INSERT'
        UNION ALL SELECT ${sql.lit(ALL_USERS)}::uuid, OLD.status, OLD.deleted_at IS NOT NULL, -1 WHERE TG_OP <> 'INSERT'
        UNION ALL SELECT NEW.user_id, NEW.status, NEW.deleted_at IS NOT NULL, 1 WHERE TG_OP <> 'DELETE'
        UNION ALL SELECT ${sql.lit(ALL_USERS)}::uuid, NEW.status, NEW.deleted_at IS NOT NULL, 1 WHERE TG_OP <> 'DELETE'
      ) AS k (user_id, status, deleted, delta)
      GROUP BY k.user_id, k.status, k.deleted
      HAVING sum(k.delta) <> 0
      ORDER BY k.user_id, k.status, k.deleted
      ON CONFLICT (user_id, status, deleted) DO UPDATE SET n = c.n + excluded.n;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER tasks_counts AFTER INSERT OR DELETE OR UPDATE OF user_id, status, deleted_at ON tasks
    FOR EACH ROW EXECUTE FUNCTION untxt_task_counts()`.execute(db);
  await sql`
    CREATE FUNCTION untxt_task_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM task_counts;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER tasks_counts_truncate AFTER TRUNCATE ON tasks
    FOR EACH STATEMENT EXECUTE FUNCTION untxt_task_counts_truncate()`.execute(db);

  await sql`
    INSERT INTO task_counts (user_id, status, deleted, n)
    SELECT user_id, status, deleted_at IS NOT NULL, count(*) FROM tasks GROUP BY 1, 2, 3
    UNION ALL
    SELECT ${sql.lit(ALL_USERS)}::uuid, status, deleted_at IS NOT NULL, count(*) FROM tasks GROUP BY 2, 3`.execute(
    db,
  );

  // When periodic maintenance (the janitor's daily recount) last ran; the recount above counts as one.
  await db.schema
    .createTable('maintenance_runs')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('ran_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await sql`INSERT INTO maintenance_runs (name, ran_at) VALUES ('task_counts', now())`.execute(db);

  // Search: with GIN's fast update, new entries wait in a pending list that every search reads in
  // full (up to 4 MB) until a vacuum merges it, and the planner, counting that, scans `results`
  // instead. Each result row is inserted once, so writing straight into the index costs little.
  await sql`ALTER INDEX results_search_idx SET (fastupdate = off)`.execute(db);
  await sql`SELECT gin_clean_pending_list('results_search_idx'::regclass)`.execute(db);

  // Live and deleted lists, per user and status, each in an index of its own rows.
  await db.schema.dropIndex('tasks_user_created_idx').execute();
  await db.schema.dropIndex('tasks_user_status_created_idx').execute();
  await db.schema.dropIndex('tasks_created_idx').execute();
  await sql`CREATE INDEX tasks_user_live_idx ON tasks (user_id, created_at DESC, id DESC) WHERE deleted_at IS NULL`.execute(
    db,
  );
  await sql`CREATE INDEX tasks_user_status_live_idx ON tasks (user_id, status, created_at DESC, id DESC) WHERE deleted_at IS NULL`.execute(
    db,
  );
  await sql`CREATE INDEX tasks_user_deleted_idx ON tasks (user_id, created_at DESC, id DESC) WHERE deleted_at IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX tasks_live_idx ON tasks (created_at DESC, id DESC) WHERE deleted_at IS NULL`.execute(
    db,
  );
  await sql`CREATE INDEX tasks_status_live_idx ON tasks (status, created_at DESC, id DESC) WHERE deleted_at IS NULL`.execute(
    db,
  );
  await sql`CREATE INDEX tasks_deleted_idx ON tasks (created_at DESC, id DESC) WHERE deleted_at IS NOT NULL`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER INDEX results_search_idx RESET (fastupdate)`.execute(db);
  for (const index of [
    'tasks_user_live_idx',
    'tasks_user_status_live_idx',
    'tasks_user_deleted_idx',
    'tasks_live_idx',
    'tasks_status_live_idx',
    'tasks_deleted_idx',
  ])
    await db.schema.dropIndex(index).ifExists().execute();
  await db.schema
    .createIndex('tasks_user_created_idx')
    .on('tasks')
    .columns(['user_id', 'created_at desc', 'id desc'])
    .execute();
  await db.schema
    .createIndex('tasks_user_status_created_idx')
    .on('tasks')
    .columns(['user_id', 'status', 'created_at desc', 'id desc'])
    .execute();
  await db.schema
    .createIndex('tasks_created_idx')
    .on('tasks')
    .columns(['created_at desc', 'id desc'])
    .execute();
  await sql`DROP TRIGGER IF EXISTS tasks_counts_truncate ON tasks`.execute(db);
  await sql`DROP TRIGGER IF EXISTS tasks_counts ON tasks`.execute(db);
  await sql`DROP FUNCTION IF EXISTS untxt_task_counts_truncate()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS untxt_task_counts()`.execute(db);
  await db.schema.dropTable('maintenance_runs').ifExists().execute();
  await db.schema.dropTable('task_counts').ifExists().execute();
}
