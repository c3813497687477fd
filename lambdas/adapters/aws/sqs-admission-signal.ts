import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AdmissionSignal } from '../../core/ports.js';

export interface SqsAdmissionSignalSettings {
  client: SQSClient;
  /** The admission queue; its messages invoke the `admitter` function. */
  queueUrl: string;
}

/**
 * Creates the {@link AdmissionSignal} over the admission queue: one small message per poke. The body
 * only says why (for the logs); the admitter reads the state from the database.
 *
 * @param settings - The SQS client (injected so tests can mock it) and the queue's URL.
 */
export function createSqsAdmissionSignal(settings: SqsAdmissionSignalSettings): AdmissionSignal {
  return {
    async poke(reason) {
      await settings.client.send(
        new SendMessageCommand({ QueueUrl: settings.queueUrl, MessageBody: JSON.stringify({ reason }) }),
      );
    },
  };
}
