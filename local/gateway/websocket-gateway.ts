/**
 * Local stand-in for an API Gateway WebSocket API and its `@connections` management API. The route
 * handlers get the events API Gateway sends (`$connect`, `$disconnect`, `$default`, custom routes)
 * and the production connection adapter (`ApiGatewayManagementApiClient`) talks to the management
 * endpoint unchanged.
 */
import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type {
  APIGatewayEventWebsocketRequestContextV2,
  APIGatewayProxyWebsocketEventV2WithRequestContext,
  Context,
} from 'aws-lambda';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  BodyTooLargeError,
  formatRequestTime,
  headerMaps,
  isLoopback,
  queryMaps,
  readBody,
  requestUrl,
  sendJson,
  sourceIpOf,
} from './http-io.js';
import { createLambdaContext } from './lambda-context.js';

/** What API Gateway puts in a WebSocket event's `requestContext` beyond the typed core. */
export interface WebsocketRequestContext extends APIGatewayEventWebsocketRequestContextV2 {
  identity: { sourceIp: string; userAgent?: string };
  /** `$disconnect` only: the close code (1005 when the peer sent none, 1006 when the socket just died). */
  disconnectStatusCode?: number;
  /** `$disconnect` only. */
  disconnectReason?: string;
}

/**
 * A WebSocket proxy event as API Gateway sends it: `$connect` and `$disconnect` carry headers (and
 * `$connect` the query string, where browsers put the token); messages carry `body`. `messageId` is
 * only present on `MESSAGE` events, despite the base type.
 */
export interface APIGatewayProxyWebsocketEventV2WithQuery extends APIGatewayProxyWebsocketEventV2WithRequestContext<WebsocketRequestContext> {
  headers?: Record<string, string | undefined>;
  multiValueHeaders?: Record<string, string[] | undefined>;
}

export type WsHandlerResult = { statusCode?: number; body?: string } | void;

export type WsHandler = (
  event: APIGatewayProxyWebsocketEventV2WithQuery,
  context: Context,
) => Promise<WsHandlerResult>;

export interface WebSocketGatewayOptions {
  /** Where clients connect (the stage URL). */
  path: '/ws';
  /** Base of the management API; the SDK endpoint is `${origin}${managementPath}`. */
  managementPath: string;
  stage: string;
  handlers: {
    connect: WsHandler;
    disconnect: WsHandler;
    default: WsHandler;
    routes: Record<string, WsHandler>;
  };
  /** The route selection expression; default `$request.body.action`. */
  routeSelection?: (body: unknown) => string | undefined;
  /** API Gateway closes connections idle this long (no message from the client): 10 minutes. */
  idleTimeoutMs?: number;
  /** API Gateway's maximum connection duration: 2 hours. */
  maxConnectionMs?: number;
  /** API Gateway's message size limit (128 KB); larger messages close the connection with 1009. */
  maxMessageBytes?: number;
  /** Logs handler failures. Default `console.error`. */
  logError?: (message: string, error: unknown) => void;
}

