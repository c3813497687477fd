/** Import-cost part: the Powertools logger, one instance at import as lambdas/shared/logger.ts makes it. */
import { Logger } from '@aws-lambda-powertools/logger';

const logger = new Logger();

export const handler = async () => logger.info('hello');
