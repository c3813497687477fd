/**
 * Property-based fuzzing of the intake dispatcher in-process: generated SQS batches of S3-shaped
 * event notifications (tasks awaiting their upload, files dropped by known and unknown users, keys
 * outside uploads/, odd and malformed keys, huge and impossible sizes, test events, records of the
 * wrong shape, non-JSON bodies, repeated messages). The handler never throws; a malformed message is
 * reported as a batch item failure (its contract), a good one never; no task is lost or duplicated,
 * no task is ever owned by anyone but its key's owner, and a drop whose file is not in the bucket
 * leaves no task waiting for it. Budgets and replay: test/helpers/fuzz/settings.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../../database/connect.js';
import { ensureUser } from '../../../../database/repositories/index.js';
import { parseUploadKey } from '../../../../lambdas/core/keys.js';
import type { WorkflowInput } from '../../../../lambdas/core/ports.js';
import { createDispatcherHandler, decodeEventKey } from '../../../../lambdas/events/dispatcher.js';
import { createLambdaContext } from '../../../../local/gateway/lambda-context.js';
import {
  createLocalObjectStore,
  encodeS3Key,
  type LocalObjectStore,
} from '../../../../local/object-store/index.js';
import { databaseBackends, seedTask } from '../../../helpers/databases.js';
import { hostileJson, hostileString } from '../../../helpers/fuzz/requests.js';
import { CaseCounter, fuzzBudget, fuzzParameters } from '../../../helpers/fuzz/settings.js';

const budget = fuzzBudget({ runs: 60, share: 0.05, msPerCase: 300 });

type KeySpec =
  | { kind: 'awaiting'; index: number }
  | { kind: 'drop'; name: string; object: boolean }
  | { kind: 'unknown-user' }
  | { kind: 'not-a-user'; user: string }
  | { kind: 'outside'; key: string }
  /** Sent as is, without S3's encoding: malformed escapes and all. */
  | { kind: 'raw'; key: string };
type SizeSpec = 'actual' | 'zero' | 'huge' | 'negative' | 'fraction' | 'text' | 'missing';
interface RecordSpec {
  eventName: string;
  key: KeySpec;
  size: SizeSpec;
  /** `ok`, or one part of the record's structure broken. */
  shape: 'ok' | 'no-s3' | 'key-not-string' | 'no-object';
}
type MessageSpec =
  | { kind: 'records'; records: RecordSpec[] }
  | { kind: 'test-event' }
  | { kind: 'raw'; body: string }
  | { kind: 'json'; value: unknown }
  | { kind: 'repeat' };

const PLAIN_NAMES = ['scan.png', 'Receipt 2026.png', 'a+b.png', 'ünïcode.png', '(1).png'];

const keySpec: fc.Arbitrary<KeySpec> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('awaiting' as const), index: fc.nat(20) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('drop' as const),
      name: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...PLAIN_NAMES) },
        { weight: 2, arbitrary: hostileString(60) },
      ),
      object: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'unknown-user' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('not-a-user' as const), user: hostileString(40) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('outside' as const),
      key: fc.oneof(fc.constantFrom('results/x/y.txt', 'uploads/', 'uploads//x', 'x'), hostileString(60)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('raw' as const), key: hostileString(80) }) },
);

const recordSpec: fc.Arbitrary<RecordSpec> = fc.record({
  eventName: fc.oneof(
    {
      weight: 8,
      arbitrary: fc.constantFrom(
        'ObjectCreated:Put',
        'ObjectCreated:Post',
        'ObjectCreated:CompleteMultipartUpload',
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom('ObjectRemoved:Delete', 'ObjectTagging:Put') },
    { weight: 1, arbitrary: hostileString(30) },
  ),
  key: keySpec,
  size: fc.oneof(
    { weight: 8, arbitrary: fc.constant<SizeSpec>('actual') },
    {
      weight: 1,
      arbitrary: fc.constantFrom<SizeSpec>('zero', 'huge', 'negative', 'fraction', 'text', 'missing'),
    },
  ),
  shape: fc.oneof(
    { weight: 12, arbitrary: fc.constant('ok' as const) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('no-s3' as const, 'key-not-string' as const, 'no-object' as const),
    },
  ),
});

const messageSpec: fc.Arbitrary<MessageSpec> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('records' as const),
      records: fc.array(recordSpec, { minLength: 1, maxLength: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'test-event' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('raw' as const), body: hostileString(200) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('json' as const), value: hostileJson() }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'repeat' as const }) },
);

