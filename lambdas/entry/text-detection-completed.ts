/**
 * Lambda entry: subscribed to the Textract notification topic. Each record is one job's completion;
 * the waiting `RecognizeAsync` state is answered with what the sync `Recognize` state returns.
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
  return middy<SNSEvent, { answered: number }>().handler(async (event) => {
    let answered = 0;
    for (const record of event.Records) {
      const parsed = textractCompletion.safeParse(parseJson(record.Sns.Message));
      if (!parsed.success) {
        // Not a Textract completion (a test publish, another API on the topic): nothing to answer.
        logger.warn('Ignoring a message that is not a Textract job completion', {
          messageId: record.Sns.MessageId,
        });
        continue;
      }
      // Errors propagate: the asynchronous invocation is retried, and the job's claim was given back.
      if (await completeAsyncRecognition(deps, parsed.data)) answered += 1;
    }
    return { answered };
  });
});
