import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { admissionFigures } from '../../database/repositories/admission.js';
import { runAdmissionPump, type PumpDeps, type PumpReport } from '../core/use-cases/admission.js';
import type { AdmissionMetrics } from '../core/ports.js';
import { logger } from '../shared/logger.js';

/** Time left for the function to finish after the loop stops (database writes, the continuation poke). */
const MARGIN_MS = 5_000;

export interface AdmitterOptions {
  /** The longest sleep between rounds (tests shorten it). */
  pollMs?: number;
  /**
   * Where the admission figures go after each invocation (the dashboard's metrics on AWS). The
   * schedule invokes the admitter every minute, so they are fresh to the minute.
   */
  metrics?: AdmissionMetrics;
}

/**
 * The admitter: runs the admission loop until the function's time is nearly up. Its trigger (an
 * admission-queue batch, or the schedule) carries nothing it reads: every poke means "look now".
 */
export const createAdmitterHandler = (deps: PumpDeps, options: AdmitterOptions = {}) =>
  middy<unknown, PumpReport, Error, Context>().handler(async (_event, context) => {
    const deadline = new Date(
      deps.now().getTime() + Math.max(0, context.getRemainingTimeInMillis() - MARGIN_MS),
    );
    const report = await runAdmissionPump(deps, { deadline, pollMs: options.pollMs });
    if (report.led) logger.info('Admission loop finished', { ...report });
    options.metrics?.publish(await admissionFigures(deps.db));
    return report;
  });
