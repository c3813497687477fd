import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { createApiGatewayConnectionGateway } from '../../../../lambdas/adapters/aws/api-gateway-connection-gateway.js';
import { isLoopback } from '../../../../local/gateway/http-io.js';
import {
  createWebSocketGateway,
  type APIGatewayProxyWebsocketEventV2WithQuery,
  type WebSocketGateway,
  type WebSocketGatewayOptions,
  type WsHandler,
} from '../../../../local/gateway/websocket-gateway.js';

const MANAGEMENT_PATH = '/_connections/local';

interface Started {
  port: number;
  gateway: WebSocketGateway;
  events: APIGatewayProxyWebsocketEventV2WithQuery[];
  logError: ReturnType<typeof vi.fn>;
  disconnected: Promise<APIGatewayProxyWebsocketEventV2WithQuery>;
  server: Server;
}

let cleanup: Array<() => Promise<void>> = [];

afterEach(async () => {
  const steps = cleanup.reverse();
  cleanup = [];
  for (const step of steps) await step();
});

async function start(overrides: Partial<WebSocketGatewayOptions> = {}): Promise<Started> {
  const events: APIGatewayProxyWebsocketEventV2WithQuery[] = [];
  const record =
    (result?: { statusCode: number; body?: string }): WsHandler =>
    async (event) => {
      events.push(event);
      return result;
    };
  let resolveDisconnect!: (event: APIGatewayProxyWebsocketEventV2WithQuery) => void;
  const disconnected = new Promise<APIGatewayProxyWebsocketEventV2WithQuery>((resolve) => {
    resolveDisconnect = resolve;
  });
  const logError = vi.fn();
  const gateway = createWebSocketGateway({
    path: '/ws',
    managementPath: MANAGEMENT_PATH,
    stage: 'local',
    handlers: {
      connect: record({ statusCode: 200 }),
      disconnect: async (event) => {
        events.push(event);
        resolveDisconnect(event);
      },
      default: record({ statusCode: 200, body: 'default-reply' }),
      routes: {
        subscribe: async (event) => {
          events.push(event);
          return { statusCode: 200, body: JSON.stringify({ subscribed: true }) };
        },
        silent: record({ statusCode: 200 }),
      },
    },
    logError,
    ...overrides,
  });
  const server: Server = createServer((req, res) => {
    void gateway.handleManagement(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  gateway.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanup.push(async () => {
    await gateway.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, gateway, events, logError, disconnected, server };
}

function connect(port: number, query = '?token=abc'): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws${query}`);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

function nextMessage(socket: WebSocket): Promise<string> {
  return new Promise((resolve) => socket.once('message', (data: Buffer) => resolve(data.toString('utf8'))));
}

function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
  );
}

function rejectedStatus(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?token=bad`);
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    socket.once('open', () => reject(new Error('upgrade should have been refused')));
    socket.once('error', () => undefined);
  });
}

