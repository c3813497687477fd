/** Import-cost part: client-sqs as the queue adapters import it. */
import {
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';

export const handler = async () =>
  [SQSClient, SendMessageCommand, GetQueueAttributesCommand, StartMessageMoveTaskCommand].length;
