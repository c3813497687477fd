/** Lambda entry: the admission loop (admission-queue messages and a schedule every minute). */
import { createEmfAdmissionMetrics } from '../adapters/aws/emf-admission-metrics.js';
import { createAdmitterHandler } from '../events/admitter.js';
import { defineEntry } from './shared/define-entry.js';
import { admissionDepsFrom } from './shared/deps.js';
import { workflowFrom } from './shared/aws-adapters.js';

export const handler = defineEntry('admitter', (config) =>
  createAdmitterHandler(
    { ...admissionDepsFrom(config), workflow: workflowFrom(config) },
    { metrics: createEmfAdmissionMetrics(config.POWERTOOLS_SERVICE_NAME) },
  ),
);
