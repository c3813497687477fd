/**
 * Property-based fuzzing of the WebSocket API's handlers in-process: generated sessions ($connect with
 * good, missing, forged and oddly-claimed tokens and stray query parameters, then `ping`, `subscribe`,
 * unknown actions, malformed, binary and huge frames, then $disconnect), routed by the production
 * route-key dispatcher. No handler may throw, every answer over the socket has a known type (never an
 * INTERNAL_ERROR), a subscription never names another user's task, and a disconnect forgets the
 * connection. Budgets and replay: test/helpers/fuzz/settings.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../../database/connect.js';
import { ensureUser, findConnection } from '../../../../database/repositories/index.js';
import { createJwtTokenVerifier } from '../../../../lambdas/adapters/jwt-token-verifier.js';
import { routeWebSocket } from '../../../../lambdas/entry/ws.js';
import { createWebSocketHandlers, type WebSocketEvent } from '../../../../lambdas/ws/handlers.js';
import { createLambdaContext } from '../../../../local/gateway/lambda-context.js';
import { databaseBackends, seedTask } from '../../../helpers/databases.js';
import {
  hostileJson,
  hostileString,
  oddClaimsArbitrary,
  PROTOTYPE_NAMES,
} from '../../../helpers/fuzz/requests.js';
import { CaseCounter, fuzzBudget, fuzzParameters } from '../../../helpers/fuzz/settings.js';

const budget = fuzzBudget({ runs: 60, share: 0.1, msPerCase: 150 });
const ISSUER = 'https://issuer.fuzz.local';
const AUDIENCE = 'untxt-fuzz';
/** API Gateway's frame limit: nothing bigger ever reaches the handlers. */
const MAX_FRAME_BYTES = 128 * 1024;

type TokenKind = 'user' | 'other' | 'missing' | 'garbage' | 'odd';
type IdPick = { owner: 'user' | 'other'; index: number } | { literal: string };
type Message =
  | { kind: 'ping'; extra?: unknown }
  | { kind: 'subscribe'; taskIds: IdPick[] | null | undefined }
  | { kind: 'subscribe-junk'; value: unknown }
  | { kind: 'unknown-action'; action: unknown }
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: number[] }
  | { kind: 'huge'; bytes: number };

interface Session {
  token: TokenKind;
  claims: Record<string, unknown>;
  query: Array<[string, string]>;
  messages: Message[];
}

const idPick: fc.Arbitrary<IdPick> = fc.oneof(
  fc.record({ owner: fc.constantFrom<'user' | 'other'>('user', 'other'), index: fc.nat(10) }),
  fc.oneof(fc.uuid(), hostileString(70)).map((literal) => ({ literal })),
);

const messageArbitrary: fc.Arbitrary<Message> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('ping' as const),
      extra: fc.option(hostileJson(), { nil: undefined }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('subscribe' as const),
      taskIds: fc.oneof(fc.array(idPick, { maxLength: 8 }), fc.constant(null), fc.constant(undefined)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('subscribe-junk' as const), value: hostileJson() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('unknown-action' as const),
      action: fc.oneof(
        hostileString(60),
        hostileJson(),
        fc.constant({ toString: 1 }),
        fc.constant({ valueOf: null }),
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('json' as const), value: hostileJson() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('text' as const), text: hostileString(200) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('binary' as const),
      bytes: fc.array(fc.nat(255), { maxLength: 64 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('huge' as const),
      bytes: fc.constantFrom(64 * 1024, MAX_FRAME_BYTES),
    }),
  },
);

const sessionArbitrary: fc.Arbitrary<Session> = fc.record({
  token: fc.constantFrom<TokenKind>('user', 'user', 'other', 'missing', 'garbage', 'odd'),
  claims: oddClaimsArbitrary,
  query: fc.array(
    fc.tuple(fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), hostileString(20)), hostileString(40)),
    {
      maxLength: 3,
    },
  ),
  messages: fc.array(messageArbitrary, { maxLength: 6 }),
});

