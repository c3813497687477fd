import pg from 'pg';
import type { PoolConfig } from 'pg';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

const parseNullableNumber = (value: string | null): number | null => (value === null ? null : Number(value));

/**
 * Type parsers for every `pg` pool untxt opens (local `DATABASE_URL` and RDS Proxy on AWS). Counts are
 * int8 and sums numeric; the repositories expect JS numbers for both, which fit here. Per pool, never
 * `pg.types.setTypeParser`: the global registry would change every other `pg` user in the process.
 */
export const pgTypes: NonNullable<PoolConfig['types']> = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if ((oid === INT8_OID || oid === NUMERIC_OID) && format !== 'binary') return parseNullableNumber;
    return pg.types.getTypeParser(oid, format);
  }) as NonNullable<PoolConfig['types']>['getTypeParser'],
};

/**
 * `application_name` of every connection untxt opens. The task-change trigger reports it, so
 * listeners can tell untxt's own writes (already pushed as `task_update`) from anyone else's.
 */
export const APPLICATION_NAME = 'untxt';
