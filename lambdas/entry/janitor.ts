/** Lambda entry: the scheduled janitor (EventBridge Scheduler / rule; the event is ignored). */
import { runJanitor } from '../core/use-cases/janitor.js';
import { workflowFrom } from './shared/aws-adapters.js';
import { defineEntry } from './shared/define-entry.js';
import { coreDepsFrom } from './shared/deps.js';

export const handler = defineEntry('janitor', (config) => {
  const deps = { ...coreDepsFrom(config), workflow: workflowFrom(config) };
  const settings = {
    stuckAfterMs: config.JANITOR_STUCK_AFTER_MINUTES * 60_000,
    maxAttempts: config.JANITOR_MAX_ATTEMPTS,
  };
  return async () => runJanitor(deps, settings);
});
