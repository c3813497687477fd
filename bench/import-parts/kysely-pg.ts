/** Import-cost part: kysely over pg, as the proxy database builds it. */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';

export const handler = async () => [Kysely, PostgresDialect, sql, pg.Pool].length;
