import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AdmissionMetrics } from '../../core/ports.js';

/** Namespace, names and the dimension of the admission metrics; the CDK dashboard reads exactly these. */
export const ADMISSION_METRIC_NAMES = {
  namespace: 'untxt',
  /** `Kind` = `sync` | `async`, beside Powertools' own `service` dimension (the function's service name). */
  dimension: 'Kind',
  /** Tasks waiting for capacity. */
  waiting: 'AdmissionWaiting',
  /** Leases held: calls in flight and grants on their way (sync), jobs running (async). */
  held: 'AdmissionHeld',
  /** Textract calls admitted over the last minute. */
  callsPerMinute: 'AdmissionCallsPerMinute',
} as const;

/**
 * Creates the {@link AdmissionMetrics} that write CloudWatch Embedded Metric Format lines to stdout
 * (Lambda's log stream; CloudWatch turns them into metrics, no API call or permission needed).
 *
 * @param serviceName - Powertools' `service` dimension; the function's `POWERTOOLS_SERVICE_NAME`.
 */
export function createEmfAdmissionMetrics(serviceName: string): AdmissionMetrics {
  const names = ADMISSION_METRIC_NAMES;
  return {
    publish(figures) {
      for (const [kind, figure] of Object.entries(figures)) {
        // One EMF line per kind: the dimension differs, so the metrics cannot share a line.
        const metrics = new Metrics({
          namespace: names.namespace,
          serviceName,
          defaultDimensions: { [names.dimension]: kind },
        });
        metrics.addMetric(names.waiting, MetricUnit.Count, figure.waiting);
        metrics.addMetric(names.held, MetricUnit.Count, figure.held);
        metrics.addMetric(names.callsPerMinute, MetricUnit.Count, figure.callsLastMinute);
        metrics.publishStoredMetrics();
      }
    },
  };
}
