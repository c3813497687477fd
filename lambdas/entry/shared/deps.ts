/** The use-case dependencies each kind of function runs on, from its validated configuration. */
import { SFNClient } from '@aws-sdk/client-sfn';
import type { CoreDeps, PipelineDeps } from '../../core/deps.js';
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

/** Database, bucket and the owner's sockets: what every pipeline function touches. */
export const coreDepsFrom = (config: PipelineConfig): CoreDeps => ({
  db: databaseFrom(config),
  objects: objectStoreFrom(config),
  connections: connectionGatewayFrom(config),
  now: () => new Date(),
});

/** The steps that read text: core plus Textract's synchronous detection and finished jobs' blocks. */
export const pipelineDepsFrom = (config: PipelineConfig): PipelineDeps => {
  const textract = textractFrom(config);
  return {
    ...coreDepsFrom(config),
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
  config: HandOffConfig & Partial<NotificationConfig>,
  sfn: SFNClient = new SFNClient({}),
): AsyncRecognitionDeps => {
  const textract = textractFrom(config);
  return {
    ...coreDepsFrom(config),
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
