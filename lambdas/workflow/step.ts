import middy from '@middy/core';
import { workflowErrors } from '../shared/middleware.js';

/** A state machine Lambda task: the step's errors reach Step Functions by name (see `workflowErrors`). */
export const workflowStep = <T>(fn: (input: unknown) => Promise<T>) =>
  middy<unknown, T>().use(workflowErrors()).handler(fn);
