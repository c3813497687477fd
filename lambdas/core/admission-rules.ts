/**
 * The rules of admission control in front of Textract, as plain functions: how much capacity is free,
 * how long a throttled task backs off, when the next admission round is worth running. The database
 * side (`database/repositories/admission.ts`) applies them under a lock; the use-cases
 * (`use-cases/admission.ts`) wire them into the workflow. See docs/aws.md, "Admission control".
 */

/** The two kinds of Textract calls untxt makes, each with its own quotas. */
export const ADMISSION_KINDS = ['sync', 'async'] as const;
export type AdmissionKind = (typeof ADMISSION_KINDS)[number];

/**
 * Textract's quotas that admission keeps under. Set them to the account's Service Quotas values
 * (they are per account and region); raising one here without raising it there only turns waiting
 * into throttling, which still slows but no longer fails a task.
 */
export interface TextractQuotas {
  /** `DetectDocumentText` transactions per second (one-page documents). */
  syncTps: number;
  /** `StartDocumentTextDetection` transactions per second (multi-page documents). */
  asyncStartTps: number;
  /** Asynchronous text-detection jobs in progress at once. */
  maxConcurrentJobs: number;
}

/**
 * Textract's default quotas in the regions with the larger defaults (us-east-1, us-west-2,
 * eu-west-1, …): 10 TPS for `DetectDocumentText` and `StartDocumentTextDetection`; 100 concurrent
 * `StartDocumentTextDetection` jobs. Check yours in the Service Quotas console.
 */
export const DEFAULT_TEXTRACT_QUOTAS: TextractQuotas = {
  syncTps: 10,
  asyncStartTps: 10,
  maxConcurrentJobs: 100,
};

export interface AdmissionSettings {
  quotas: TextractQuotas;
  /** A task that waited longer than this fails with `CAPACITY_WAIT_EXCEEDED`. @default 24 hours */
  maxWaitMs: number;
  /**
   * How long a grant holds capacity for the run it starts, before the call. A run that arrives later
   * waits again (nothing is counted twice). @default 60 s
   */
  grantTtlMs: number;
  /** How long a synchronous call's lease lasts if its holder dies (Recognize's timeout is 60 s). @default 90 s */
  syncLeaseMs: number;
  /**
   * How long an asynchronous job's lease lasts if its completion never arrives; the janitor re-drives
   * such a task after 90 minutes and releases the lease then. @default 2 hours
   */
  asyncLeaseMs: number;
  /**
   * The rate window: at most `tps` calls start within any window of this length. A little over one
   * second leaves room for the time between recording a call and Textract receiving it. @default 1,050 ms
   */
  rateWindowMs: number;
  /** Backoff after a throttling error: full jitter over base × 2^(throttles − 1), capped. @default 1 s */
  backoffBaseMs: number;
  /** @default 5 minutes */
  backoffMaxMs: number;
}

export const DEFAULT_ADMISSION_SETTINGS: AdmissionSettings = {
  quotas: DEFAULT_TEXTRACT_QUOTAS,
  maxWaitMs: 24 * 3_600_000,
  grantTtlMs: 60_000,
  syncLeaseMs: 90_000,
  asyncLeaseMs: 2 * 3_600_000,
  rateWindowMs: 1_050,
  backoffBaseMs: 1_000,
  backoffMaxMs: 5 * 60_000,
};

/** The limits of one kind: a rate (calls per window) and a number held at once. */
export interface KindLimits {
  perWindow: number;
  maxHeld: number;
}

export const limitsOf = (quotas: TextractQuotas, kind: AdmissionKind): KindLimits =>
  kind === 'sync'
    ? // A synchronous call holds nothing after it returns: only its rate is limited.
      { perWindow: quotas.syncTps, maxHeld: Number.POSITIVE_INFINITY }
    : { perWindow: quotas.asyncStartTps, maxHeld: quotas.maxConcurrentJobs };

/** What the leases of one kind look like at one instant (one consistent read). */
export interface LeaseCounts {
  /** Leases not released and not expired: granted or called (a call in flight, a job running). */
  held: number;
  /** Calls made within the rate window. */
  recentCalls: number;
  /** Grants not called yet (held, with no call): each will make one call. */
  reserved: number;
}

/**
 * How many more leases of a kind may be granted now. The invariant kept is
 * `recentCalls + reserved ≤ perWindow` and `held ≤ maxHeld`: a grant reserves its call, so however
 * late the run makes it, no window ever holds more than `perWindow` calls.
 */
export const freeCapacity = (counts: LeaseCounts, limits: KindLimits): number =>
  Math.max(
    0,
    Math.min(limits.maxHeld - counts.held, limits.perWindow - counts.recentCalls - counts.reserved),
  );

/**
 * Backoff before a throttled task may be admitted again: "full jitter" (a uniform draw up to an
 * exponentially growing cap), so that tasks throttled together do not come back together.
 *
 * @param throttles - How many times this task was throttled, counting this one (≥ 1).
 * @param random - A number in [0, 1), `Math.random` in production.
 */
export const backoffMs = (
  throttles: number,
  settings: Pick<AdmissionSettings, 'backoffBaseMs' | 'backoffMaxMs'>,
  random: () => number,
): number => {
  const cap = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** Math.max(0, throttles - 1));
  return Math.round(cap * random());
};

/**
 * When an admission round next has something to do, given what it saw: the oldest call leaving the
 * rate window, the first grant or lease running out, the first backoff ending. `undefined` when
 * nothing is waiting.
 */
export const nextRoundAt = (input: {
  waiting: number;
  oldestRecentCall?: Date | null;
  earliestExpiry?: Date | null;
  earliestNotBefore?: Date | null;
  rateWindowMs: number;
}): Date | undefined => {
  if (input.waiting === 0) return undefined;
  const candidates = [
    input.oldestRecentCall ? input.oldestRecentCall.getTime() + input.rateWindowMs : undefined,
    input.earliestExpiry?.getTime(),
    input.earliestNotBefore?.getTime(),
  ].filter((value): value is number => value !== undefined && Number.isFinite(value));
  return candidates.length ? new Date(Math.min(...candidates)) : undefined;
};

/** Textract's names for "too many calls": they slow a task down, never fail it. */
export const THROTTLING_ERRORS = [
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'LimitExceededException',
] as const;

export const isThrottlingError = (error: unknown): boolean =>
  error instanceof Error && (THROTTLING_ERRORS as readonly string[]).includes(error.name);

/** One user's priority as the database orders it (higher first). */
export const priorityRank = (priority: string): number =>
  priority === 'high' ? 2 : priority === 'low' ? 0 : 1;
