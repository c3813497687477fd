import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { runAdmissionPump, type PumpDeps, type PumpReport } from '../core/use-cases/admission.js';
import { logger } from '../shared/logger.js';

/** Time left for the function to finish after the loop stops (database writes, the continuation poke). */
const MARGIN_MS = 5_000;

/**
 * The admitter: runs the admission loop until the function's time is nearly up. Its trigger (an
 * admission-queue batch, or the schedule) carries nothing it reads: every poke means "look now".
 */
export const createAdmitterHandler = (deps: PumpDeps, options: { pollMs?: number } = {}) =>
  middy<unknown, PumpReport, Error, Context>().handler(async (_event, context) => {
    const deadline = new Date(
      deps.now().getTime() + Math.max(0, context.getRemainingTimeInMillis() - MARGIN_MS),
    );
    const report = await runAdmissionPump(deps, { deadline, ...options });
    if (report.led) logger.info('Admission loop finished', { ...report });
    return report;
  });
