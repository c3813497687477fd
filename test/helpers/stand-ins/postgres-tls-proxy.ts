/**
 * An RDS Proxy stand-in in front of a plain PostgreSQL server: it requires TLS (answers the client's
 * SSLRequest with 'S' and terminates TLS with a test certificate), asks for a cleartext password as
 * RDS Proxy does for IAM authentication, checks that the password is an RDS IAM token (a SigV4
 * presigned `connect` URL for the proxy's host, port and user), then logs in upstream as the
 * server's own user, as the proxy does with its secret, and relays bytes both ways. The server
 * behind it may have TLS off and trust authentication: the code under test still has to do TLS
 * with verification and sign a token.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { TlsCertificate } from './tls-certificate.js';

/** PostgreSQL protocol codes (protocol version 3.0, SSLRequest, GSSENCRequest). */
const PROTOCOL_3 = 196_608;
const SSL_REQUEST = 80_877_103;
const GSSENC_REQUEST = 80_877_104;

export interface PostgresTlsProxySettings {
  certificate: TlsCertificate;
  /** What clients must ask for: the names in the functions' environment. */
  expect: { host: string; user: string; database: string };
  /** The real server and whom to log in as there. */
  upstream: { host: string; port: number; user: string; database: string };
}

export interface PostgresTlsProxy {
  port: number;
  /** Sessions that completed TLS and presented a valid IAM token. */
  readonly authenticated: number;
  /** Why refused sessions were refused. */
  readonly refusals: string[];
  close(): Promise<void>;
}

/** Reads exact byte counts from a socket that delivers chunks. */
const reader = (socket: Socket | TLSSocket) => {
  let buffered = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    waiting?.();
  };
  socket.on('data', onData);
  socket.on('close', () => waiting?.());
  return {
    async read(length: number): Promise<Buffer> {
      while (buffered.length < length) {
        if (socket.destroyed) throw new Error('client went away');
        await new Promise<void>((resolve) => (waiting = resolve));
      }
      const out = buffered.subarray(0, length);
      buffered = buffered.subarray(length);
      return out;
    },
    /** Stops reading and hands back what arrived beyond the last read. */
    detach(): Buffer {
      socket.off('data', onData);
      return buffered;
    },
  };
};

const errorResponse = (code: string, message: string): Buffer => {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
};

const startupMessage = (parameters: Record<string, string>): Buffer => {
  const body = Buffer.from(
    `${Object.entries(parameters)
      .map(([key, value]) => `${key}\0${value}\0`)
      .join('')}\0`,
    'utf8',
  );
  const header = Buffer.alloc(8);
  header.writeInt32BE(body.length + 8, 0);
  header.writeInt32BE(PROTOCOL_3, 4);
  return Buffer.concat([header, body]);
};

/** What is wrong with `token` as an RDS IAM token for `host:port` and `user`, or `undefined`. */
const tokenProblem = (token: string, host: string, port: number, user: string): string | undefined => {
  let url: URL;
  try {
    url = new URL(`https://${token}`);
  } catch {
    return 'the password is not an IAM token';
  }
  const query = url.searchParams;
  if (`${url.hostname}:${url.port}` !== `${host}:${port}`) return `the token is for ${url.host}`;
  if (query.get('Action') !== 'connect') return 'the token is not for Action=connect';
  if (query.get('DBUser') !== user) return `the token is for user ${query.get('DBUser')}`;
  if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || !query.get('X-Amz-Signature'))
    return 'the token is not SigV4-signed';
  if (!/\/rds-db\/aws4_request$/.test(query.get('X-Amz-Credential') ?? ''))
    return 'the token is not signed for rds-db';
  return undefined;
};

/**
 * Starts the proxy on a free loopback port.
 *
 * @param settings - Certificate, the names clients must use, and the server behind.
 * @returns The proxy's port and what it saw.
 */
export async function startPostgresTlsProxy(settings: PostgresTlsProxySettings): Promise<PostgresTlsProxy> {
  const { certificate, expect, upstream } = settings;
  const refusals: string[] = [];
  let authenticated = 0;
  let port = 0;
  const sockets = new Set<Socket>();

  const refuse = (socket: Socket | TLSSocket, code: string, reason: string) => {
    refusals.push(reason);
    socket.end(errorResponse(code, `untxt test proxy: ${reason}`));
  };

  const serve = async (plain: Socket): Promise<void> => {
    const first = reader(plain);
    let header = await first.read(8);
    if (header.readInt32BE(4) === GSSENC_REQUEST) {
      plain.write('N');
      header = await first.read(8);
    }
    if (header.readInt32BE(0) !== 8 || header.readInt32BE(4) !== SSL_REQUEST)
      return refuse(plain, '28000', 'TLS is required (no SSLRequest)');
    first.detach();
    plain.write('S');
    const tls = new TLSSocket(plain, { isServer: true, key: certificate.key, cert: certificate.cert });
    tls.on('error', () => tls.destroy());
    const client = reader(tls);
    const length = (await client.read(4)).readInt32BE(0);
    const body = await client.read(length - 4);
    const fields = body.subarray(4).toString('utf8').split('\0');
    const parameters: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length && fields[i]; i += 2) parameters[fields[i]!] = fields[i + 1]!;
    if (parameters.user !== expect.user || parameters.database !== expect.database)
      return refuse(tls, '28000', `unexpected user ${parameters.user} or database ${parameters.database}`);

    // AuthenticationCleartextPassword: the IAM token arrives as the password, inside TLS.
    tls.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
    const [type, ...rest] = await client.read(5);
    if (type !== 0x70) return refuse(tls, '08P01', 'expected a password message');
    const passwordLength = Buffer.from(rest).readInt32BE(0);
    const token = (await client.read(passwordLength - 4)).toString('utf8').replace(/\0$/, '');
    const problem = tokenProblem(token, expect.host, port, expect.user);
    if (problem) return refuse(tls, '28P01', problem);
    authenticated += 1;

    const server = createConnection({ host: upstream.host, port: upstream.port });
    server.on('error', () => tls.destroy());
    tls.on('close', () => server.destroy());
    server.on('close', () => tls.destroy());
    server.write(startupMessage({ ...parameters, user: upstream.user, database: upstream.database }));
    const early = client.detach();
    if (early.length > 0) server.write(early);
    // The server answers AuthenticationOk (trust) and the rest of the start-up, which the client
    // now expects: from here on the proxy only relays.
    tls.pipe(server);
    server.pipe(tls);
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    serve(socket).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;

  return {
    port,
    get authenticated() {
      return authenticated;
    },
    refusals,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
