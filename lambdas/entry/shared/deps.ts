/** The use-case dependencies each kind of function runs on, from its validated configuration. */
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsAdmissionSignal } from '../../adapters/aws/sqs-admission-signal.js';
import { DEFAULT_ADMISSION_SETTINGS } from '../../core/admission-rules.js';
import type { CoreDeps, PipelineDeps } from '../../core/deps.js';
import type { AdmissionDeps } from '../../core/use-cases/admission.js';
import type { AsyncRecognitionDeps } from '../../core/use-cases/async-recognition.js';
import type { FunctionConfig } from '../env.js';
import {
  connectionGatewayFrom,
  databaseFrom,
  objectStoreFrom,
  textractFrom,
  workflowFrom,
} from './aws-adapters.js';

/** Name stored with each result recognized on AWS. */
export const ENGINE_NAME = 'textract';

type PipelineConfig = FunctionConfig<'download'>;
type AdmissionConfig = Pick<
  FunctionConfig<'admitter'>,
  | 'ADMISSION_QUEUE_URL'
  | 'TEXTRACT_SYNC_TPS'
  | 'TEXTRACT_ASYNC_START_TPS'
  | 'TEXTRACT_MAX_CONCURRENT_JOBS'
  | 'ADMISSION_MAX_WAIT_HOURS'
>;

/** Database, bucket and the owner's sockets: what every pipeline function touches. */
export const coreDepsFrom = (config: PipelineConfig): CoreDeps => ({
  db: databaseFrom(config),
  objects: objectStoreFrom(config),
  connections: connectionGatewayFrom(config),
  now: () => new Date(),
});

/** Core plus admission control: the quotas from the environment, pokes through the admission queue. */
export const admissionDepsFrom = (config: PipelineConfig & AdmissionConfig): AdmissionDeps => ({
  ...coreDepsFrom(config),
  admission: {
    settings: {
      ...DEFAULT_ADMISSION_SETTINGS,
      quotas: {
        syncTps: config.TEXTRACT_SYNC_TPS,
        asyncStartTps: config.TEXTRACT_ASYNC_START_TPS,
        maxConcurrentJobs: config.TEXTRACT_MAX_CONCURRENT_JOBS,
      },
      maxWaitMs: config.ADMISSION_MAX_WAIT_HOURS * 3_600_000,
    },
    signal: createSqsAdmissionSignal({ client: new SQSClient({}), queueUrl: config.ADMISSION_QUEUE_URL }),
  },
});

/**
 * The steps that read text: core and admission plus Textract's synchronous detection and finished
 * jobs' blocks. Functions without admission settings (WriteResult, MarkFailed) never take a lease.
 */
export const pipelineDepsFrom = (config: PipelineConfig & Partial<AdmissionConfig>): PipelineDeps => {
  const textract = textractFrom(config);
  return {
    ...withAdmission(config),
    detector: textract,
    jobs: { get: (jobId) => textract.getTextDetection(jobId) },
    engineName: ENGINE_NAME,
  };
};

type HandOffConfig = PipelineConfig & Pick<FunctionConfig<'textDetectionCompleted'>, 'STATE_MACHINE_ARN'>;
type NotificationConfig = Pick<
  FunctionConfig<'startTextDetection'>,
  'TEXTRACT_SNS_TOPIC_ARN' | 'TEXTRACT_ROLE_ARN'
>;

/**
 * What both halves of the asynchronous recognition run on: the job start (only the starting function
 * knows the notification channel) and the workflow the finished job's task is handed back to.
 */
export const asyncRecognitionDepsFrom = (
  config: HandOffConfig & Partial<NotificationConfig> & Partial<AdmissionConfig>,
  sfn: SFNClient = new SFNClient({}),
): AsyncRecognitionDeps => {
  const textract = textractFrom(config);
  return {
    ...withAdmission(config),
    workflow: workflowFrom(config, sfn),
    jobs: {
      start: async ({ key, taskId, attempt, outputPrefix }) => {
        if (!config.TEXTRACT_SNS_TOPIC_ARN || !config.TEXTRACT_ROLE_ARN) {
          throw new Error('This function has no Textract notification channel to start jobs with');
        }
        return textract.startTextDetection({
          key,
          taskId,
          attempt,
          outputPrefix,
          snsTopicArn: config.TEXTRACT_SNS_TOPIC_ARN,
          roleArn: config.TEXTRACT_ROLE_ARN,
          kmsKeyId: config.KMS_KEY_ID,
        });
      },
    },
  };
};

/** Admission deps when the function is configured for it; otherwise a guard that says which is missing. */
const withAdmission = (config: PipelineConfig & Partial<AdmissionConfig>): AdmissionDeps => {
  if (config.ADMISSION_QUEUE_URL !== undefined)
    return admissionDepsFrom(config as PipelineConfig & AdmissionConfig);
  return {
    ...coreDepsFrom(config),
    admission: {
      settings: DEFAULT_ADMISSION_SETTINGS,
      signal: {
        poke: () => Promise.reject(new Error('This function has no admission queue (ADMISSION_QUEUE_URL)')),
      },
    },
  };
};
