import type { PipelineDeps } from '../core/deps.js';
import { startAsyncRecognition, type AsyncRecognitionDeps } from '../core/use-cases/async-recognition.js';
import { downloadStep } from '../core/use-cases/download.js';
import { markFailedStep, recognizeStep, writeResultStep } from '../core/use-cases/pipeline.js';
import { workflowStep } from './step.js';

/**
 * Every Lambda task of the state machine, by state name (`lib/workflow/ocr-workflow.asl.json`), for a
 * host that runs them all in one process. The AWS entry files (`lambdas/entry/*`) build one each, so
 * that only `Download` carries the image library.
 */
export const createWorkflowHandlers = (deps: PipelineDeps & AsyncRecognitionDeps) => ({
  Download: workflowStep((input) => downloadStep(deps, input)),
  Recognize: workflowStep((input) => recognizeStep(deps, input)),
  RecognizeAsync: workflowStep((input) => startAsyncRecognition(deps, input)),
  WriteResult: workflowStep((input) => writeResultStep(deps, input)),
  MarkFailed: workflowStep((input) => markFailedStep(deps, input)),
});
