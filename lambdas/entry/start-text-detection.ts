/**
 * Lambda entry: the `RecognizeAsync` state. Starts the Textract job, records it and returns; the run
 * ends, and the job's completion hands the task back to the workflow (`text-detection-completed.ts`).
 */
import { startAsyncRecognition } from '../core/use-cases/async-recognition.js';
import { workflowStep } from '../workflow/step.js';
import { defineEntry } from './shared/define-entry.js';
import { asyncRecognitionDepsFrom } from './shared/deps.js';

export const handler = defineEntry('startTextDetection', (config) => {
  const deps = asyncRecognitionDepsFrom(config);
  // Thrown errors keep their names (ThrottlingException, …): the state's Retry/Catch apply to them.
  return workflowStep((input) => startAsyncRecognition(deps, input));
});
