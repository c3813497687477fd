/**
 * Lambda entry: subscribed to the Textract notification topic. Each record is one job's completion;
 * the job's task is handed back to the workflow as a new run that goes to `WriteResult`.
 */
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { completeAsyncRecognition, textractCompletion } from '../core/use-cases/async-recognition.js';
import { logger } from '../shared/logger.js';
import { defineEntry } from './shared/define-entry.js';
import { asyncRecognitionDepsFrom } from './shared/deps.js';

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

export const handler = defineEntry('textDetectionCompleted', (config) => {
  const deps = asyncRecognitionDepsFrom(config);
  return middy<SNSEvent, { handedOff: number }>().handler(async (event) => {
    let handedOff = 0;
    for (const record of event.Records) {
      const parsed = textractCompletion.safeParse(parseJson(record.Sns.Message));
      if (!parsed.success) {
        // Not a Textract completion (a test publish, another API on the topic): nothing to hand off.
        logger.warn('Ignoring a message that is not a Textract job completion', {
          messageId: record.Sns.MessageId,
        });
        continue;
      }
      // Errors propagate: the asynchronous invocation is retried, and the job's claim was given back.
      if (await completeAsyncRecognition(deps, parsed.data)) handedOff += 1;
    }
    return { handedOff };
  });
});
