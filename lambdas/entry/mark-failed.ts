/** Lambda entry: the state machine's `MarkFailed` state (the Catch target). */
import { markFailedStep } from '../core/use-cases/pipeline.js';
import { workflowStep } from '../workflow/step.js';
import { defineEntry } from './shared/define-entry.js';
import { coreDepsFrom } from './shared/deps.js';

export const handler = defineEntry('markFailed', (config) => {
  const deps = coreDepsFrom(config);
  return workflowStep((input) => markFailedStep(deps, input));
});
