/** Lambda entry: the state machine's `Download` state (the only function that carries sharp). */
import { downloadStep } from '../core/use-cases/download.js';
import { workflowStep } from '../workflow/step.js';
import { defineEntry } from './shared/define-entry.js';
import { coreDepsFrom } from './shared/deps.js';

export const handler = defineEntry('download', (config) => {
  const deps = coreDepsFrom(config);
  return workflowStep((input) => downloadStep(deps, input));
});
