/** Lambda entry: the state machine's `WriteResult` state. */
import { createWorkflowHandlers } from '../workflow/handlers.js';
import { defineEntry } from './shared/define-entry.js';
import { pipelineDepsFrom } from './shared/deps.js';

export const handler = defineEntry(
  'writeResult',
  (config) => createWorkflowHandlers(pipelineDepsFrom(config)).WriteResult,
);