function managementClient(port: number): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({
    endpoint: `http://127.0.0.1:${port}${MANAGEMENT_PATH}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

describe('Function: createWebSocketGateway', () => {
  it('runs $connect with the handshake details before completing the upgrade', async () => {
    // Prepare
    const { port, gateway, events } = await start();

    // Act
    const socket = await connect(port, '?token=jwt-123');

    // Assess
    const event = events[0];
    expect(event).toMatchObject({
      queryStringParameters: { token: 'jwt-123' },
      multiValueQueryStringParameters: { token: ['jwt-123'] },
      isBase64Encoded: false,
      requestContext: {
        routeKey: '$connect',
        eventType: 'CONNECT',
        messageDirection: 'IN',
        stage: 'local',
        apiId: 'local',
        domainName: `127.0.0.1:${port}`,
        identity: { sourceIp: '127.0.0.1' },
      },
    });
    expect(event?.requestContext.connectionId).toMatch(/^[A-Za-z0-9]{15}=$/);
    expect(event?.requestContext.messageId).toBeUndefined();
    expect(Object.keys(event?.headers ?? {}).map((name) => name.toLowerCase())).toContain(
      'sec-websocket-key',
    );
    expect(gateway.connectionCount()).toBe(1);
    socket.close();
  });

  it('refuses the upgrade with the status $connect returns', async () => {
    // Prepare
    const { port, gateway } = await start({
      handlers: {
        connect: async () => ({ statusCode: 401, body: '{"message":"Unauthorized"}' }),
        disconnect: async () => undefined,
        default: async () => undefined,
        routes: {},
      },
    });

    // Act
    const status = await rejectedStatus(port);

    // Assess
    expect(status).toBe(401);
    expect(gateway.connectionCount()).toBe(0);
  });

  it('refuses the upgrade with 500 and logs when $connect throws', async () => {
    // Prepare
    const failure = new Error('boom');
    const { port, logError } = await start({
      handlers: {
        connect: async () => Promise.reject(failure),
        disconnect: async () => undefined,
        default: async () => undefined,
        routes: {},
      },
    });

    // Act
    const status = await rejectedStatus(port);

    // Assess
    expect(status).toBe(500);
    expect(logError).toHaveBeenCalledWith(expect.stringContaining('$connect'), failure);
  });

  it('routes messages by action and sends a returned body back as the route response', async () => {
    // Prepare
    const { port, events } = await start();
    const socket = await connect(port);

    // Act
    const routed = nextMessage(socket);
    socket.send(JSON.stringify({ action: 'subscribe', taskIds: ['t1'] }));
    const routeReply = await routed;
    const fallback = nextMessage(socket);
    socket.send(JSON.stringify({ action: 'unknown' }));
    const defaultReply = await fallback;
    const notJson = nextMessage(socket);
    socket.send('not json');
    const notJsonReply = await notJson;

    // Assess
    expect(routeReply).toBe('{"subscribed":true}');
    expect(defaultReply).toBe('default-reply');
    expect(notJsonReply).toBe('default-reply');
    const messages = events.filter((event) => event.requestContext.eventType === 'MESSAGE');
    expect(messages.map((event) => event.requestContext.routeKey)).toEqual([
      'subscribe',
      '$default',
      '$default',
    ]);
    expect(messages[0]).toMatchObject({
      body: '{"action":"subscribe","taskIds":["t1"]}',
      isBase64Encoded: false,
      requestContext: { connectionId: events[0]?.requestContext.connectionId },
    });
    expect(messages[0]?.requestContext.messageId).toMatch(/=$/);
    socket.close();
  });

  it('uses a custom route selection when one is given', async () => {
    // Prepare
    const { port, events } = await start({
      routeSelection: (body) => (body as { type?: string }).type,
    });
    const socket = await connect(port);

    // Act
    socket.send(JSON.stringify({ type: 'silent' }));
    await vi.waitFor(() => expect(events).toHaveLength(2));

    // Assess
    expect(events[1]?.requestContext.routeKey).toBe('silent');
    socket.close();
  });

  it('tells the client about an integration failure when a route handler throws', async () => {
    // Prepare
    const { port, logError } = await start({
      handlers: {
        connect: async () => undefined,
        disconnect: async () => undefined,
        default: async () => Promise.reject(new Error('bad handler')),
        routes: {},
      },
    });
    const socket = await connect(port);

    // Act
    const reply = nextMessage(socket);
    socket.send('{}');

    // Assess
    expect(JSON.parse(await reply)).toMatchObject({
      message: 'Internal server error',
      connectionId: expect.any(String),
      requestId: expect.any(String),
    });
    expect(logError).toHaveBeenCalledOnce();
    socket.close();
  });

  it('runs $disconnect with the close code and reason when the client closes', async () => {
    // Prepare
    const { port, gateway, events, disconnected } = await start();
    const socket = await connect(port);

    // Act
    socket.close(4000, 'bye');
    const event = await disconnected;

    // Assess
    expect(event.requestContext).toMatchObject({
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      disconnectStatusCode: 4000,
      disconnectReason: 'bye',
      connectionId: events[0]?.requestContext.connectionId,
    });
    expect(gateway.connectionCount()).toBe(0);
  });

  it('closes with 1009 when a message is larger than the limit', async () => {
    // Prepare
    const { port, disconnected } = await start({ maxMessageBytes: 1024 });
    const socket = await connect(port);
    socket.on('error', () => undefined);

    // Act
    const closing = closed(socket);
    socket.send('x'.repeat(2048));

    // Assess
    expect((await closing).code).toBe(1009);
    expect((await disconnected).requestContext.disconnectStatusCode).toBe(1009);
  });

  it('closes idle connections with 1001 Going away', async () => {
    // Prepare
    const { port, disconnected } = await start({ idleTimeoutMs: 100 });
    const socket = await connect(port);

    // Act
    const result = await closed(socket);

    // Assess
    expect(result).toEqual({ code: 1001, reason: 'Going away' });
    expect((await disconnected).requestContext.disconnectStatusCode).toBe(1001);
  });

  it('leaves upgrades on other paths to other listeners', async () => {
    // Prepare
    const { port, events, server } = await start();
    const otherPaths: string[] = [];
    server.on('upgrade', (req, socket: Duplex) => {
      if (req.url === '/ws' || req.url?.startsWith('/ws?')) return;
      otherPaths.push(req.url ?? '');
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });

    // Act
    const outcome = await new Promise<string>((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/other`);
      socket.once('unexpected-response', (_req, res) => resolve(`status ${res.statusCode}`));
      socket.once('open', () => resolve('open'));
      socket.once('error', () => resolve('error'));
    });

    // Assess
    expect(outcome).toBe('status 404');
    expect(otherPaths).toEqual(['/other']);
    expect(events).toHaveLength(0);
  });

  it('closes every connection and runs their $disconnect on close()', async () => {
    // Prepare
    const { port, gateway, disconnected } = await start();
    const socket = await connect(port);
    const closing = closed(socket);

    // Act
    await gateway.close();

    // Assess
    expect(await closing).toEqual({ code: 1001, reason: 'Going away' });
    expect((await disconnected).requestContext.disconnectStatusCode).toBe(1001);
    expect(gateway.connectionCount()).toBe(0);
  });
});

