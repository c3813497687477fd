import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger per process; `POWERTOOLS_LOG_LEVEL` (or `LOG_LEVEL`) sets the level. */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'untxt',
  logLevel: (process.env.POWERTOOLS_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'INFO').toUpperCase() as 'INFO',
});

export type { Logger };
