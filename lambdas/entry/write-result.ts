/** Lambda entry: the state machine's `WriteResult` state (a finished job's blocks → the result). */
import { writeResultStep } from '../core/use-cases/pipeline.js';
import { workflowStep } from '../workflow/step.js';
import { defineEntry } from './shared/define-entry.js';
import { pipelineDepsFrom } from './shared/deps.js';

export const handler = defineEntry('writeResult', (config) => {
  const deps = pipelineDepsFrom(config);
  return workflowStep((input) => writeResultStep(deps, input));
});