const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

const decodable = (key: string): boolean => {
  try {
    decodeEventKey(key);
    return true;
  } catch {
    return false;
  }
};

/** What one generated record turned into, and what the dispatcher must make of it. */
interface BuiltRecord {
  record: unknown;
  /** The decoded key, when the record is well-formed. */
  key?: string;
  /** A file of a known user that exists in the bucket, announced as created: it must become a task. */
  mustBecomeTask: boolean;
  wellFormed: boolean;
  /** Nothing about it may be reported: a plain record of a sane key and size. */
  plain: boolean;
}

describe.each(await databaseBackends())('Backend: $name', ({ name, create }) => {
  let database: DatabaseHandle;
  let objects: LocalObjectStore;
  let rootDir: string;
  let dispatcher: ReturnType<typeof createDispatcherHandler>;
  const starts: WorkflowInput[] = [];
  let knownUser = '';
  const awaiting: string[] = [];
  const counter = new CaseCounter(`dispatcher-in-process-${name}`);
  const started = Date.now();

  beforeAll(async () => {
    database = await create();
    rootDir = await mkdtemp(join(tmpdir(), 'untxt-fuzz-dispatch-'));
    objects = createLocalObjectStore({
      rootDir,
      bucket: 'untxt-documents',
      publicUrl: 'http://127.0.0.1:9',
      secret: randomBytes(16).toString('hex'),
      onObjectCreated: () => undefined,
    });
    const user = await ensureUser(database.db, {
      id: randomUUID(),
      email: `known-${randomBytes(3).toString('hex')}@example.com`,
      isAdmin: false,
    });
    knownUser = user.id;
    dispatcher = createDispatcherHandler({
      db: database.db,
      objects,
      connections: { post: async () => true },
      now: () => new Date(),
      workflow: {
        start: async (input) => {
          starts.push(input);
          return { executionArn: `arn:aws:states:local:0:execution:fuzz:${input.taskId}` };
        },
      },
    });
  });
  afterAll(async () => {
    counter.report({ seed: budget.seed, durationMs: Date.now() - started });
    await objects?.close();
    await database?.close();
    if (rootDir) await rm(rootDir, { recursive: true, force: true });
  });

  /** A fresh task awaiting its upload, its object already in the bucket (the upload just landed). */
  const newAwaitingTask = async (): Promise<string> => {
    const { file } = await seedTask(database.db, { userId: knownUser, status: 'awaiting_upload' });
    await objects.write(file.storage_key, TINY_PNG, 'image/png');
    awaiting.push(file.storage_key);
    return file.storage_key;
  };

  const buildRecord = async (spec: RecordSpec): Promise<BuiltRecord> => {
    let key: string;
    let exists = false;
    let known = false;
    let encode = true;
    switch (spec.key.kind) {
      case 'awaiting':
        key = spec.key.index < awaiting.length ? awaiting[spec.key.index]! : await newAwaitingTask();
        exists = known = true;
        break;
      case 'drop':
        key = Buffer.from(`uploads/${knownUser}/${randomUUID()}/${spec.key.name}`, 'utf8').toString('utf8');
        known = true;
        if (spec.key.object)
          exists = await objects.write(key, TINY_PNG, 'image/png').then(
            () => true,
            () => false, // a name the bucket refuses cannot be dropped there either
          );
        break;
      case 'unknown-user':
        key = `uploads/${randomUUID()}/${randomUUID()}/lost.png`;
        break;
      case 'not-a-user':
        key = `uploads/${spec.key.user}/x.png`;
        break;
      case 'outside':
        key = spec.key.key;
        break;
      case 'raw':
        key = spec.key.key;
        encode = false;
    }
    const size = {
      actual: exists ? TINY_PNG.length : 1000,
      zero: 0,
      huge: 1e20,
      negative: -1,
      fraction: 1.5,
      text: '12',
      missing: undefined,
    }[spec.size];
    // S3 keys are UTF-8: a lone surrogate cannot be one (it arrives as U+FFFD).
    key = Buffer.from(key, 'utf8').toString('utf8');
    const object: Record<string, unknown> = {
      key: spec.shape === 'key-not-string' ? 42 : encode ? encodeS3Key(key) : key,
      size,
      eTag: 'e',
    };
    const s3 =
      spec.shape === 'no-object'
        ? { bucket: { name: 'untxt-documents' } }
        : { bucket: { name: 'untxt-documents' }, object };
    const record = {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName: spec.eventName,
      ...(spec.shape === 'no-s3' ? {} : { s3 }),
    };
    const created = spec.eventName.startsWith('ObjectCreated:');
    const sentKey = object.key as string | number;
    // S3's own records: a non-empty key, and on every ObjectCreated one that decodes and a whole,
    // non-negative size (the dispatcher reads no other record).
    const wellFormed =
      spec.shape === 'ok' &&
      typeof sentKey === 'string' &&
      sentKey.length > 0 &&
      (!created || decodable(sentKey)) &&
      (spec.size === 'actual' || spec.size === 'zero' || (spec.size === 'missing' && !created));
    const plainKey =
      ['awaiting', 'unknown-user', 'not-a-user', 'outside'].includes(spec.key.kind) ||
      (spec.key.kind === 'drop' && PLAIN_NAMES.includes(spec.key.name));
    return {
      record,
      key,
      wellFormed,
      // Any well-formed record, whatever its key, is handled: retrying one cannot change its outcome.
      plain: wellFormed,
      mustBecomeTask: wellFormed && created && known && exists && spec.size === 'actual' && plainKey,
    };
  };

  describe('Function: createDispatcherHandler', () => {
    it('drops an event for a key with a control character without a task or a retry', async () => {
      // Prepare: S3 accepts such a name (a macOS `Icon\r` file synced up); no task row can hold it
      const key = `uploads/${knownUser}/${randomUUID()}/Icon\r`;
      const body = JSON.stringify({
        Records: [
          {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            s3: { bucket: { name: 'untxt-documents' }, object: { key: encodeS3Key(key), size: 10 } },
          },
        ],
      });

      // Act
      const result = await dispatcher(
        { Records: [{ messageId: 'control', body } as SQSRecord] } as SQSEvent,
        createLambdaContext('untxt-dispatcher', { timeoutMs: 60_000 }),
      );

      // Assess
      expect(result.batchItemFailures).toEqual([]);
      const tasks = await sql<{ n: number }>`
        select count(*)::int as n from files where storage_key like ${`uploads/${knownUser}/%/Icon%`}`.execute(
        database.db,
      );
      expect(tasks.rows[0]?.n).toBe(0);
    });

    it(
      'reports malformed messages, never good ones, and neither loses nor duplicates a task',
      async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(messageSpec, { minLength: 1, maxLength: 4 }), async (specs) => {
            const messages: Array<{
              record: SQSRecord;
              built: BuiltRecord[];
              malformed: boolean;
              plain: boolean;
            }> = [];
            for (const spec of specs) {
              counter.count(`message: ${spec.kind}`);
              const messageId = randomUUID();
              let body: string;
              let built: BuiltRecord[] = [];
              let malformed = false;
              let plain = false;
              if (spec.kind === 'repeat' && messages.length > 0) {
                const previous = messages.at(-1)!;
                messages.push({ ...previous, record: { ...previous.record, messageId } });
                continue;
              }
              switch (spec.kind) {
                case 'records':
                  built = [];
                  for (const record of spec.records) {
                    counter.count(
                      `record: ${record.key.kind}${record.shape === 'ok' ? '' : ` (${record.shape})`}`,
                    );
                    built.push(await buildRecord(record));
                  }
                  body = JSON.stringify({ Records: built.map((b) => b.record) });
                  malformed = built.some((b) => !b.wellFormed);
                  plain = built.every((b) => b.plain);
                  break;
                case 'test-event':
                  body = JSON.stringify({
                    Service: 'Amazon S3',
                    Event: 's3:TestEvent',
                    Bucket: 'untxt-documents',
                  });
                  plain = true;
                  break;
                case 'raw':
                  body = spec.body;
                  break;
                default:
                  body = JSON.stringify(spec.kind === 'json' ? spec.value : null) ?? 'null';
              }
              messages.push({ record: { messageId, body } as SQSRecord, built, malformed, plain });
            }

            // Act
            const result = await dispatcher(
              { Records: messages.map((m) => m.record) } as SQSEvent,
              createLambdaContext('untxt-dispatcher', { timeoutMs: 60_000 }),
            );

            // Assess
            const reported = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
            const ids = new Set(messages.map((m) => m.record.messageId));
            if (reported.size !== result.batchItemFailures.length)
              throw new Error('a message was reported twice');
            for (const id of reported) if (!ids.has(id)) throw new Error(`reported an unknown message ${id}`);
            for (const message of messages) {
              const isReported = reported.has(message.record.messageId);
              if (message.malformed && !isReported)
                throw new Error(`a malformed message was not reported: ${message.record.body.slice(0, 300)}`);
              if (message.plain && isReported)
                throw new Error(`a good message was reported: ${message.record.body.slice(0, 300)}`);
            }

            const duplicates = await sql<{ storage_key: string; n: number }>`
              select f.storage_key, count(*)::int as n from tasks t join files f on f.id = t.file_id
              group by f.storage_key having count(*) > 1`.execute(database.db);
            if (duplicates.rows.length > 0)
              throw new Error(`duplicate tasks: ${JSON.stringify(duplicates.rows)}`);

            const tasks = await sql<{ id: string; user_id: string; status: string; storage_key: string }>`
              select t.id, t.user_id, t.status, f.storage_key from tasks t join files f on f.id = t.file_id`.execute(
              database.db,
            );
            const byKey = new Map(tasks.rows.map((t) => [t.storage_key, t]));
            for (const task of tasks.rows)
              if (parseUploadKey(task.storage_key)?.userId !== task.user_id)
                throw new Error(`task ${task.id} is not owned by its key's owner: ${task.storage_key}`);
            const seeded = new Set(awaiting);
            for (const task of tasks.rows)
              if (
                task.status === 'awaiting_upload' &&
                !seeded.has(task.storage_key) &&
                !(await objects.head(task.storage_key))
              )
                throw new Error(
                  `a drop left a task waiting for an upload that never comes: ${task.storage_key}`,
                );
            for (const message of messages) {
              if (reported.has(message.record.messageId)) continue;
              for (const record of message.built) {
                if (!record.mustBecomeTask) continue;
                const task = byKey.get(record.key!);
                if (!task || task.status === 'awaiting_upload')
                  throw new Error(
                    `the upload ${JSON.stringify(record.key)} was lost (task: ${task?.status ?? 'none'})`,
                  );
              }
            }
            for (const start of starts.splice(0)) {
              const task = tasks.rows.find((t) => t.id === start.taskId);
              if (!task || task.user_id !== start.userId || task.storage_key !== start.key)
                throw new Error(`started a workflow that matches no task: ${JSON.stringify(start)}`);
            }
          }),
          fuzzParameters(budget),
        );

        // Assess: the property ran
        expect(counter.total()).toBeGreaterThan(0);
      },
      budget.timeoutMs,
    );
  });
});
