/** Lambda entry: the scheduled janitor (EventBridge Scheduler / rule; the event is ignored). */
import { runJanitor } from '../core/use-cases/janitor.js';
import { connectionGatewayFrom, databaseFrom, noObjectStore, workflowFrom } from './shared/aws-adapters.js';
import { defineEntry } from './shared/define-entry.js';

export const handler = defineEntry('janitor', (config) => {
  const deps = {
    db: databaseFrom(config),
    objects: noObjectStore('janitor'),
    connections: connectionGatewayFrom(config),
    now: () => new Date(),
    workflow: workflowFrom(config),
  };
  const settings = {
    stuckAfterMs: config.JANITOR_STUCK_AFTER_MINUTES * 60_000,
    maxAttempts: config.JANITOR_MAX_ATTEMPTS,
  };
  return async () => runJanitor(deps, settings);
});
