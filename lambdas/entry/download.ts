/** Lambda entry: the state machine's `Download` state. */
import { createWorkflowHandlers } from '../workflow/handlers.js';
import { defineEntry } from './shared/define-entry.js';
import { pipelineDepsFrom } from './shared/deps.js';

export const handler = defineEntry(
  'download',
  (config) => createWorkflowHandlers(pipelineDepsFrom(config)).Download,
);
