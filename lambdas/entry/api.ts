/** Lambda entry: the REST API (`/api/{proxy+}`). */
import { SFNClient } from '@aws-sdk/client-sfn';
import { createApiHandler } from '../api/handler.js';
import {
  connectionGatewayFrom,
  databaseFrom,
  objectStoreFrom,
  queueMonitorFrom,
  runningExecutionsFrom,
  workflowFrom,
} from './shared/aws-adapters.js';
import { defineEntry } from './shared/define-entry.js';

export const handler = defineEntry('api', (config) => {
  const sfn = new SFNClient({});
  return createApiHandler({
    db: databaseFrom(config),
    objects: objectStoreFrom(config),
    connections: connectionGatewayFrom(config),
    now: () => new Date(),
    workflow: workflowFrom(config, sfn),
    queues: queueMonitorFrom(config),
    runningExecutions: runningExecutionsFrom(config, sfn),
    version: config.APP_VERSION,
  });
});
