/** Lambda entry: the state machine's `Recognize` state (one page: detect and store the result). */
import { recognizeStep } from '../core/use-cases/pipeline.js';
import { workflowStep } from '../workflow/step.js';
import { defineEntry } from './shared/define-entry.js';
import { pipelineDepsFrom } from './shared/deps.js';

export const handler = defineEntry('recognize', (config) => {
  const deps = pipelineDepsFrom(config);
  return workflowStep((input) => recognizeStep(deps, input));
});
