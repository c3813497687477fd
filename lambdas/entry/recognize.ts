/** Lambda entry: the state machine's `Recognize` state. */
import { createWorkflowHandlers } from '../workflow/handlers.js';
import { defineEntry } from './shared/define-entry.js';
import { pipelineDepsFrom } from './shared/deps.js';

export const handler = defineEntry(
  'recognize',
  (config) => createWorkflowHandlers(pipelineDepsFrom(config)).Recognize,
);
