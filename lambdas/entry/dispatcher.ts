/** Lambda entry: the intake queue's consumer (S3 ObjectCreated → task queued → execution started). */
import { createDispatcherHandler } from '../events/dispatcher.js';
import { workflowFrom } from './shared/aws-adapters.js';
import { defineEntry } from './shared/define-entry.js';
import { coreDepsFrom } from './shared/deps.js';

export const handler = defineEntry('dispatcher', (config) =>
  createDispatcherHandler({ ...coreDepsFrom(config), workflow: workflowFrom(config) }),
);
