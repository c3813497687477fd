/**
 * The REST API in-process, as the Lambda runs it: `createApiHandler` over a real database, the local
 * object store on a temp folder and recording stand-ins for the workflow, queues and sockets. Three
 * users (a user, another user, an admin) each own tasks in every status, with file names only they
 * may ever see. Requests become the proxy events API Gateway sends.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { DatabaseHandle } from '../../../database/connect.js';
import { ensureUser, insertResult, softDeleteTask } from '../../../database/repositories/index.js';
import { createApiHandler } from '../../../lambdas/api/handler.js';
import type { ApiDeps } from '../../../lambdas/core/deps.js';
import type { TaskStatus } from '../../../lambdas/core/task.js';
import { createLambdaContext } from '../../../local/gateway/lambda-context.js';
import { createLocalObjectStore } from '../../../local/object-store/index.js';
import { seedTask } from '../databases.js';
import type { ResolvedRequest, WorldView } from './api-properties.js';
import { materializeBody, type FuzzRequest, type OpenApiDocument, type Owner } from './requests.js';

export interface ApiWorld extends WorldView {
  /** Runs one event through the API handler, as the Lambda would. */
  invoke(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult>;
  /** The document the API serves at `GET /api/openapi.json`. */
  openApi(): Promise<OpenApiDocument>;
  /** Claims the Cognito authorizer would pass for each owner. */
  claims: Record<Owner, Record<string, string>>;
  close(): Promise<void>;
}

const STATUSES: TaskStatus[] = ['awaiting_upload', 'queued', 'processing', 'completed', 'failed'];

/** Seeds one owner: a task in every status plus a soft-deleted one, each file named with a marker. */
async function seedOwner(db: DatabaseHandle['db'], owner: Owner, isAdmin: boolean) {
  const tag = randomBytes(4).toString('hex');
  const user = await ensureUser(db, { id: randomUUID(), email: `${owner}-${tag}@example.com`, isAdmin });
  const markers = new Set<string>([user.id, user.email]);
  const tasks: string[] = [];
  for (const status of [...STATUSES, 'completed' as const]) {
    const name = `secret-${owner}-${tag}-${status}-${tasks.length}.pdf`;
    const { task, file } = await seedTask(db, { userId: user.id, status, originalName: name, attempts: 1 });
    if (status === 'completed')
      await insertResult(db, {
        task_id: task.id,
        user_id: user.id,
        text: `text of ${name}`,
        text_key: `results/${user.id}/2026-01/${task.id}/result.txt`,
        html_key: `results/${user.id}/2026-01/${task.id}/result.html`,
        json_key: `results/${user.id}/2026-01/${task.id}/result.json`,
        pages: 1,
        words: 3,
        lines: 1,
        confidence: 90,
        processing_ms: 10,
        engine: 'fuzz',
      });
    tasks.push(task.id);
    markers.add(task.id);
    markers.add(name);
    markers.add(file.storage_key);
  }
  // The last completed task is soft-deleted (restorable).
  await softDeleteTask(db, { taskId: tasks.at(-1)!, userId: user.id });
  return { user, tasks, markers };
}

