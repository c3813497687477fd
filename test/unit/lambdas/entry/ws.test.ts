import type { APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { routeWebSocket } from '../../../../lambdas/entry/ws.js';
import type { WebSocketEvent } from '../../../../lambdas/ws/handlers.js';
import { lambdaContext } from './helpers.js';

const eventFor = (routeKey: string) =>
  ({ requestContext: { routeKey, connectionId: 'conn-1' }, body: '{}' }) as unknown as WebSocketEvent;

const handlersAnswering = () => {
  const answer = (name: string) =>
    vi.fn(async (): Promise<APIGatewayProxyResult> => ({ statusCode: 200, body: name }));
  return {
    connect: answer('connect'),
    disconnect: answer('disconnect'),
    ping: answer('ping'),
    subscribe: answer('subscribe'),
    default: answer('default'),
  };
};

describe('Function: routeWebSocket', () => {
  it.each([
    ['$connect', 'connect'],
    ['$disconnect', 'disconnect'],
    ['ping', 'ping'],
    ['subscribe', 'subscribe'],
    ['$default', 'default'],
  ])('dispatches route %s to the %s handler', async (routeKey, expected) => {
    // Prepare
    const handlers = handlersAnswering();
    const route = routeWebSocket(handlers);
    const event = eventFor(routeKey);
    const context = lambdaContext('ws');

    // Act
    const result = await route(event, context);

    // Assess
    expect(result.body).toBe(expected);
    expect(handlers[expected as keyof typeof handlers]).toHaveBeenCalledWith(event, context);
  });

  it('answers with the default handler when the route key is unknown', async () => {
    // Prepare
    const handlers = handlersAnswering();
    const route = routeWebSocket(handlers);

    // Act
    const result = await route(eventFor('shout'), lambdaContext('ws'));

    // Assess
    expect(result.body).toBe('default');
    expect(handlers.ping).not.toHaveBeenCalled();
  });
});
