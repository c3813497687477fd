/**
 * Property-based fuzzing of the REST API handler in-process: every route and method of the OpenAPI
 * document it serves, with generated ids, queries, headers and bodies, as nobody, a user, another
 * user, an admin and a validly signed token with odd claims. See test/helpers/fuzz/settings.ts for
 * budgets and replaying a failure (FUZZ_SEED, FUZZ_PATH).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseBackends } from '../../../helpers/databases.js';
import {
  checkResponse,
  createdTaskIds,
  encodePathSegment,
  PropertyViolation,
  resolveRequest,
} from '../../../helpers/fuzz/api-properties.js';
import { createApiWorld, toProxyEvent, type ApiWorld } from '../../../helpers/fuzz/api-world.js';
import {
  operationsOf,
  requestArbitrary,
  type FuzzRequest,
  type Owner,
} from '../../../helpers/fuzz/requests.js';
import { CaseCounter, fuzzBudget, fuzzParameters } from '../../../helpers/fuzz/settings.js';

const budget = fuzzBudget({ runs: 250, share: 0.5, msPerCase: 40 });

describe.each(await databaseBackends())('Backend: $name', ({ name, create }) => {
  let world: ApiWorld;
  const counter = new CaseCounter(`rest-in-process-${name}`);
  const started = Date.now();

  beforeAll(async () => {
    world = await createApiWorld(await create());
  });
  afterAll(async () => {
    counter.report({ seed: budget.seed, durationMs: Date.now() - started });
    await world?.close();
  });

  const claimsOf = (request: FuzzRequest) =>
    request.persona === 'anonymous'
      ? undefined
      : request.persona === 'odd-claims'
        ? request.claims
        : world.claims[request.persona];

  const send = async (request: FuzzRequest, resolved: ReturnType<typeof resolveRequest>) => {
    const result = await world.invoke(toProxyEvent(request, resolved, claimsOf(request)));
    return { status: result.statusCode, body: result.body ?? '' };
  };

  describe('Function: createApiHandler', () => {
    it(
      'answers every generated request below 500, in the error shape, and never with another user’s data',
      async () => {
        // Prepare
        const operations = operationsOf(await world.openApi());
        expect(operations.length).toBeGreaterThan(15);

        // Act & Assess
        await fc.assert(
          fc.asyncProperty(requestArbitrary(operations, 'event'), async (request) => {
            counter.count(request.route);
            const resolved = resolveRequest(world, request);
            const response = await send(request, resolved);
            checkResponse(world, request, resolved, response);

            // Another user's task must be indistinguishable from one that does not exist.
            if (
              resolved.idOwner &&
              resolved.idOwner !== request.persona &&
              !request.route.includes(' /admin/')
            ) {
              const missingId = randomUUID();
              const missing = await send(request, {
                path: resolved.path.replace(encodePathSegment(resolved.id!), missingId),
                id: missingId,
              });
              const codeOf = (body: string) =>
                (JSON.parse(body) as { error?: { code?: string } }).error?.code;
              if (missing.status !== response.status || codeOf(missing.body) !== codeOf(response.body))
                throw new PropertyViolation(
                  `another user's task answered ${response.status} ${codeOf(response.body)}, a missing one ${missing.status} ${codeOf(missing.body)}`,
                );
            }
            // Tasks a persona created become theirs for later cases (other routes answer with tasks
            // they do not own: an admin retrying someone's task).
            if (
              response.status === 201 &&
              isOwnerPersona(request.persona) &&
              request.route.startsWith('POST /tasks')
            )
              for (const id of createdTaskIds(response.body)) learn(world, request.persona, id);
          }),
          fuzzParameters(budget),
        );

        // Assess: the handler still serves
        const health = await send(
          {
            persona: 'anonymous',
            route: 'GET /health',
            method: 'GET',
            path: '/health',
            encodeId: true,
            query: [],
            headers: [],
          },
          { path: '/health' },
        );
        expect(health.status).toBe(200);
      },
      budget.timeoutMs,
    );
  });
});

const isOwnerPersona = (persona: FuzzRequest['persona']): persona is Owner =>
  persona === 'user' || persona === 'other' || persona === 'admin';

/** Remembers a task a persona created, so later cases may ask for it (as its owner or as a stranger). */
function learn(world: ApiWorld, owner: Owner, taskId: string): void {
  if (world.tasks[owner].includes(taskId)) return;
  world.tasks[owner].push(taskId);
  world.markers[owner].add(taskId);
}
