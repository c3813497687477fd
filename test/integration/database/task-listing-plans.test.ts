/**
 * Every way of listing tasks walks an index, on both databases, with a user who has many tasks: no
 * sequential scan of `tasks` or `results` on a request path, whatever the filter (issue: listing
 * stays fast for a user with a million documents; `npm run bench -- scale` measures the times).
 */
import { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  listTasksQuery,
  taskThroughputQuery,
  type ListTasksInput,
} from '../../../database/repositories/tasks.js';
import { databaseBackends, seedUser, useDatabase } from '../../helpers/databases.js';
import { SEEDED_WORDS, seedManyTasks } from '../../helpers/seed-many-tasks.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

describe.each(await databaseBackends())('Backend: $name', ({ create }) => {
  const handle = useDatabase(create);

  it('walks an index for every list, filter, search, page and the admin throughput, and never scans tasks or results', async () => {
    // Prepare: 30,000 tasks for one user, a few for another
    const heavy = await seedUser(handle.db);
    const other = await seedUser(handle.db);
    await seedManyTasks(handle.db, other.id, 0, 200);
    await seedManyTasks(handle.db, heavy.id, 0, 30_000);
    // A position three months back, as a cursor encodes it: [createdAt with microseconds, id].
    const threeMonthsBack = new Date(Date.now() - 90 * 86_400_000).toISOString().replace('Z', '000Z');
    const cursor = Buffer.from(JSON.stringify([threeMonthsBack, crypto.randomUUID()])).toString('base64url');
    const variants: Record<string, ListTasksInput> = {
      list: { userId: heavy.id, limit: 50 },
      'status=completed': { userId: heavy.id, limit: 50, status: 'completed' },
      'status=failed': { userId: heavy.id, limit: 50, status: 'failed' },
      'deleted=true': { userId: heavy.id, limit: 50, deleted: true },
      'a page further down': { userId: heavy.id, limit: 50, cursor },
      'q, most match': { userId: heavy.id, limit: 50, q: SEEDED_WORDS.common },
      'q, few match': { userId: heavy.id, limit: 50, q: SEEDED_WORDS.rare },
      'q, none match': { userId: heavy.id, limit: 50, q: SEEDED_WORDS.absent },
      'admin: all users': { limit: 50 },
      'admin: status=failed': { limit: 50, status: 'failed' },
      'admin: deleted=true': { limit: 50, deleted: true },
    };

    const queries: Record<string, CompiledQuery> = Object.fromEntries(
      Object.entries(variants).map(([name, input]) => [name, listTasksQuery(handle.db, input).compile()]),
    );
    // The admin overview's last 24 hours of finished tasks.
    queries['admin: throughput'] = taskThroughputQuery({
      since: new Date(Date.now() - 86_400_000),
      bucketSeconds: 3600,
    }).compile(handle.db);

    // Act
    const scans: Record<string, string[]> = {};
    for (const [name, compiled] of Object.entries(queries)) {
      const { rows } = await handle.db.executeQuery<{ 'QUERY PLAN': unknown }>(
        CompiledQuery.raw(`EXPLAIN (FORMAT JSON) ${compiled.sql}`, [...compiled.parameters]),
      );
      const raw = rows[0]!['QUERY PLAN'];
      const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>;
      scans[name] = nodesOf(plan[0]!.Plan)
        .filter(
          (node) => node['Node Type'] === 'Seq Scan' && ['tasks', 'results'].includes(node['Relation Name']!),
        )
        .map((node) => node['Relation Name']!);
    }

    // Assess
    expect(scans).toEqual(Object.fromEntries(Object.keys(queries).map((name) => [name, []])));
  });
});