export interface WebSocketGateway {
  /** Listens for upgrades on `path` (other paths are left to other listeners). */
  attach(server: Server): void;
  /** Serves the management API; `false` (nothing written) when the URL is not under `managementPath`. */
  handleManagement(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  connectionCount(): number;
  /** Closes every connection (1001 'Going away'), waits for their `$disconnect`s and detaches. */
  close(): Promise<void>;
}

/** What API Gateway knows about a connection from its handshake. */
interface ConnectionInfo {
  id: string;
  connectedAt: number;
  sourceIp: string;
  userAgent: string | undefined;
  domainName: string;
}

interface LiveConnection extends ConnectionInfo {
  socket: WebSocket;
  lastActiveAt: number;
  /** The code this side closed with (idle, max duration, DELETE), reported if the peer does not echo it. */
  closedWith?: { code: number; reason: string };
  idleTimer?: NodeJS.Timeout;
  lifetimeTimer?: NodeJS.Timeout;
}

const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60 * 1000;
const DEFAULT_MAX_CONNECTION_MS = 2 * 60 * 60 * 1000;
const DEFAULT_MAX_MESSAGE_BYTES = 128 * 1024;
const API_ID = 'local';
/** How long `close()` waits for clients to answer the close handshake before cutting them off. */
const CLOSE_GRACE_MS = 2_000;

const defaultRouteSelection = (body: unknown): string | undefined => {
  if (typeof body !== 'object' || body === null) return undefined;
  const action = (body as { action?: unknown }).action;
  return typeof action === 'string' ? action : undefined;
};

/**
 * Creates the local WebSocket API.
 *
 * `$connect` runs before the handshake completes: a non-2xx result answers the upgrade with that
 * status, a crash with 500. Messages are routed by `routeSelection` (unknown keys go to `$default`);
 * a handler's `body` is sent back as the route response. Closing (by either side, the idle timeout or
 * the management API) runs `$disconnect` once.
 *
 * The management API answers `POST|GET|DELETE {managementPath}/@connections/{id}` from loopback
 * clients only, ignoring SigV4, with API Gateway's status codes and `GoneException` (410).
 *
 * @param options - Paths, stage, route handlers and limits.
 * @returns The gateway; call `attach(server)` and route management requests to `handleManagement`.
 */
export function createWebSocketGateway(options: WebSocketGatewayOptions): WebSocketGateway {
  const {
    path,
    managementPath,
    stage,
    handlers,
    routeSelection = defaultRouteSelection,
    idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS,
    maxConnectionMs = DEFAULT_MAX_CONNECTION_MS,
    maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
    logError = (message: string, error: unknown) => console.error(`[websocket-gateway] ${message}`, error),
  } = options;

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes, clientTracking: false });
  const connections = new Map<string, LiveConnection>();
  const pendingDisconnects = new Set<Promise<void>>();
  const servers = new Set<Server>();
  const managementPrefix = `${managementPath.replace(/\/+$/, '')}/@connections/`;

  const baseContext = (
    connection: ConnectionInfo,
    routeKey: string,
    eventType: WebsocketRequestContext['eventType'],
  ): WebsocketRequestContext => {
    const now = new Date();
    const requestId = awsId();
    // `messageId` is added for MESSAGE events only; AWS omits it elsewhere.
    return {
      routeKey,
      eventType,
      extendedRequestId: requestId,
      requestTime: formatRequestTime(now),
      messageDirection: 'IN',
      stage,
      connectedAt: connection.connectedAt,
      requestTimeEpoch: now.getTime(),
      identity: {
        sourceIp: connection.sourceIp,
        ...(connection.userAgent !== undefined && { userAgent: connection.userAgent }),
      },
      requestId,
      domainName: connection.domainName,
      connectionId: connection.id,
      apiId: API_ID,
    } as WebsocketRequestContext;
  };

  const invoke = (handler: WsHandler, name: string, event: APIGatewayProxyWebsocketEventV2WithQuery) =>
    handler(event, createLambdaContext(`untxt-ws-${name}`, { timeoutMs: 29_000 }));

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = requestUrl(req);
    if (url.pathname !== path) return;
    void acceptUpgrade(req, socket, head, url).catch((error: unknown) => {
      logError('upgrade failed', error);
      rejectUpgrade(socket, 500);
    });
  };

  async function acceptUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    // A client that vanishes while `$connect` runs must not crash the process.
    socket.on('error', () => socket.destroy());
    if (!isWebSocketHandshake(req)) {
      rejectUpgrade(socket, 400, JSON.stringify({ message: 'Bad Request' }));
      return;
    }

    const { headers, multiValueHeaders } = headerMaps(req.rawHeaders);
    const sourceIp = sourceIpOf(req);
    const connection: ConnectionInfo = {
      id: awsId(),
      connectedAt: Date.now(),
      sourceIp,
      userAgent: req.headers['user-agent'],
      domainName: req.headers.host ?? 'localhost',
    };
    headers['X-Forwarded-For'] = sourceIp;
    multiValueHeaders['X-Forwarded-For'] = [sourceIp];
    const { queryStringParameters, multiValueQueryStringParameters } = queryMaps(url.searchParams);
    const event: APIGatewayProxyWebsocketEventV2WithQuery = {
      headers,
      multiValueHeaders,
      ...(queryStringParameters !== null && { queryStringParameters }),
      ...(multiValueQueryStringParameters !== null && { multiValueQueryStringParameters }),
      requestContext: baseContext(connection, '$connect', 'CONNECT'),
      isBase64Encoded: false,
    };

    let result: WsHandlerResult;
    try {
      result = await invoke(handlers.connect, 'connect', event);
    } catch (error) {
      logError('$connect handler failed', error);
      rejectUpgrade(socket, 500, JSON.stringify({ message: 'Internal server error' }));
      return;
    }
    const status = result?.statusCode ?? 200;
    if (status < 200 || status > 299) {
      rejectUpgrade(socket, status, result?.body);
      return;
    }
    if (socket.destroyed) {
      // Accepted but gone before the handshake finished: let the app forget what `$connect` recorded.
      runDisconnect(connection, 1006, '');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => register(ws, connection));
  }

  function register(socket: WebSocket, base: ConnectionInfo): void {
    const connection: LiveConnection = { ...base, socket, lastActiveAt: Date.now() };
    connections.set(connection.id, connection);
    resetIdle(connection);
    connection.lifetimeTimer = setTimeout(() => serverClose(connection, 1001, 'Going away'), maxConnectionMs);
    connection.lifetimeTimer.unref();

    socket.on('message', (data, isBinary) => {
      connection.lastActiveAt = Date.now();
      resetIdle(connection);
      void onMessage(connection, toBuffer(data), isBinary);
    });
    socket.on('error', (error: Error & { code?: string }) => {
      // ws has already sent the close frame and cut the socket; remember the code for `$disconnect`.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        connection.closedWith ??= { code: 1009, reason: 'Message too big' };
      }
    });
    socket.on('close', (code, reason) => {
      clearTimeout(connection.idleTimer);
      clearTimeout(connection.lifetimeTimer);
      connections.delete(connection.id);
      const closedWith = connection.closedWith;
      // A peer that never answered our close frame reports 1006; API Gateway reports what it closed with.
      const reported =
        closedWith !== undefined && (code === 1005 || code === 1006)
          ? closedWith
          : { code, reason: reason.toString('utf8') };
      runDisconnect(connection, reported.code, reported.reason);
    });
  }

  function resetIdle(connection: LiveConnection): void {
    clearTimeout(connection.idleTimer);
    connection.idleTimer = setTimeout(() => serverClose(connection, 1001, 'Going away'), idleTimeoutMs);
    connection.idleTimer.unref();
  }

  function serverClose(connection: LiveConnection, code: number, reason: string): void {
    connection.closedWith ??= { code, reason };
    connection.socket.close(code, reason);
    // Do not wait forever for a client that ignores the close handshake.
    setTimeout(() => connection.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  async function onMessage(connection: LiveConnection, data: Buffer, isBinary: boolean): Promise<void> {
    const body = isBinary ? data.toString('base64') : data.toString('utf8');
    let routeKey = '$default';
    if (!isBinary) {
      try {
        const selected = routeSelection(JSON.parse(body) as unknown);
        if (selected !== undefined && Object.hasOwn(handlers.routes, selected)) routeKey = selected;
      } catch {
        // Not JSON: API Gateway cannot evaluate the selection expression and uses $default.
      }
    }
    const handler = routeKey === '$default' ? handlers.default : (handlers.routes[routeKey] as WsHandler);
    const requestContext = baseContext(connection, routeKey, 'MESSAGE');
    requestContext.messageId = awsId();
    const event: APIGatewayProxyWebsocketEventV2WithQuery = {
      requestContext,
      body,
      isBase64Encoded: isBinary,
    };
    try {
      const result = await invoke(handler, routeKey === '$default' ? 'default' : routeKey, event);
      if (typeof result?.body === 'string' && result.body.length > 0)
        sendIfOpen(connection.socket, result.body);
    } catch (error) {
      logError(`${routeKey} handler failed`, error);
      // API Gateway tells the client its integration failed, with ids to quote in a bug report.
      sendIfOpen(
        connection.socket,
        JSON.stringify({
          message: 'Internal server error',
          connectionId: connection.id,
          requestId: requestContext.requestId,
        }),
      );
    }
  }

  function runDisconnect(connection: ConnectionInfo, code: number, reason: string): void {
    const headers = { Host: connection.domainName, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' };
    const requestContext = baseContext(connection, '$disconnect', 'DISCONNECT');
    requestContext.disconnectStatusCode = code;
    requestContext.disconnectReason = reason;
    const event: APIGatewayProxyWebsocketEventV2WithQuery = {
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
      requestContext,
      isBase64Encoded: false,
    };
    const pending = invoke(handlers.disconnect, 'disconnect', event)
      .then(() => undefined)
      .catch((error: unknown) => logError('$disconnect handler failed', error))
      .finally(() => pendingDisconnects.delete(pending));
    pendingDisconnects.add(pending);
  }

  async function manage(req: IncomingMessage, res: ServerResponse, connectionId: string): Promise<void> {
    const connection = connections.get(connectionId);
    const live =
      connection !== undefined && connection.socket.readyState === WebSocket.OPEN ? connection : undefined;
    const method = (req.method ?? 'GET').toUpperCase();

    if (method === 'POST') {
      let data: Buffer;
      try {
        data = await readBody(req, maxMessageBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          sendJson(
            res,
            413,
            { message: `Message too long (limit ${maxMessageBytes} bytes)` },
            { 'x-amzn-ErrorType': 'PayloadTooLargeException', Connection: 'close' },
          );
        } else {
          res.destroy();
        }
        return;
      }
      if (live === undefined) return gone(res);
      try {
        await new Promise<void>((resolve, reject) =>
          // Text frame as API Gateway sends; bytes that are not UTF-8 would make the client fail the
          // connection (1007), so those go as a binary frame instead.
          live.socket.send(data, { binary: !isUtf8(data) }, (error) => (error ? reject(error) : resolve())),
        );
      } catch {
        return gone(res);
      }
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '0' });
      res.end();
      return;
    }

    req.resume();
    if (method === 'GET') {
      if (live === undefined) return gone(res);
      sendJson(res, 200, {
        connectedAt: new Date(live.connectedAt).toISOString(),
        identity: { sourceIp: live.sourceIp, userAgent: live.userAgent ?? '' },
        lastActiveAt: new Date(live.lastActiveAt).toISOString(),
      });
      return;
    }
    if (method === 'DELETE') {
      if (live === undefined) return gone(res);
      serverClose(live, 1000, '');
      res.writeHead(204);
      res.end();
      return;
    }
    sendJson(res, 405, { message: 'Method Not Allowed' }, { Allow: 'GET, POST, DELETE' });
  }

  return {
    attach(server) {
      if (servers.has(server)) return;
      servers.add(server);
      server.on('upgrade', onUpgrade);
    },

    async handleManagement(req, res) {
      const url = requestUrl(req);
      if (!url.pathname.startsWith(managementPrefix)) return false;
      if (!isLoopback(req.socket.remoteAddress)) {
        // SigV4 is not checked locally, so only this machine may push to or drop connections.
        req.resume();
        sendJson(res, 403, { message: 'Forbidden' }, { 'x-amzn-ErrorType': 'ForbiddenException' });
        return true;
      }
      const rawId = url.pathname.slice(managementPrefix.length);
      let connectionId: string;
      try {
        connectionId = decodeURIComponent(rawId);
      } catch {
        connectionId = rawId;
      }
      try {
        await manage(req, res, connectionId);
      } catch (error) {
        logError('management request failed', error);
        sendJson(res, 500, { message: 'Internal server error' });
      }
      return true;
    },

    connectionCount: () => connections.size,

    async close() {
      for (const server of servers) server.off('upgrade', onUpgrade);
      servers.clear();
      const closing = [...connections.values()].map(
        (connection) =>
          new Promise<void>((resolve) => {
            connection.socket.once('close', () => resolve());
            serverClose(connection, 1001, 'Going away');
          }),
      );
      await Promise.all(closing);
      await Promise.all([...pendingDisconnects]);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** A 410 as the management API answers for a connection that is gone (or never existed). */
function gone(res: ServerResponse): void {
  sendJson(res, 410, { message: 'Gone' }, { 'x-amzn-ErrorType': 'GoneException' });
}

/** Ids shaped like API Gateway's (`L0SM9cOFvHcCIhw=`): base64 of 11 random bytes, kept URL-friendly. */
function awsId(): string {
  for (;;) {
    const id = randomBytes(11).toString('base64');
    if (!/[+/]/.test(id)) return id;
  }
}

function isWebSocketHandshake(req: IncomingMessage): boolean {
  const key = req.headers['sec-websocket-key'];
  const version = req.headers['sec-websocket-version'];
  return (
    req.method === 'GET' &&
    req.headers.upgrade?.toLowerCase() === 'websocket' &&
    typeof key === 'string' &&
    /^[+/0-9A-Za-z]{22}==$/.test(key) &&
    (version === '13' || version === '8')
  );
}

/** Answers the upgrade request with a plain HTTP status and closes the socket. */
function rejectUpgrade(socket: Duplex, status: number, body?: string): void {
  if (socket.destroyed) return;
  const payload = Buffer.from(body ?? '', 'utf8');
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    ...(payload.length > 0 ? ['Content-Type: application/json'] : []),
    `Content-Length: ${payload.length}`,
    '',
    '',
  ].join('\r\n');
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), payload]));
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function sendIfOpen(socket: WebSocket, text: string): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(text);
}
