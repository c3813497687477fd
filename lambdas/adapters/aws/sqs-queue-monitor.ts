import { GetQueueAttributesCommand, StartMessageMoveTaskCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepth, QueueMonitor } from '../../core/ports.js';

export interface SqsQueueMonitorSettings {
  client: SQSClient;
  intakeQueueUrl: string;
  /** The redrive destination; StartMessageMoveTask takes ARNs, not URLs. */
  intakeQueueArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
}

/**
 * Creates the {@link QueueMonitor} over the intake queue and its dead-letter queue.
 *
 * @param settings - The SQS client (injected so tests can mock it) and both queues' URL and ARN.
 * @returns A read-only depth view plus the dead-letter redrive.
 */
export function createSqsQueueMonitor(settings: SqsQueueMonitorSettings): QueueMonitor {
  const { client, intakeQueueUrl, intakeQueueArn, deadLetterQueueUrl, deadLetterQueueArn } = settings;

  async function depth(queueUrl: string): Promise<QueueDepth> {
    const output = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: count(output.Attributes?.ApproximateNumberOfMessages),
      inFlight: count(output.Attributes?.ApproximateNumberOfMessagesNotVisible),
    };
  }

  return {
    intakeDepth: () => depth(intakeQueueUrl),
    deadLetterDepth: () => depth(deadLetterQueueUrl),

    async redriveDeadLetters(): Promise<number> {
      // The move task runs asynchronously and reports no count, so the answer is the depth just before.
      const { visible } = await depth(deadLetterQueueUrl);
      await client.send(
        new StartMessageMoveTaskCommand({ SourceArn: deadLetterQueueArn, DestinationArn: intakeQueueArn }),
      );
      return visible;
    },
  };
}

/** SQS returns attribute values as strings. */
function count(value: string | undefined): number {
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? Math.floor(parsed) : 0;
}
