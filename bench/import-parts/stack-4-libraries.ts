/** Import-cost part, cumulative: the pipeline functions' SDK packages, kysely and pg, zod, the Powertools logger and middy: every library a pipeline function imports, without untxt's code. */
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { handler as previous } from './stack-3-zod.js';

const logger = new Logger();

export const handler = middy().handler(async (event: unknown) => {
  logger.info('hello');
  return previous(event);
});
