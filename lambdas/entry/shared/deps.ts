/** The use-case dependencies each kind of function runs on, from its validated configuration. */
import { SFNClient } from '@aws-sdk/client-sfn';
import { sendTaskFailure, sendTaskSuccess } from '../../adapters/aws/sfn-workflow.js';
import type { CoreDeps, PipelineDeps } from '../../core/deps.js';
import type { AsyncRecognitionDeps } from '../../core/use-cases/async-recognition.js';
import type { FunctionConfig } from '../env.js';
import { connectionGatewayFrom, databaseFrom, objectStoreFrom, textractFrom } from './aws-adapters.js';

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

/** The state machine's Lambda steps: core plus Textract's synchronous detection. */
export const pipelineDepsFrom = (config: PipelineConfig): PipelineDeps => ({
  ...coreDepsFrom(config),
  detector: textractFrom(config),
  engineName: ENGINE_NAME,
});

type NotificationConfig = Pick<
  FunctionConfig<'startTextDetection'>,
  'TEXTRACT_SNS_TOPIC_ARN' | 'TEXTRACT_ROLE_ARN'
>;

/**
 * What both halves of the asynchronous recognition run on. Only the starting function knows the
 * notification channel; the completing one never starts a job.
 */
export const asyncRecognitionDepsFrom = (
  config: PipelineConfig & Partial<NotificationConfig>,
  sfn: SFNClient = new SFNClient({}),
): AsyncRecognitionDeps => {
  const textract = textractFrom(config);
  return {
    ...coreDepsFrom(config),
    engineName: ENGINE_NAME,
    textract: {
      startTextDetection: async ({ key, taskId, attempt, outputPrefix }) => {
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
      getTextDetection: (jobId) => textract.getTextDetection(jobId),
    },
    callbacks: {
      succeed: (taskToken, output) => sendTaskSuccess(sfn, taskToken, output),
      fail: (taskToken, error, cause) => sendTaskFailure(sfn, taskToken, error, cause),
    },
  };
};
