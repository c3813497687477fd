import middy from '@middy/core';
import type { PipelineDeps } from '../core/deps.js';
import { downloadStep, markFailedStep, recognizeStep, writeResultStep } from '../core/use-cases/pipeline.js';
import { workflowErrors } from '../shared/middleware.js';

const step = <T>(fn: (input: unknown) => Promise<T>) => middy<unknown, T>().use(workflowErrors()).handler(fn);

/** The state machine's Lambda tasks, one per state name in `lib/workflow/ocr-workflow.asl.json`. */
export const createWorkflowHandlers = (deps: PipelineDeps) => ({
  Download: step((input) => downloadStep(deps, input)),
  Recognize: step((input) => recognizeStep(deps, input)),
  WriteResult: step((input) => writeResultStep(deps, input)),
  MarkFailed: step((input) => markFailedStep(deps, input)),
});
