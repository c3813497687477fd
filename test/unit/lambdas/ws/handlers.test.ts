import { describe, expect, it } from 'vitest';
import type { ConnectionDeps } from '../../../../lambdas/core/deps.js';
import { createWebSocketHandlers, type WebSocketEvent } from '../../../../lambdas/ws/handlers.js';
import { lambdaContext } from '../entry/helpers.js';

/** Handlers whose replies are recorded; the database is never reached by the routes tested here. */
const handlersRecording = () => {
  const replies: unknown[] = [];
  const deps = {
    db: undefined,
    objects: undefined,
    connections: {
      post: async (_id: string, message: unknown) => {
        replies.push(message);
        return true;
      },
    },
    now: () => new Date(),
    verifier: { verify: async () => Promise.reject(new Error('not used')) },
  } as unknown as ConnectionDeps;
  return { handlers: createWebSocketHandlers(deps), replies };
};

const message = (body: string) =>
  ({ requestContext: { routeKey: '$default', connectionId: 'conn-1' }, body }) as unknown as WebSocketEvent;

describe('Function: createWebSocketHandlers', () => {
  it.each([
    ['an object whose toString is not a function', '{"action":{"toString":1}}'],
    ['an object without a prototype chain to print', '{"action":{"valueOf":null,"toString":null}}'],
    ['a number', '{"action":42}'],
    ['a long string', JSON.stringify({ action: 'x'.repeat(10_000) })],
  ])('answers UNKNOWN_ACTION, not an internal error, when the action is %s', async (_label, body) => {
    // Prepare
    const { handlers, replies } = handlersRecording();

    // Act
    const result = await handlers.default(message(body), lambdaContext('ws'));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(replies).toEqual([{ type: 'error', code: 'UNKNOWN_ACTION', message: expect.any(String) }]);
    expect((replies[0] as { message: string }).message.length).toBeLessThan(200);
  });
});
