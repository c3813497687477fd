/**
 * Lambda entry: invoked by the database itself, asynchronously (RDS `aws_lambda` extension,
 * `'Event'`), when a task changes outside untxt (an `UPDATE` in psql, a BI tool). The event is the
 * task-change trigger's JSON payload; the owner's sockets get `db_change`.
 */
import { announceDbChange, taskChangeEvent } from '../core/use-cases/db-change.js';
import { logger } from '../shared/logger.js';
import { connectionGatewayFrom, databaseFrom } from './shared/aws-adapters.js';
import { defineEntry } from './shared/define-entry.js';

export const handler = defineEntry('dbChange', (config) => {
  const deps = { db: databaseFrom(config), connections: connectionGatewayFrom(config) };
  return async (event: unknown): Promise<{ delivered: number }> => {
    const parsed = taskChangeEvent.safeParse(event);
    if (!parsed.success) {
      // Not the trigger's payload (a test invoke from the console, say): a retry would not change it.
      logger.warn('Ignoring an event that is not a task change', {
        issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      });
      return { delivered: 0 };
    }
    const delivered = await announceDbChange(deps, parsed.data);
    logger.info('Task change pushed', { taskId: parsed.data.recordId, delivered });
    return { delivered };
  };
});