const KNOWN_TYPES = new Set(['pong', 'subscribed', 'error']);

describe.each(await databaseBackends())('Backend: $name', ({ name, create }) => {
  let database: DatabaseHandle;
  let signingKey: CryptoKey;
  let route: ReturnType<typeof routeWebSocket>;
  const posted = new Map<string, unknown[]>();
  const users = {
    user: { id: '', email: '', tasks: [] as string[] },
    other: { id: '', email: '', tasks: [] as string[] },
  };
  const counter = new CaseCounter(`ws-in-process-${name}`);
  const started = Date.now();

  beforeAll(async () => {
    database = await create();
    const pair = await generateKeyPair('ES256');
    signingKey = pair.privateKey;
    const verifier = createJwtTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] } },
    });
    for (const owner of ['user', 'other'] as const) {
      const user = await ensureUser(database.db, {
        id: randomUUID(),
        email: `${owner}-${randomBytes(3).toString('hex')}@example.com`,
        isAdmin: false,
      });
      users[owner] = { id: user.id, email: user.email, tasks: [] };
      for (let i = 0; i < 4; i += 1)
        users[owner].tasks.push((await seedTask(database.db, { userId: user.id })).task.id);
    }
    const handlers = createWebSocketHandlers({
      db: database.db,
      objects: undefined as never,
      connections: {
        post: async (connectionId, message) => {
          posted.set(connectionId, [...(posted.get(connectionId) ?? []), message]);
          return true;
        },
      },
      now: () => new Date(),
      verifier,
    });
    route = routeWebSocket(handlers);
  });
  afterAll(async () => {
    counter.report({ seed: budget.seed, durationMs: Date.now() - started });
    await database?.close();
  });

  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(signingKey);

  const tokenFor = async (session: Session): Promise<string | undefined> => {
    switch (session.token) {
      case 'user':
      case 'other':
        return sign({
          sub: users[session.token].id,
          email: users[session.token].email,
          'cognito:groups': [],
        });
      case 'odd':
        return sign(session.claims);
      case 'garbage':
        return `${await sign({ sub: users.user.id })}x`;
      default:
        return undefined;
    }
  };

  const bodyOf = (message: Message): { body: string; isBase64Encoded: boolean } => {
    const pick = (id: IdPick) =>
      'literal' in id ? id.literal : users[id.owner].tasks[id.index % users[id.owner].tasks.length];
    switch (message.kind) {
      case 'ping':
        return { body: JSON.stringify({ action: 'ping', extra: message.extra }), isBase64Encoded: false };
      case 'subscribe':
        return {
          body: JSON.stringify({
            action: 'subscribe',
            ...(message.taskIds === undefined ? {} : { taskIds: message.taskIds?.map(pick) ?? null }),
          }),
          isBase64Encoded: false,
        };
      case 'subscribe-junk':
        return {
          body: JSON.stringify({ action: 'subscribe', taskIds: message.value }),
          isBase64Encoded: false,
        };
      case 'unknown-action':
        return { body: JSON.stringify({ action: message.action }), isBase64Encoded: false };
      case 'json':
        return { body: JSON.stringify(message.value) ?? 'null', isBase64Encoded: false };
      case 'text':
        return { body: message.text, isBase64Encoded: false };
      case 'binary':
        return { body: Buffer.from(message.bytes).toString('base64'), isBase64Encoded: true };
      case 'huge':
        return {
          body: JSON.stringify({ action: 'ping', pad: 'x'.repeat(message.bytes - 40) }),
          isBase64Encoded: false,
        };
    }
  };

  /** API Gateway's route selection (`$request.body.action`): a defined route, or `$default`. */
  const routeKeyOf = (body: string, isBase64Encoded: boolean): string => {
    if (isBase64Encoded) return '$default';
    try {
      const action = (JSON.parse(body) as { action?: unknown } | null)?.action;
      return action === 'ping' || action === 'subscribe' ? action : '$default';
    } catch {
      return '$default';
    }
  };

  const event = (
    connectionId: string,
    routeKey: string,
    extra: Partial<WebSocketEvent> = {},
  ): WebSocketEvent =>
    ({
      requestContext: {
        routeKey,
        connectionId,
        eventType:
          routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE',
        requestId: randomUUID(),
        stage: 'fuzz',
      },
      isBase64Encoded: false,
      ...extra,
    }) as unknown as WebSocketEvent;

  describe('Function: createWebSocketHandlers', () => {
    it(
      'survives every generated session, answers in known message types and never names another user’s task',
      async () => {
        await fc.assert(
          fc.asyncProperty(sessionArbitrary, async (session) => {
            const connectionId = `${randomBytes(8).toString('base64url')}=`;
            const context = createLambdaContext('untxt-ws', { timeoutMs: 29_000 });
            const token = await tokenFor(session);
            const query = new Map(session.query);
            if (token !== undefined) query.set('token', token);
            counter.count(`$connect (${session.token} token)`);
            const connected = await route(
              event(connectionId, '$connect', { queryStringParameters: Object.fromEntries(query) }),
              context,
            );
            // Refusals are client errors with the socket's error shape: 401 for a token that is not
            // one, 409 when a new identity's email belongs to another account, never a 5xx.
            if (connected.statusCode >= 500 || (connected.statusCode !== 200 && connected.statusCode < 400))
              throw new Error(`$connect answered ${connected.statusCode}: ${connected.body}`);
            if (['user', 'other'].includes(session.token) && connected.statusCode !== 200)
              throw new Error(`$connect refused a valid token: ${connected.body}`);
            if (['missing', 'garbage'].includes(session.token) && connected.statusCode !== 401)
              throw new Error(`$connect accepted a ${session.token} token`);
            if (connected.statusCode !== 200) {
              const refusal = JSON.parse(connected.body) as {
                type?: string;
                code?: string;
                message?: string;
              };
              if (
                refusal.type !== 'error' ||
                !refusal.code ||
                refusal.code === 'INTERNAL_ERROR' ||
                typeof refusal.message !== 'string'
              )
                throw new Error(`$connect refused with ${connected.body}`);
              return;
            }
            const connection = await findConnection(database.db, connectionId);
            const ownTasks = new Set(
              connection?.user_id === users.user.id
                ? users.user.tasks
                : connection?.user_id === users.other.id
                  ? users.other.tasks
                  : [],
            );

            for (const message of session.messages) {
              const { body, isBase64Encoded } = bodyOf(message);
              const routeKey = routeKeyOf(body, isBase64Encoded);
              counter.count(`${routeKey} (${message.kind})`);
              const result = await route(event(connectionId, routeKey, { body, isBase64Encoded }), context);
              if (result.statusCode !== 200) throw new Error(`${routeKey} answered ${result.statusCode}`);
            }
            for (const reply of posted.get(connectionId) ?? []) {
              const { type, code, taskIds } = reply as {
                type?: string;
                code?: string;
                taskIds?: string[] | null;
              };
              if (!type || !KNOWN_TYPES.has(type)) throw new Error(`unknown reply ${JSON.stringify(reply)}`);
              if (code === 'INTERNAL_ERROR')
                throw new Error(`internal error for a client message: ${JSON.stringify(reply)}`);
              for (const id of taskIds ?? [])
                if (!ownTasks.has(id))
                  throw new Error(`subscribed to a task that is not the caller's: ${id}`);
            }
            posted.delete(connectionId);

            await route(event(connectionId, '$disconnect'), context);
            if (await findConnection(database.db, connectionId))
              throw new Error('the connection outlived $disconnect');
          }),
          fuzzParameters(budget),
        );

        // Assess: a plain session still works afterwards
        expect(counter.total()).toBeGreaterThan(0);
      },
      budget.timeoutMs,
    );
  });
});
