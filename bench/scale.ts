/**
 * Listing at scale: one user's tasks grow to 1k, 10k, 100k and 1M (90 % completed with results), in
 * embedded PostgreSQL and in a PostgreSQL server, and every read route is timed through the real API
 * handler, beside a user with no tasks in the same run.
 *
 *   npm run bench -- scale [--sizes 1000,10000,100000,1000000] [--requests 60]
 *                          [--backends pglite,postgres] [--database-url postgres://…]
 *
 * The server is the test server (`UNTXT_TEST_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/test)
 * unless `--database-url` says otherwise; the bench works in a schema of its own and drops it.
 */
import '../local/polyfills.js';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { DatabaseHandle } from '../database/connect.js';
import type { ApiDeps } from '../lambdas/core/deps.js';
import { percentile, printTable } from './table.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,100000,1000000' },
    requests: { type: 'string', default: '60' },
    backends: { type: 'string', default: 'pglite,postgres' },
    'database-url': { type: 'string' },
  },
});
if (args['database-url']) process.env.UNTXT_TEST_DATABASE_URL = args['database-url'];
const SIZES = args.sizes.split(',').map(Number);
const REQUESTS = Number(args.requests);
const BACKENDS = args.backends.split(',');
if (SIZES.some((size) => !Number.isInteger(size) || size < 1) || !(REQUESTS > 0))
  throw new Error('--sizes takes positive integers, --requests a positive number');

// Imported after the URL is set: the helpers read it when they load.
const { createPgliteDatabase, createPostgresDatabase } = await import('../test/helpers/databases.js');
const { createApiHandler } = await import('../lambdas/api/handler.js');
const { SEEDED_WORDS, seedManyTasks } = await import('../test/helpers/seed-many-tasks.js');
const { common: COMMON, rare: RARE, absent: ABSENT } = SEEDED_WORDS;
const { createLambdaContext } = await import('../local/gateway/lambda-context.js');

interface Scenario {
  name: string;
  path: (user: BenchUser) => string;
  admin?: boolean;
}

interface BenchUser {
  id: string;
  email: string;
  taskId?: string;
  deepCursor?: string;
}

const SCENARIOS: Scenario[] = [
  { name: 'list', path: () => '/api/tasks?limit=50' },
  { name: 'list status=completed', path: () => '/api/tasks?limit=50&status=completed' },
  { name: 'list status=failed', path: () => '/api/tasks?limit=50&status=failed' },
  { name: 'list deleted=true', path: () => '/api/tasks?limit=50&deleted=true' },
  {
    name: 'list, page 20 by cursor',
    path: (user) =>
      `/api/tasks?limit=50${user.deepCursor ? `&cursor=${encodeURIComponent(user.deepCursor)}` : ''}`,
  },
  { name: `search q=${COMMON} (90 % match)`, path: () => `/api/tasks?limit=50&q=${COMMON}` },
  { name: `search q=${RARE} (0.1 %)`, path: () => `/api/tasks?limit=50&q=${RARE}` },
  { name: `search q=${ABSENT} (none)`, path: () => `/api/tasks?limit=50&q=${ABSENT}` },
  { name: 'stats', path: () => '/api/stats' },
  { name: 'task detail', path: (user) => `/api/tasks/${user.taskId ?? randomUUID()}` },
  { name: 'admin: all tasks', path: () => '/api/admin/tasks?limit=50', admin: true },
  { name: 'admin: overview', path: () => '/api/admin/overview', admin: true },
  { name: 'admin: users', path: () => '/api/admin/users', admin: true },
];