/** Builds the world on a fresh database (migrated, empty). */
export async function createApiWorld(database: DatabaseHandle): Promise<ApiWorld> {
  const rootDir = await mkdtemp(join(tmpdir(), 'untxt-fuzz-objects-'));
  const objects = createLocalObjectStore({
    rootDir,
    bucket: 'untxt-documents',
    publicUrl: 'http://127.0.0.1:9',
    secret: randomBytes(16).toString('hex'),
    onObjectCreated: () => undefined,
  });
  const depth = async () => ({ visible: 0, inFlight: 0 });
  const deps: ApiDeps = {
    db: database.db,
    objects,
    connections: { post: async () => true },
    now: () => new Date(),
    workflow: {
      start: async (input) => ({ executionArn: `arn:aws:states:local:0:execution:fuzz:${input.taskId}` }),
    },
    queues: { intakeDepth: depth, deadLetterDepth: depth, redriveDeadLetters: async () => 0 },
    runningExecutions: async () => 0,
    version: 'fuzz',
    admissionQuotas: { syncTps: 10, asyncStartTps: 10, maxConcurrentJobs: 100 },
  };
  const handler = createApiHandler(deps);
  const invoke = (event: APIGatewayProxyEvent) =>
    handler(event, createLambdaContext('untxt-api', { timeoutMs: 29_000 })) as Promise<APIGatewayProxyResult>;

  const seeded = {
    user: await seedOwner(database.db, 'user', false),
    other: await seedOwner(database.db, 'other', false),
    admin: await seedOwner(database.db, 'admin', true),
  };
  const claimsOf = (owner: Owner): Record<string, string> => ({
    sub: seeded[owner].user.id,
    email: seeded[owner].user.email,
    ...(owner === 'admin' ? { 'cognito:groups': 'admins' } : {}),
    token_use: 'id',
  });

  return {
    invoke,
    users: {
      user: { userId: seeded.user.user.id, email: seeded.user.user.email },
      other: { userId: seeded.other.user.id, email: seeded.other.user.email },
      admin: { userId: seeded.admin.user.id, email: seeded.admin.user.email },
    },
    tasks: { user: seeded.user.tasks, other: seeded.other.tasks, admin: seeded.admin.tasks },
    markers: { user: seeded.user.markers, other: seeded.other.markers, admin: seeded.admin.markers },
    claims: { user: claimsOf('user'), other: claimsOf('other'), admin: claimsOf('admin') },
    async openApi() {
      const response = await invoke(
        toProxyEvent(
          {
            persona: 'anonymous',
            route: 'GET /openapi.json',
            method: 'GET',
            path: '/openapi.json',
            encodeId: true,
            query: [],
            headers: [],
          },
          { path: '/openapi.json' },
          undefined,
        ),
      );
      return JSON.parse(response.body) as OpenApiDocument;
    },
    async close() {
      await objects.close();
      await database.close();
      await rm(rootDir, { recursive: true, force: true });
    },
  };
}

/** Single- and multi-value maps from pairs, as own properties (API Gateway's JSON has no prototype tricks). */
function pairMaps(pairs: Array<[string, string]>, caseInsensitive: boolean) {
  const single = new Map<string, string>();
  const multi = new Map<string, string[]>();
  const spelling = new Map<string, string>();
  for (const [rawName, value] of pairs) {
    const key = caseInsensitive ? rawName.toLowerCase() : rawName;
    const name = spelling.get(key) ?? rawName;
    spelling.set(key, name);
    single.set(name, value);
    multi.set(name, [...(multi.get(name) ?? []), value]);
  }
  return { single: Object.fromEntries(single), multi: Object.fromEntries(multi), size: single.size };
}

/**
 * The proxy event API Gateway's `/{proxy+}` resource sends for a request, with the authorizer's claims.
 *
 * @param claims - The authorizer's claims (`undefined`: an unauthenticated call).
 */
export function toProxyEvent(
  request: FuzzRequest,
  resolved: ResolvedRequest,
  claims: Record<string, unknown> | undefined,
): APIGatewayProxyEvent {
  const { bytes, contentType } = materializeBody(request);
  const headerPairs: Array<[string, string]> = [
    ['Host', 'api.example.com'],
    ...(contentType === undefined ? [] : ([['Content-Type', contentType]] as Array<[string, string]>)),
    ...request.headers,
  ];
  const headers = pairMaps(headerPairs, true);
  const query = pairMaps(request.query, false);
  // API Gateway passes multipart (a binary media type here) base64-encoded, text as is.
  const binary = bytes.length > 0 && /^multipart\//i.test(contentType ?? '');
  let proxy: string;
  try {
    proxy = decodeURIComponent(resolved.path.slice(1));
  } catch {
    proxy = resolved.path.slice(1);
  }
  return {
    resource: '/{proxy+}',
    path: resolved.path,
    httpMethod: request.method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    queryStringParameters: query.size > 0 ? query.single : null,
    multiValueQueryStringParameters: query.size > 0 ? query.multi : null,
    pathParameters: { proxy },
    stageVariables: null,
    requestContext: {
      authorizer: claims === undefined ? undefined : { claims },
      httpMethod: request.method,
      path: `/v1${resolved.path}`,
      stage: 'v1',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourcePath: '/{proxy+}',
      identity: { sourceIp: '203.0.113.7' },
    } as unknown as APIGatewayProxyEvent['requestContext'],
    body: bytes.length === 0 ? null : binary ? bytes.toString('base64') : bytes.toString('utf8'),
    isBase64Encoded: binary,
  };
}
