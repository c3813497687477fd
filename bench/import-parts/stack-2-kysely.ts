/** Import-cost part, cumulative: the pipeline functions' SDK packages, then kysely and pg. */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { handler as sdk } from './aws-sdk-pipeline.js';

export const handler = async () => (await sdk()) + [Kysely, PostgresDialect, sql, pg.Pool].length;