const eventFor = (path: string, user: BenchUser, admin: boolean): APIGatewayProxyEvent => {
  const url = new URL(path, 'http://bench');
  const query = Object.fromEntries(url.searchParams);
  return {
    httpMethod: 'GET',
    path: url.pathname,
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    resource: '/api/{proxy+}',
    requestContext: {
      authorizer: {
        claims: { sub: user.id, email: user.email, 'cognito:groups': admin ? 'admins' : '' },
      },
    },
  } as unknown as APIGatewayProxyEvent;
};

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** Runs `requests` calls with `concurrency` in flight; returns each call's ms. */
async function time(
  handler: Handler,
  make: () => APIGatewayProxyEvent,
  requests: number,
  concurrency: number,
) {
  const durations: number[] = [];
  let next = 0;
  const context = createLambdaContext('api');
  const worker = async () => {
    while (next < requests) {
      next += 1;
      const started = performance.now();
      const response = await handler(make(), context);
      durations.push(performance.now() - started);
      if (response.statusCode >= 400 && response.statusCode !== 404)
        throw new Error(`${make().path}: ${response.statusCode} ${response.body.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return durations;
}

async function benchBackend(name: string, create: () => Promise<DatabaseHandle>) {
  const handle = await create();
  const db = handle.db;
  try {
    const heavy: BenchUser = { id: randomUUID(), email: 'heavy@bench.example' };
    const empty: BenchUser = { id: randomUUID(), email: 'empty@bench.example' };
    const admin: BenchUser = { id: randomUUID(), email: 'admin@bench.example' };
    for (const user of [heavy, empty, admin])
      await db
        .insertInto('users')
        .values({ id: user.id, email: user.email, is_admin: user === admin })
        .execute();
    const deps: ApiDeps = {
      db,
      objects: {} as ApiDeps['objects'],
      connections: { post: async () => true },
      now: () => new Date(),
      workflow: { start: async () => ({ executionArn: 'arn:bench' }) },
      version: 'bench',
    };
    const handler = createApiHandler(deps) as unknown as Handler;
    const rows: Array<Array<string | number>> = [];
    let seeded = 0;
    for (const size of SIZES) {
      const seedStarted = Date.now();
      await seedManyTasks(db, heavy.id, seeded, size);
      seeded = size;
      console.log(
        `${name}: ${size.toLocaleString('en-US')} tasks seeded (+${((Date.now() - seedStarted) / 1000).toFixed(1)} s)`,
      );
      heavy.taskId = (
        await db
          .selectFrom('tasks')
          .select('id')
          .where('user_id', '=', heavy.id)
          .limit(1)
          .executeTakeFirstOrThrow()
      ).id;
      // The cursor of page 20 (or the last page there is), found by paging as a client would.
      let cursor: string | undefined;
      for (let page = 1; page < 20; page += 1) {
        const response = await handler(
          eventFor(
            `/api/tasks?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
            heavy,
            false,
          ),
          createLambdaContext('api'),
        );
        const next = (JSON.parse(response.body) as { nextCursor: string | null }).nextCursor;
        if (!next) break;
        cursor = next;
      }
      heavy.deepCursor = cursor;
      for (const scenario of SCENARIOS) {
        const run = async (user: BenchUser, concurrency: number) => {
          const requester = scenario.admin ? admin : user;
          // Warm-up, then the measured calls.
          await time(handler, () => eventFor(scenario.path(user), requester, scenario.admin ?? false), 5, 1);
          return time(
            handler,
            () => eventFor(scenario.path(user), requester, scenario.admin ?? false),
            REQUESTS,
            concurrency,
          );
        };
        const one = await run(heavy, 1);
        const sixteen = await run(heavy, 16);
        const baseline = await run(empty, 1);
        const p95 = percentile(one, 95);
        const emptyP95 = percentile(baseline, 95);
        rows.push([
          size.toLocaleString('en-US'),
          scenario.name,
          percentile(one, 50).toFixed(1),
          p95.toFixed(1),
          percentile(sixteen, 95).toFixed(1),
          emptyP95.toFixed(1),
          (p95 / emptyP95).toFixed(2),
        ]);
      }
    }
    printTable(
      `Scale: ${name}, one user's tasks (ms; concurrency 1 unless noted; ${REQUESTS} requests each)`,
      ['tasks', 'route', 'p50', 'p95', 'p95 ×16', 'empty user p95', 'ratio p95'],
      rows,
    );
  } finally {
    await handle.close();
  }
}

for (const backend of BACKENDS) {
  if (backend === 'pglite') await benchBackend('embedded PostgreSQL (PGlite)', createPgliteDatabase);
  else if (backend === 'postgres') await benchBackend('PostgreSQL server', createPostgresDatabase);
  else throw new Error(`Unknown backend ${backend}: use pglite and/or postgres`);
}
console.log(
  `\nReproduce: npm run bench -- scale --sizes ${SIZES.join(',')} --requests ${REQUESTS} --backends ${BACKENDS.join(',')}\n`,
);
