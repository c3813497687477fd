/**
 * Lambda entry: every route of the WebSocket API, in one function routed by
 * `requestContext.routeKey` (why one function: see `./env.ts`).
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createWebSocketHandlers, type WebSocketEvent } from '../ws/handlers.js';
import type { InnerHandler } from './shared/define-entry.js';
import {
  connectionGatewayFrom,
  databaseFrom,
  noObjectStore,
  tokenVerifierFrom,
} from './shared/aws-adapters.js';
import { defineEntry } from './shared/define-entry.js';

type WebSocketHandlers = Record<
  'connect' | 'disconnect' | 'ping' | 'subscribe' | 'default',
  InnerHandler<WebSocketEvent, APIGatewayProxyResult>
>;

/**
 * Dispatches by route key: `$connect`, `$disconnect`, `ping`, `subscribe`; anything else (the
 * `$default` route, or a route added to the API but not here) gets the `$default` answer.
 *
 * @param handlers - The route handlers of `createWebSocketHandlers`.
 * @returns One handler for all routes.
 */
export const routeWebSocket =
  (handlers: WebSocketHandlers): InnerHandler<WebSocketEvent, APIGatewayProxyResult> =>
  (event, context) => {
    switch (event.requestContext.routeKey) {
      case '$connect':
        return handlers.connect(event, context);
      case '$disconnect':
        return handlers.disconnect(event, context);
      case 'ping':
        return handlers.ping(event, context);
      case 'subscribe':
        return handlers.subscribe(event, context);
      default:
        return handlers.default(event, context);
    }
  };

export const handler = defineEntry('ws', (config) =>
  routeWebSocket(
    createWebSocketHandlers({
      db: databaseFrom(config),
      objects: noObjectStore('ws'),
      connections: connectionGatewayFrom(config),
      now: () => new Date(),
      verifier: tokenVerifierFrom(config),
    }),
  ),
);
