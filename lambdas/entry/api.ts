/** Lambda entry: the REST API (`/api/{proxy+}`). */
import { createApiHandler } from '../api/handler.js';
import {
  connectionGatewayFrom,
  databaseFrom,
  objectStoreFrom,
  queueMonitorFrom,
  workflowFrom,
} from './shared/aws-adapters.js';
import { defineEntry } from './shared/define-entry.js';

export const handler = defineEntry('api', (config) =>
  createApiHandler({
    db: databaseFrom(config),
    objects: objectStoreFrom(config),
    connections: connectionGatewayFrom(config),
    now: () => new Date(),
    workflow: workflowFrom(config),
    queues: queueMonitorFrom(config),
    // No `runningExecutions`: Express workflows cannot be listed; the overview counts `processing` tasks.
    version: config.APP_VERSION,
    admissionQuotas: {
      syncTps: config.TEXTRACT_SYNC_TPS,
      asyncStartTps: config.TEXTRACT_ASYNC_START_TPS,
      maxConcurrentJobs: config.TEXTRACT_MAX_CONCURRENT_JOBS,
    },
  }),
);
