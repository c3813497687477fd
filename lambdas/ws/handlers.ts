import middy from '@middy/core';
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import type { ConnectionDeps } from '../core/deps.js';
import { BadRequestError, UntxtError } from '../core/errors.js';
import {
  closeConnection,
  openConnection,
  subscribe,
  subscribeRequest,
  touch,
} from '../core/use-cases/connections.js';
import { statusForError } from '../shared/http.js';
import { logger } from '../shared/logger.js';
import { validate } from '../shared/request.js';

/** `$connect` events also carry the query string and headers. */
export type WebSocketEvent = APIGatewayProxyWebsocketEventV2 & {
  queryStringParameters?: Record<string, string | undefined> | null;
  headers?: Record<string, string | undefined> | null;
};

type Result = APIGatewayProxyResult;
const ok = (): Result => ({ statusCode: 200, body: '' });

const reply = async (deps: ConnectionDeps, connectionId: string, message: unknown) => {
  await deps.connections.post(connectionId, message);
};

const clientError = (error: unknown) =>
  error instanceof UntxtError && statusForError(error) < 500
    ? { type: 'error', code: error.code, message: error.message }
    : { type: 'error', code: 'INTERNAL_ERROR', message: 'Something went wrong on our side' };

const parseBody = (event: WebSocketEvent): Record<string, unknown> => {
  try {
    const value: unknown = JSON.parse(event.body ?? '');
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new BadRequestError('INVALID_MESSAGE', 'Messages must be JSON objects like {"action":"ping"}');
};

/**
 * The client's `action` as it may be quoted back: any JSON value can arrive, and `String()` of an
 * object whose `toString` is not a function throws, so only a string is quoted (shortened, escaped).
 */
const describeAction = (action: unknown): string =>
  typeof action === 'string'
    ? JSON.stringify(action.length > 64 ? `${action.slice(0, 64)}…` : action)
    : action === undefined
      ? '(none)'
      : `of type ${Array.isArray(action) ? 'array' : action === null ? 'null' : typeof action}`;

/** The WebSocket API's route handlers: `$connect`, `$disconnect`, `ping`, `subscribe`, `$default`. */
export const createWebSocketHandlers = (deps: ConnectionDeps) => {
  const handler = (fn: (event: WebSocketEvent) => Promise<Result>) =>
    middy<WebSocketEvent, Result>().handler(fn);

  /** Messages: failures are answered over the socket, so the connection never sees a 5xx. */
  const message = (fn: (event: WebSocketEvent, body: Record<string, unknown>) => Promise<void>) =>
    handler(async (event) => {
      const connectionId = event.requestContext.connectionId;
      try {
        await fn(event, parseBody(event));
      } catch (error) {
        if (statusForError(error) >= 500 && !(error instanceof UntxtError))
          logger.error('WebSocket route failed', { error: error as Error });
        await reply(deps, connectionId, clientError(error));
      }
      return ok();
    });

  return {
    connect: handler(async (event) => {
      try {
        await openConnection(deps, {
          connectionId: event.requestContext.connectionId,
          token: event.queryStringParameters?.token ?? undefined,
        });
        return ok();
      } catch (error) {
        const status = statusForError(error);
        if (status >= 500) logger.error('WebSocket connect failed', { error: error as Error });
        return { statusCode: status, body: JSON.stringify(clientError(error)) };
      }
    }),
    disconnect: handler(async (event) => {
      await closeConnection(deps, event.requestContext.connectionId);
      return ok();
    }),
    ping: message(async (event) => {
      await touch(deps, event.requestContext.connectionId);
      await reply(deps, event.requestContext.connectionId, { type: 'pong', at: deps.now().toISOString() });
    }),
    subscribe: message(async (event, body) => {
      const connectionId = event.requestContext.connectionId;
      const request = validate(subscribeRequest, body, 'subscribe message');
      await reply(deps, connectionId, await subscribe(deps, connectionId, request));
    }),
    default: message(async (_event, body) => {
      throw new BadRequestError(
        'UNKNOWN_ACTION',
        `Unknown action ${describeAction(body.action)}; use ping or subscribe`,
      );
    }),
  };
};
