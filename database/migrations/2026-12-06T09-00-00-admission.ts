/**
 * Admission control in front of Textract: leases (calls and jobs that hold or held quota), the tasks
 * waiting for capacity, and one row per kind that admitters lock to decide one at a time. Also adds
 * the `capacity` stage a waiting task shows. Frozen in time: imports only from `kysely`.
 */
import { sql, type Kysely } from 'kysely';

const OLD_STAGES = `'upload', 'download', 'recognize', 'write', 'done'`;
const NEW_STAGES = `'upload', 'download', 'capacity', 'recognize', 'write', 'done'`;
const KINDS = `'sync', 'async'`;

const replaceStageChecks = async (db: Kysely<unknown>, stages: string) => {
  await sql`ALTER TABLE tasks DROP CONSTRAINT tasks_stage_check`.execute(db);
  await sql`ALTER TABLE tasks ADD CONSTRAINT tasks_stage_check CHECK (stage IN (${sql.raw(stages)}))`.execute(
    db,
  );
  await sql`ALTER TABLE task_events DROP CONSTRAINT task_events_stage_check`.execute(db);
  await sql`ALTER TABLE task_events ADD CONSTRAINT task_events_stage_check CHECK (stage IS NULL OR stage IN (${sql.raw(stages)}))`.execute(
    db,
  );
};

/** Creates `textract_leases`, `admission_waits`, `admission_kinds` and `admission_pump`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await replaceStageChecks(db, NEW_STAGES);

  // One row per kind of Textract call. Admitters lock it (SELECT … FOR UPDATE) so that two of them
  // never count the same free capacity; it also keeps the throttling counters.
  await db.schema
    .createTable('admission_kinds')
    .addColumn('kind', 'text', (col) => col.primaryKey())
    .addColumn('throttled_total', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('last_throttled_at', 'timestamptz')
    .addCheckConstraint('admission_kinds_kind_check', sql.raw(`kind IN (${KINDS})`))
    .execute();
  await sql`INSERT INTO admission_kinds (kind) VALUES ('sync'), ('async')`.execute(db);

  // A lease is granted (called_at null: capacity reserved for a run on its way), then called (the
  // Textract call is made: it counts in the rate window from called_at), then released. One that is
  // neither called nor released by expires_at is void: a crashed holder can never leak it.
  await db.schema
    .createTable('textract_leases')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('task_id', 'uuid', (col) => col.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (col) => col.notNull())
    .addColumn('user_id', 'uuid', (col) => col.notNull())
    .addColumn('granted_at', 'timestamptz', (col) => col.notNull())
    .addColumn('called_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('released_at', 'timestamptz')
    .addCheckConstraint('textract_leases_kind_check', sql.raw(`kind IN (${KINDS})`))
    .execute();
  await sql`CREATE INDEX textract_leases_held_idx ON textract_leases (kind, expires_at) WHERE released_at IS NULL`.execute(
    db,
  );
  await sql`CREATE INDEX textract_leases_called_idx ON textract_leases (kind, called_at) WHERE called_at IS NOT NULL`.execute(
    db,
  );
  await db.schema.createIndex('textract_leases_task_idx').on('textract_leases').column('task_id').execute();

  // A task waiting for capacity, with the state input its admitted run resumes from.
  await db.schema
    .createTable('admission_waits')
    .addColumn('task_id', 'uuid', (col) => col.primaryKey().references('tasks.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('user_id', 'uuid', (col) => col.notNull())
    // 2 high, 1 normal, 0 low: orders one user's own waiting tasks.
    .addColumn('priority', 'integer', (col) => col.notNull())
    // When the task first waited; the maximum wait counts from here, across throttling re-waits.
    .addColumn('waiting_since', 'timestamptz', (col) => col.notNull())
    .addColumn('enqueued_at', 'timestamptz', (col) => col.notNull())
    // Backoff after a throttling error: not admitted before this.
    .addColumn('not_before', 'timestamptz', (col) => col.notNull())
    .addColumn('throttles', 'integer', (col) => col.notNull().defaultTo(0))
    // The grant made for it, valid until granted_until; the wait row goes when the grant is called.
    .addColumn('lease_id', 'uuid')
    .addColumn('granted_until', 'timestamptz')
    .addColumn('input', 'jsonb', (col) => col.notNull())
    .addCheckConstraint('admission_waits_kind_check', sql.raw(`kind IN (${KINDS})`))
    .execute();
  await db.schema
    .createIndex('admission_waits_order_idx')
    .on('admission_waits')
    .columns(['kind', 'user_id', 'priority', 'enqueued_at'])
    .execute();
  await db.schema
    .createIndex('admission_waits_since_idx')
    .on('admission_waits')
    .column('waiting_since')
    .execute();

  // Who runs the admission loop now: one admitter at a time, others leave at once.
  await db.schema
    .createTable('admission_pump')
    .addColumn('id', 'integer', (col) => col.primaryKey())
    .addColumn('owner', 'text')
    .addColumn('lease_until', 'timestamptz')
    .addCheckConstraint('admission_pump_single_row', sql`id = 1`)
    .execute();
  await sql`INSERT INTO admission_pump (id) VALUES (1)`.execute(db);
}

/** Drops the admission tables; tasks waiting for capacity go back to the download stage. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('admission_pump').ifExists().execute();
  await db.schema.dropTable('admission_waits').ifExists().execute();
  await db.schema.dropTable('textract_leases').ifExists().execute();
  await db.schema.dropTable('admission_kinds').ifExists().execute();
  await sql`UPDATE tasks SET stage = 'download' WHERE stage = 'capacity'`.execute(db);
  await sql`UPDATE task_events SET stage = 'download' WHERE stage = 'capacity'`.execute(db);
  await replaceStageChecks(db, OLD_STAGES);
}
