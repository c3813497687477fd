/**
 * Small HTTP helpers shared by the local stand-ins (REST gateway, WebSocket management API, auth
 * routes): bounded body reading, client addresses and the header/query maps API Gateway builds.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The request body exceeded the caller's limit; the rest of the body is drained, never buffered. */
export class BodyTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`Request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
    this.limit = limit;
  }
}

/** How much of a refused body is read and thrown away before the connection is cut: 64 MB. */
export const DEFAULT_MAX_DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * Reads the rest of a request body without keeping it, so that an early answer (401, 413) reaches a
 * client that is still sending: closing the socket under it makes the client fail with EPIPE or
 * ECONNRESET before it ever reads the answer. A client that sends more than `maxDrainBytes` after
 * that is cut off; by then it has long had its answer.
 *
 * @param req - The incoming request.
 * @param maxDrainBytes - Bytes read and dropped before the socket is destroyed.
 */
export function discardBody(req: IncomingMessage, maxDrainBytes = DEFAULT_MAX_DRAIN_BYTES): void {
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > maxDrainBytes) req.socket.destroy();
  });
  req.resume();
}

/**
 * Reads the whole request body, refusing more than `maxBytes`.
 *
 * A declared `Content-Length` over the limit fails before reading anything; a body that grows past the
 * limit (chunked uploads) fails as soon as it does. In both cases the rest of the body is read and
 * dropped (up to `maxDrainBytes`, see {@link discardBody}) so the refusal can be answered cleanly.
 *
 * @param req - The incoming request.
 * @param maxBytes - The largest body accepted.
 * @param maxDrainBytes - How much of a refused body is drained before the connection is cut.
 * @returns The body bytes (empty when there is none).
 * @throws {@link BodyTooLargeError} when the body is larger than `maxBytes`.
 */
export function readBody(
  req: IncomingMessage,
  maxBytes: number,
  maxDrainBytes = DEFAULT_MAX_DRAIN_BYTES,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    discardBody(req, maxDrainBytes);
    return Promise.reject(new BodyTooLargeError(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      action();
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (settled) {
        // Draining after a refusal: keep the stream flowing, up to a bound.
        if (size - maxBytes > maxDrainBytes) req.socket.destroy();
        return;
      }
      if (size > maxBytes) {
        chunks.length = 0;
        settle(() => reject(new BodyTooLargeError(maxBytes)));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => settle(() => resolve(Buffer.concat(chunks, size))));
    req.on('error', (error) => settle(() => reject(error)));
    req.on('close', () => settle(() => reject(new Error('Request aborted before its body was complete'))));
  });
}

/** The client's IP as API Gateway reports it (`identity.sourceIp`): IPv4-mapped IPv6 unwrapped. */
export function sourceIpOf(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** `true` for 127.0.0.0/8, `::1` and their IPv4-mapped forms. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}

/**
 * Builds API Gateway's `headers` (last value wins) and `multiValueHeaders` maps from the raw header
 * list, keeping the client's spelling of each name as API Gateway does; repeats that differ only in
 * case share the first spelling.
 *
 * Names are collected in `Map`s and turned into objects with `Object.fromEntries`, which defines each
 * name as an own property: a header called `constructor` or `__proto__` is an ordinary entry, as in
 * the JSON event API Gateway sends, rather than a lookup that lands on `Object.prototype`.
 *
 * @param rawHeaders - `req.rawHeaders` (alternating names and values).
 */
export function headerMaps(rawHeaders: string[]): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  const single = new Map<string, string>();
  const multi = new Map<string, string[]>();
  const spelling = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const rawName = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    const lower = rawName.toLowerCase();
    const name = spelling.get(lower) ?? rawName;
    spelling.set(lower, name);
    single.set(name, value);
    const values = multi.get(name);
    if (values) values.push(value);
    else multi.set(name, [value]);
  }
  return { headers: Object.fromEntries(single), multiValueHeaders: Object.fromEntries(multi) };
}

/**
 * Builds `queryStringParameters` (last value wins) and `multiValueQueryStringParameters`, both `null`
 * when the URL has no query, as API Gateway sends them.
 */
export function queryMaps(search: URLSearchParams): {
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
} {
  // Maps, then own properties: a parameter named `__proto__` or `toString` is just a name (see headerMaps).
  const single = new Map<string, string>();
  const multi = new Map<string, string[]>();
  for (const [name, value] of search) {
    single.set(name, value);
    const values = multi.get(name);
    if (values) values.push(value);
    else multi.set(name, [value]);
  }
  return single.size > 0
    ? {
        queryStringParameters: Object.fromEntries(single),
        multiValueQueryStringParameters: Object.fromEntries(multi),
      }
    : { queryStringParameters: null, multiValueQueryStringParameters: null };
}

/**
 * Parses the request target without letting a `//host/…` path be read as a host name.
 */
export function requestUrl(req: IncomingMessage): URL {
  const target = req.url ?? '/';
  return new URL(target.startsWith('/') ? `http://localhost${target}` : `http://localhost/${target}`);
}

/** Writes a JSON response (unless one was already started). */
export function sendJson(
  res: ServerResponse,
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(statusCode, {
    'Content-Type': 'application/json',
    'Content-Length': String(payload.length),
    ...headers,
  });
  res.end(payload);
}

/** API Gateway's `requestTime`: `09/Apr/2015:12:34:56 +0000`. */
export function formatRequestTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}
