/**
 * The database as Lambda functions reach it: PostgreSQL through RDS Proxy, over TLS, authenticated
 * with short-lived IAM tokens (see the module comment of `../env.ts` for why not a secret).
 */
import { Signer } from '@aws-sdk/rds-signer';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { PoolConfig } from 'pg';
import type { Database } from '../../../database/schema.js';
import { APPLICATION_NAME, pgTypes } from '../../../database/pg-types.js';
import { logger } from '../../shared/logger.js';

export interface ProxyDatabaseSettings {
  /** RDS Proxy endpoint host name. */
  host: string;
  port: number;
  database: string;
  user: string;
  region: string;
  /**
   * Connections per execution environment. A Lambda serves one request at a time, so 1–2 is plenty;
   * RDS Proxy multiplexes them onto few database connections.
   * @default 2
   */
  poolSize?: number;
  /** Supplies the IAM token; injected by tests. @default a `Signer` for host/port/user/region */
  authToken?: () => Promise<string>;
}

/**
 * The `pg` pool settings for RDS Proxy.
 *
 * @param settings - Endpoint, database, user and region.
 * @returns Pool settings whose password is a fresh IAM token per new connection.
 */
export function proxyPoolConfig(settings: ProxyDatabaseSettings): PoolConfig {
  const signer = new Signer({
    hostname: settings.host,
    port: settings.port,
    username: settings.user,
    region: settings.region,
  });
  return {
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    // Called for every new connection: tokens live 15 minutes, connections may live longer (a token
    // is only checked when a connection is opened). Signing is local, no network round trip.
    password: settings.authToken ?? (() => signer.getAuthToken()),
    // IAM authentication requires TLS. RDS Proxy presents an ACM certificate that Node's default
    // trust store verifies, so no RDS CA bundle is shipped and verification stays on.
    ssl: { rejectUnauthorized: true, servername: settings.host },
    max: settings.poolSize ?? 2,
    // Idle connections are kept for the next invocation (timers do not run while the environment is
    // frozen anyway); the proxy closes ones idle beyond its own timeout and the pool replaces them.
    idleTimeoutMillis: 0,
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    application_name: APPLICATION_NAME,
    types: pgTypes,
  };
}

/**
 * Creates the Kysely instance over RDS Proxy. Nothing connects until the first query, and the
 * connection is then reused by every later invocation of the same execution environment.
 *
 * @param settings - See {@link ProxyDatabaseSettings}.
 * @returns The database; call `destroy()` only in scripts and tests.
 */
export function createProxyDatabase(settings: ProxyDatabaseSettings): Kysely<Database> {
  const pool = new pg.Pool(proxyPoolConfig(settings));
  // A connection dropped by the proxy while idle must not crash the process; the pool replaces it.
  pool.on('error', (error) => logger.warn('Idle database connection failed', { error }));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