describe('Function: createWebSocketGateway (management API)', () => {
  it('delivers PostToConnection data to the client as a text frame', async () => {
    // Prepare
    const { port, events } = await start();
    const socket = await connect(port);
    const connectionId = events[0]?.requestContext.connectionId;
    const client = managementClient(port);

    // Act
    const received = new Promise<{ text: string; isBinary: boolean }>((resolve) =>
      socket.once('message', (data: Buffer, isBinary) => resolve({ text: data.toString('utf8'), isBinary })),
    );
    const output = await client.send(
      new PostToConnectionCommand({
        ConnectionId: connectionId,
        Data: new TextEncoder().encode(JSON.stringify({ type: 'task.updated', progress: 50 })),
      }),
    );

    // Assess
    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(await received).toEqual({ text: '{"type":"task.updated","progress":50}', isBinary: false });
    socket.close();
  });

  it('answers GetConnection with the connection times and identity', async () => {
    // Prepare
    const { port, events } = await start();
    const socket = await new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { 'User-Agent': 'untxt-test' } });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
    const connectionId = events[0]?.requestContext.connectionId;

    // Act
    const output = await managementClient(port).send(
      new GetConnectionCommand({ ConnectionId: connectionId }),
    );

    // Assess
    expect(output.ConnectedAt).toBeInstanceOf(Date);
    expect(Math.abs((output.ConnectedAt?.getTime() ?? 0) - Date.now())).toBeLessThan(5_000);
    expect(output.LastActiveAt).toBeInstanceOf(Date);
    expect(output.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'untxt-test' });
    socket.close();
  });

  it('closes the socket on DeleteConnection and reports GoneException afterwards', async () => {
    // Prepare
    const { port, events, gateway, disconnected } = await start();
    const socket = await connect(port);
    const connectionId = events[0]?.requestContext.connectionId;
    const client = managementClient(port);
    const closing = closed(socket);

    // Act
    const output = await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    await closing;
    await disconnected;
    const error = await client
      .send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode('late') }),
      )
      .catch((caught: unknown) => caught);

    // Assess
    expect(output.$metadata.httpStatusCode).toBe(204);
    expect(gateway.connectionCount()).toBe(0);
    expect(error).toMatchObject({ name: 'GoneException', $metadata: { httpStatusCode: 410 } });
  });

  it('raises GoneException for an id that never existed', async () => {
    // Prepare
    const { port } = await start();
    const client = managementClient(port);

    // Act
    const errors = await Promise.all([
      client.send(new GetConnectionCommand({ ConnectionId: 'Nope+/x=' })).catch((caught: unknown) => caught),
      client.send(new DeleteConnectionCommand({ ConnectionId: 'Nope=' })).catch((caught: unknown) => caught),
    ]);

    // Assess
    for (const error of errors) expect(error).toMatchObject({ name: 'GoneException' });
  });

  it('lets the production connection adapter post to and remove connections unchanged', async () => {
    // Prepare
    const { port, events, disconnected } = await start();
    const socket = await connect(port);
    const connectionId = events[0]?.requestContext.connectionId ?? '';
    const connections = createApiGatewayConnectionGateway({ client: managementClient(port) });
    const received = nextMessage(socket);

    // Act
    const delivered = await connections.post(connectionId, { type: 'hello' });
    const message = await received;
    await connections.remove(connectionId);
    await disconnected;
    const afterRemoval = await connections.post(connectionId, { type: 'late' });

    // Assess
    expect(delivered).toBe(true);
    expect(JSON.parse(message)).toEqual({ type: 'hello' });
    expect(afterRemoval).toBe(false);
  });

  it('answers 403 without touching the connection when the caller is not on loopback', async () => {
    // Prepare
    const { gateway, port, events } = await start();
    const socket = await connect(port);
    const connectionId = events[0]?.requestContext.connectionId ?? '';
    const req = Object.assign(Readable.from([]), {
      url: `${MANAGEMENT_PATH}/@connections/${encodeURIComponent(connectionId)}`,
      method: 'DELETE',
      headers: {},
      socket: { remoteAddress: '10.1.2.3' },
    }) as unknown as IncomingMessage;
    const written: { status?: number; body?: string } = {};
    const res = {
      headersSent: false,
      writeHead(status: number) {
        written.status = status;
        return this;
      },
      end(body?: Buffer) {
        written.body = body?.toString('utf8');
      },
    } as unknown as ServerResponse;

    // Act
    const handled = await gateway.handleManagement(req, res);

    // Assess
    expect(handled).toBe(true);
    expect(written).toEqual({ status: 403, body: '{"message":"Forbidden"}' });
    expect(gateway.connectionCount()).toBe(1);
    socket.close();
  });

  it('does not handle URLs outside the management path', async () => {
    // Prepare
    const { port } = await start();

    // Act
    const response = await fetch(`http://127.0.0.1:${port}/_connections/other/@connections/x`);

    // Assess
    expect(response.status).toBe(404);
  });
});

describe('Function: isLoopback', () => {
  it('accepts only loopback addresses when the management API checks the caller', () => {
    // Prepare
    const addresses = [
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '::ffff:127.0.0.1',
      '10.0.0.1',
      '::ffff:192.168.1.2',
      undefined,
    ];

    // Act
    const results = addresses.map((address) => isLoopback(address));

    // Assess
    expect(results).toEqual([true, true, true, true, false, false, false]);
  });
});
