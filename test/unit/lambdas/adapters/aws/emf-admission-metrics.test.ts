import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ADMISSION_METRIC_NAMES,
  createEmfAdmissionMetrics,
} from '../../../../../lambdas/adapters/aws/emf-admission-metrics.js';
import type { AdmissionKindFigures } from '../../../../../database/repositories/admission.js';

const figures = (held: number, waiting: number, callsLastMinute: number): AdmissionKindFigures => ({
  held,
  waiting,
  callsLastMinute,
  waitingAfterThrottle: 0,
  throttledTotal: 0,
  lastThrottledAt: null,
  oldestWaitingSince: null,
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Function: publish', () => {
  it('writes one Embedded Metric Format line per kind, with the Kind and service dimensions', () => {
    // Prepare
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const metrics = createEmfAdmissionMetrics('untxt-dev-admitter');

    // Act
    metrics.publish({ sync: figures(3, 120, 290), async: figures(10, 7, 12) });

    // Assess
    const emf = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(emf).toHaveLength(2);
    for (const [line, kind] of [
      [emf[0]!, 'sync'],
      [emf[1]!, 'async'],
    ] as const) {
      const directive = (line._aws as { CloudWatchMetrics: Array<Record<string, unknown>> })
        .CloudWatchMetrics[0]!;
      expect(directive.Namespace).toBe(ADMISSION_METRIC_NAMES.namespace);
      expect((directive.Dimensions as string[][])[0]!.sort()).toEqual(['Kind', 'service']);
      expect((directive.Metrics as Array<{ Name: string }>).map((m) => m.Name).sort()).toEqual(
        ['AdmissionCallsPerMinute', 'AdmissionHeld', 'AdmissionWaiting'].sort(),
      );
      expect(line).toMatchObject({ Kind: kind, service: 'untxt-dev-admitter' });
    }
    expect(emf[0]).toMatchObject({ AdmissionWaiting: 120, AdmissionHeld: 3, AdmissionCallsPerMinute: 290 });
    expect(emf[1]).toMatchObject({ AdmissionWaiting: 7, AdmissionHeld: 10, AdmissionCallsPerMinute: 12 });
  });
});
