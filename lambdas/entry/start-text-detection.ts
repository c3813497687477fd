/**
 * Lambda entry: the `RecognizeAsync` state (`lambda:invoke.waitForTaskToken`, payload
 * `{ input, taskToken }`). Starts the Textract job and returns; the state waits for the completion.
 */
import middy from '@middy/core';
import { startAsyncRecognition } from '../core/use-cases/async-recognition.js';
import { workflowErrors } from '../shared/middleware.js';
import { defineEntry } from './shared/define-entry.js';
import { asyncRecognitionDepsFrom } from './shared/deps.js';

export const handler = defineEntry('startTextDetection', (config) => {
  const deps = asyncRecognitionDepsFrom(config);
  // Thrown errors keep their names (ThrottlingException, …): the invoke fails with that name and the
  // state's Retry/Catch apply to it.
  return middy<unknown, unknown>()
    .use(workflowErrors())
    .handler((event) => startAsyncRecognition(deps, event));
});
