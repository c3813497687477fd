import type { FunctionName } from '../../lambdas/entry/env.js';

/**
 * Memory and timeout of every Lambda function, in one table: the stacks size the functions from it
 * and `bench/cost.ts` prices them from it, so the cost model cannot drift from what is deployed.
 */
export interface FunctionSettings {
  /** MB; CPU scales with it (1,769 MB = one vCPU). */
  readonly memorySize: number;
  /** Seconds. */
  readonly timeoutSeconds: number;
  /** One line for the function's description. */
  readonly description: string;
}

export const FUNCTION_SETTINGS = {
  api: { memorySize: 1024, timeoutSeconds: 29, description: 'REST API behind /api/{proxy+}' },
  ws: {
    memorySize: 512,
    timeoutSeconds: 10,
    description: 'WebSocket routes: $connect (verifies ?token=), $disconnect, ping, subscribe, $default',
  },
  dispatcher: {
    memorySize: 512,
    timeoutSeconds: 60,
    description: 'Intake queue consumer: validates uploads and starts executions',
  },
  download: {
    // Inspection decodes only a streamed thumbnail; 1 GB holds a 50 MB upload, its pdf.js copy and a
    // conversion. Below the state's 120 s, inside Express's 5 minutes.
    memorySize: 1024,
    timeoutSeconds: 110,
    description: 'Workflow Download: claims the task, inspects and converts the document',
  },
  recognize: {
    // Waits on DetectDocumentText for most of its run: more memory (and CPU) would not shorten it,
    // and rendering one page is light.
    memorySize: 256,
    timeoutSeconds: 55,
    description: 'Workflow Recognize: DetectDocumentText, then stores the result',
  },
  startTextDetection: {
    memorySize: 256,
    timeoutSeconds: 25,
    description: 'Workflow RecognizeAsync: starts the Textract job',
  },
  textDetectionCompleted: {
    memorySize: 256,
    timeoutSeconds: 30,
    description: 'Textract SNS subscriber: hands the finished job to WriteResult',
  },
  writeResult: {
    // Holds every block of a long document while rendering it.
    memorySize: 1024,
    timeoutSeconds: 230,
    description: 'Workflow WriteResult: collects a finished job, stores the result',
  },
  markFailed: {
    memorySize: 256,
    timeoutSeconds: 25,
    description: 'Workflow MarkFailed: records the error code',
  },
  janitor: {
    memorySize: 512,
    timeoutSeconds: 300,
    description: 'Scheduled: re-drives stuck tasks, purges expired data',
  },
  admitter: {
    // A few small queries per admission round, one StartExecution per admitted task; it loops until
    // nothing waits or its time is nearly up.
    memorySize: 256,
    timeoutSeconds: 60,
    description: 'Admission loop: grants Textract capacity to waiting tasks, fairly, and resumes them',
  },
  dbChange: {
    // One connection lookup and a few PostToConnection calls per change made outside untxt.
    memorySize: 256,
    timeoutSeconds: 15,
    description: 'Task changed outside untxt (invoked by the database): db_change to the owner',
  },
  migrate: {
    memorySize: 512,
    timeoutSeconds: 300,
    description: 'Deploy-time custom resource: applies the kysely migrations',
  },
} as const satisfies Record<FunctionName, FunctionSettings>;

/** SQS visibility timeout ≥ 6 × the consumer's timeout (AWS guidance for Lambda event sources). */
export const INTAKE_VISIBILITY_SECONDS = 6 * FUNCTION_SETTINGS.dispatcher.timeoutSeconds;

/** Receives before a message is dead-lettered. */
export const INTAKE_MAX_RECEIVE_COUNT = 5;

/**
 * The admission queue's visibility timeout: 6 × the admitter's timeout, as for the intake queue. A
 * batch in flight while its invocation runs the loop must not be delivered again meanwhile.
 */
export const ADMISSION_VISIBILITY_SECONDS = 6 * FUNCTION_SETTINGS.admitter.timeoutSeconds;
