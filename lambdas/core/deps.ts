import type { Kysely } from 'kysely';
import type { Database } from '../../database/schema.js';
import type { TextractQuotas } from './admission-rules.js';
import type { AdmissionDeps } from './use-cases/admission.js';
import type {
  ConnectionGateway,
  ObjectStore,
  QueueMonitor,
  TextDetectionJobs,
  TextDetector,
  TokenVerifier,
  Workflow,
} from './ports.js';

/** What the use-cases run on. Each host (AWS, local) builds one of these at start. */
export interface CoreDeps {
  db: Kysely<Database>;
  objects: ObjectStore;
  connections: ConnectionGateway;
  now: () => Date;
}

export interface ApiDeps extends CoreDeps {
  workflow: Workflow;
  /** Admin overview; absent where the host has no queue to look at. */
  queues?: QueueMonitor;
  /**
   * Executions currently running, for the admin overview; absent where the workflow cannot list them
   * (Express workflows on AWS), and the overview counts tasks in `processing` instead.
   */
  runningExecutions?: () => Promise<number>;
  version: string;
  /** The Textract quotas admission control keeps under, shown in the admin overview. */
  admissionQuotas?: TextractQuotas;
}

export interface DispatchDeps extends CoreDeps {
  workflow: Workflow;
}

export interface PipelineDeps extends AdmissionDeps {
  detector: TextDetector;
  /** Blocks of finished asynchronous jobs, for `WriteResult`. */
  jobs: Pick<TextDetectionJobs, 'get'>;
  /** Name stored with each result, e.g. `textract` or `tesseract.js`. */
  engineName: string;
}

export interface ConnectionDeps extends CoreDeps {
  verifier: TokenVerifier;
}
