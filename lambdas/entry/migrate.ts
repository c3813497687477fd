/**
 * Lambda entry: the database migrations as a CloudFormation custom resource, behind the CDK
 * `Provider` framework (this is its `onEvent`; no `isComplete`: migrations finish within the call).
 *
 * Create and Update apply pending migrations, then name the `dbChange` function in the database
 * setting the task-change trigger reads (`ALTER DATABASE … SET untxt.change_function_arn`) and
 * install the `aws_lambda` extension where RDS offers it. Delete does nothing (tearing the stack down
 * must never drop data — the database has its own removal policy; a setting naming a deleted
 * function only makes outside writes log a warning). The physical id is fixed so an Update never
 * looks like a replacement to CloudFormation. To run on every deploy that adds a migration or
 * replaces the function, give the resource properties that change with them (a fingerprint of the
 * migrations, the function's ARN).
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { configureChangeFunction } from '../../database/change-function.js';
import { migrateToLatest } from '../../database/migrate.js';
import { migrations } from '../../database/migrations/index.js';
import { logger } from '../shared/logger.js';
import { databaseFrom } from './shared/aws-adapters.js';
import { defineEntry } from './shared/define-entry.js';

/** The one physical id of the migrations resource. */
export const MIGRATIONS_RESOURCE_ID = 'untxt-database-migrations';

/** What the Provider framework expects back from `onEvent`. */
export interface MigrateResponse {
  PhysicalResourceId: string;
  /** Readable with `getAttString('Applied' | 'Latest')`; values are strings. */
  Data?: { Applied: string; Latest: string };
}

export const handler = defineEntry('migrate', (config) => {
  const db = databaseFrom(config);
  return async (event: CloudFormationCustomResourceEvent): Promise<MigrateResponse> => {
    if (event.RequestType === 'Delete') {
      logger.info('Migrations resource deleted; the database is left as it is');
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    const applied = await migrateToLatest(db);
    logger.info('Migrations applied', { requestType: event.RequestType, applied });
    const setup = await configureChangeFunction(db, config.DB_CHANGE_FUNCTION_ARN);
    logger.info('Change function named', { functionArn: config.DB_CHANGE_FUNCTION_ARN, ...setup });
    return {
      PhysicalResourceId: MIGRATIONS_RESOURCE_ID,
      Data: { Applied: applied.join(','), Latest: Object.keys(migrations).sort().at(-1) ?? '' },
    };
  };
});
