/** Lambda entry: the state machine's `MarkFailed` state. */
import { createWorkflowHandlers } from '../workflow/handlers.js';
import { defineEntry } from './shared/define-entry.js';
import { pipelineDepsFrom } from './shared/deps.js';

export const handler = defineEntry(
  'markFailed',
  (config) => createWorkflowHandlers(pipelineDepsFrom(config)).MarkFailed,
);
