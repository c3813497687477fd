import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  DEFAULT_TEXTRACT_QUOTAS,
  freeCapacity,
  isThrottlingError,
  limitsOf,
  nextRoundAt,
  priorityRank,
} from '../../../../lambdas/core/admission-rules.js';

describe('Function: freeCapacity', () => {
  const limits = { perWindow: 5, maxHeld: 10 };

  it('counts reserved grants against the rate, so a late call cannot overfill a window', () => {
    // Prepare: 3 calls in the window and 2 grants on their way
    const counts = { held: 5, recentCalls: 3, reserved: 2 };

    // Act
    const free = freeCapacity(counts, limits);

    // Assess
    expect(free).toBe(0);
  });

  it('is bounded by what may be held at once', () => {
    expect(freeCapacity({ held: 9, recentCalls: 0, reserved: 0 }, limits)).toBe(1);
  });

  it('never goes below zero when more is in use than the limits allow (quotas lowered)', () => {
    expect(freeCapacity({ held: 20, recentCalls: 9, reserved: 3 }, limits)).toBe(0);
  });

  it('limits synchronous calls by their rate only', () => {
    const sync = limitsOf(DEFAULT_TEXTRACT_QUOTAS, 'sync');
    expect(freeCapacity({ held: 1_000, recentCalls: 4, reserved: 0 }, sync)).toBe(
      DEFAULT_TEXTRACT_QUOTAS.syncTps - 4,
    );
  });

  it('limits asynchronous jobs by start rate and concurrent jobs', () => {
    const quotas = { syncTps: 1, asyncStartTps: 2, maxConcurrentJobs: 3 };
    expect(limitsOf(quotas, 'async')).toEqual({ perWindow: 2, maxHeld: 3 });
  });
});

describe('Function: backoffMs', () => {
  const settings = { backoffBaseMs: 1_000, backoffMaxMs: 60_000 };

  it('draws up to a cap that doubles with each throttle', () => {
    expect(backoffMs(1, settings, () => 0.999_999)).toBe(1_000);
    expect(backoffMs(3, settings, () => 0.999_999)).toBe(4_000);
    expect(backoffMs(3, settings, () => 0.5)).toBe(2_000);
  });

  it('never waits longer than the maximum', () => {
    expect(backoffMs(40, settings, () => 0.999_999)).toBe(60_000);
  });

  it('may come back at once (full jitter spreads tasks throttled together)', () => {
    expect(backoffMs(5, settings, () => 0)).toBe(0);
  });
});

describe('Function: nextRoundAt', () => {
  const at = (ms: number) => new Date(ms);

  it('is when the oldest call leaves the rate window, if that comes first', () => {
    const next = nextRoundAt({
      waiting: 3,
      oldestRecentCall: at(10_000),
      earliestExpiry: at(70_000),
      earliestNotBefore: null,
      rateWindowMs: 1_050,
    });
    expect(next).toEqual(at(11_050));
  });

  it('is when a backoff ends, if that comes first', () => {
    const next = nextRoundAt({
      waiting: 1,
      oldestRecentCall: at(10_000),
      earliestNotBefore: at(10_500),
      rateWindowMs: 1_050,
    });
    expect(next).toEqual(at(10_500));
  });

  it('is undefined when nothing waits', () => {
    expect(nextRoundAt({ waiting: 0, oldestRecentCall: at(1), rateWindowMs: 1_000 })).toBeUndefined();
  });

  it('is undefined when only a freed job slot can help (its release wakes the loop)', () => {
    expect(nextRoundAt({ waiting: 4, rateWindowMs: 1_000 })).toBeUndefined();
  });
});

describe('Function: isThrottlingError', () => {
  it.each(['ProvisionedThroughputExceededException', 'ThrottlingException', 'LimitExceededException'])(
    'recognizes %s',
    (name) => {
      expect(isThrottlingError(Object.assign(new Error('x'), { name }))).toBe(true);
    },
  );

  it.each(['InternalServerError', 'BadDocumentException', 'Error'])(
    'does not take %s for throttling',
    (name) => {
      expect(isThrottlingError(Object.assign(new Error('x'), { name }))).toBe(false);
    },
  );

  it('does not take a non-error for throttling', () => {
    expect(isThrottlingError({ name: 'ThrottlingException' })).toBe(false);
  });
});

describe('Function: priorityRank', () => {
  it('orders high before normal before low', () => {
    expect([priorityRank('low'), priorityRank('normal'), priorityRank('high')]).toEqual([0, 1, 2]);
  });
});
