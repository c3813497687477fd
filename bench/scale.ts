/**
 * Listing at scale: one user's tasks grow to 1k, 10k, 100k and 1M (90 % completed with results), in
 * embedded PostgreSQL and in a PostgreSQL server, and every read route is timed through the real API
 * handler, beside a user with no tasks and a user with 100 tasks in the same run. At concurrency 1 the
 * three users' requests take turns, so a stall of the machine hits all three alike. Admin routes have
 * no per-user twin: their baseline is the same route before the heavy user's tasks were seeded.
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
    requests: { type: 'string', default: '200' },
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

/** One request per user in turn, `requests` rounds, after a warm-up: each user's ms, in order. */
async function timeInTurns(handler: Handler, makes: Array<() => APIGatewayProxyEvent>, requests: number) {
  const context = createLambdaContext('api');
  const durations = makes.map(() => [] as number[]);
  for (let round = -5; round < requests; round += 1) {
    for (const [index, make] of makes.entries()) {
      const started = performance.now();
      const response = await handler(make(), context);
      if (round >= 0) durations[index]!.push(performance.now() - started);
      if (response.statusCode >= 400 && response.statusCode !== 404)
        throw new Error(`${make().path}: ${response.statusCode} ${response.body.slice(0, 200)}`);
    }
  }
  return durations;
}

/** Baseline users: nothing, and one page's worth of history. */
const SMALL_USER_TASKS = 100;

async function benchBackend(name: string, create: () => Promise<DatabaseHandle>) {
  const handle = await create();
  const db = handle.db;
  try {
    const heavy: BenchUser = { id: randomUUID(), email: 'heavy@bench.example' };
    const small: BenchUser = { id: randomUUID(), email: 'small@bench.example' };
    const empty: BenchUser = { id: randomUUID(), email: 'empty@bench.example' };
    const admin: BenchUser = { id: randomUUID(), email: 'admin@bench.example' };
    for (const user of [heavy, small, empty, admin])
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
    const firstTaskOf = async (user: BenchUser) =>
      (await db.selectFrom('tasks').select('id').where('user_id', '=', user.id).limit(1).executeTakeFirst())
        ?.id;
    // The cursor of page 20 (or the last page there is), found by paging as a client would.
    const deepCursorOf = async (user: BenchUser) => {
      let cursor: string | undefined;
      for (let page = 1; page < 20; page += 1) {
        const response = await handler(
          eventFor(
            `/api/tasks?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
            user,
            false,
          ),
          createLambdaContext('api'),
        );
        const next = (JSON.parse(response.body) as { nextCursor: string | null }).nextCursor;
        if (!next) break;
        cursor = next;
      }
      return cursor;
    };
    const eventOf = (scenario: Scenario, user: BenchUser) => () =>
      eventFor(scenario.path(user), scenario.admin ? admin : user, scenario.admin ?? false);

    await seedManyTasks(db, small.id, 0, SMALL_USER_TASKS);
    small.taskId = await firstTaskOf(small);
    small.deepCursor = await deepCursorOf(small);
    const adminBaseline = new Map<string, number[]>();
    for (const scenario of SCENARIOS.filter((s) => s.admin)) {
      adminBaseline.set(
        scenario.name,
        (await timeInTurns(handler, [eventOf(scenario, heavy)], REQUESTS))[0]!,
      );
    }

    const rows: Array<Array<string | number>> = [];
    let seeded = 0;
    for (const size of SIZES) {
      const seedStarted = Date.now();
      await seedManyTasks(db, heavy.id, seeded, size);
      seeded = size;
      console.log(
        `${name}: ${size.toLocaleString('en-US')} tasks seeded (+${((Date.now() - seedStarted) / 1000).toFixed(1)} s)`,
      );
      heavy.taskId = await firstTaskOf(heavy);
      heavy.deepCursor = await deepCursorOf(heavy);
      for (const scenario of SCENARIOS) {
        const [one, smallOne, emptyOne] = scenario.admin
          ? [
              (await timeInTurns(handler, [eventOf(scenario, heavy)], REQUESTS))[0]!,
              adminBaseline.get(scenario.name)!,
            ]
          : await timeInTurns(
              handler,
              [heavy, small, empty].map((user) => eventOf(scenario, user)),
              REQUESTS,
            );
        const sixteen = await time(handler, eventOf(scenario, heavy), REQUESTS, 16);
        const p95 = percentile(one!, 95);
        const cell = (durations: number[] | undefined) =>
          durations
            ? `${percentile(durations, 50).toFixed(1)} / ${percentile(durations, 95).toFixed(1)}`
            : '—';
        const ratio = (durations: number[] | undefined) =>
          durations ? (p95 / percentile(durations, 95)).toFixed(2) : '—';
        rows.push([
          size.toLocaleString('en-US'),
          scenario.name,
          percentile(one!, 50).toFixed(1),
          p95.toFixed(1),
          percentile(sixteen, 95).toFixed(1),
          cell(smallOne),
          cell(emptyOne),
          ratio(smallOne),
          ratio(emptyOne),
        ]);
      }
    }
    printTable(
      `Scale: ${name}, one user's tasks (ms; concurrency 1 unless noted; ${REQUESTS} requests each; ` +
        `baselines p50 / p95; admin routes' baseline: the same route before the heavy user was seeded)`,
      [
        'tasks',
        'route',
        'p50',
        'p95',
        'p95 ×16',
        `${SMALL_USER_TASKS}-task user`,
        'empty user',
        `p95 ÷ ${SMALL_USER_TASKS}-task`,
        'p95 ÷ empty',
      ],
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
