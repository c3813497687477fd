/**
 * The cost model behind `npm run cost`: list prices (us-east-1, on-demand, after free tiers), the
 * stack's real memory/architecture settings, and per-document activity. Durations and request
 * counts are assumptions, stated here, to be replaced by measured values once the stack runs (the
 * Lambda REPORT lines and the S3/API Gateway metrics give them).
 */
import { join } from 'node:path';
import type { FunctionName } from '../lambdas/entry/env.js';
import { ENTRY_FILES } from '../lambdas/entry/env.js';
import { FUNCTION_SETTINGS } from '../lib/config/function-settings.js';
import { moduleGraphImports } from '../lib/config/module-graph.js';
import { STAGE_CONFIGS } from '../lib/config/stage-config.js';
import { PROJECT_ROOT } from '../lib/constructs/untxt-function.js';
import type { WorkflowPath } from './cost-transitions.js';

/** USD list prices, us-east-1. */
export const PRICES = {
  textractPage: 1.5 / 1000,
  sfnStandardTransition: 0.025 / 1000,
  sfnExpressRequest: 1 / 1_000_000,
  /** Express duration, per GB-second, billed in 64 MB / 100 ms steps. */
  sfnExpressGbSecond: 0.00001667,
  lambdaRequest: 0.2 / 1_000_000,
  lambdaGbSecondArm: 0.0000133334,
  lambdaGbSecondX86: 0.0000166667,
  sqsRequest: 0.4 / 1_000_000,
  s3Put: 0.005 / 1000,
  s3Get: 0.0004 / 1000,
  kmsRequest: 0.03 / 10_000,
  restApiRequest: 3.5 / 1_000_000,
  websocketMessage: 1 / 1_000_000,
  snsPublish: 0.5 / 1_000_000,
  logsIngestGb: 0.5,
  xrayTrace: 5 / 1_000_000,
} as const;

/** Fixed monthly prices (730 h). */
export const MONTHLY = {
  hours: 730,
  rdsHour: { 't4g.micro': 0.016, 'm7g.large': 0.168 } as Record<string, number>,
  rdsGp3GbMonth: 0.115,
  proxyVcpuHour: 0.015,
  /** RDS Proxy bills the instance's vCPUs, minimum 2. */
  instanceVcpus: { 't4g.micro': 2, 'm7g.large': 2 } as Record<string, number>,
  natHour: 0.045,
  natGb: 0.045,
  interfaceEndpointAzHour: 0.01,
  kmsKey: 1,
  secret: 0.4,
  alarm: 0.1,
  dashboard: 3,
} as const;

/** How long each function runs per invocation, in ms (assumed; see the module comment). */
export type Durations = Partial<Record<FunctionName, number>>;

/**
 * One Lambda invocation per document, or a document's share of one that serves many (`count` < 1,
 * e.g. the admission loop serving a whole burst).
 */
export interface Invocation {
  fn: FunctionName;
  ms: number;
  /** Invocations per document. @default 1 */
  count?: number;
}

export interface DocumentProfile {
  name: string;
  pages: number;
  /** The path through the definition (bench/cost-transitions.ts). */
  path: Exclude<WorkflowPath, 'failed'>;
  /** Lambda invocations and their durations. */
  invocations: Invocation[];
  s3Puts: number;
  s3Gets: number;
  sqsRequests: number;
  restRequests: number;
  websocketMessages: number;
  snsPublishes: number;
  /** KB of CloudWatch Logs per document, besides the state machine's. */
  logKb: number;
  /**
   * KB per document through the NAT gateway (data processing is billed per GB): Textract's JSON
   * answers, pushes to the WebSocket API. Document bytes go through the free S3 gateway endpoint.
   */
  natKb: number;
  /** X-Ray traces recorded per document (after sampling). */
  traces: number;
}

/**
 * A single-page image: POST /api/tasks, upload, dispatch, Download → Recognize (detect and store in
 * one step), the owner fetching the result once and the list refreshing once.
 */
export const SINGLE_PAGE: DocumentProfile = {
  name: '1-page image',
  pages: 1,
  path: 'sync',
  invocations: [
    { fn: 'api', ms: 150 }, // POST /api/tasks
    { fn: 'dispatcher', ms: 120 },
    { fn: 'download', ms: 300 }, // claim, head + get, sharp header + thumbnail decode, file row, push
    // Mostly waiting on DetectDocumentText; then render, 3 PUTs, result row, push. Admission adds
    // ~5 ms when nothing waits: ~3 small queries (lock the kind, count leases, insert the lease) before
    // the call and one (release) after.
    { fn: 'recognize', ms: 1700 + 5 },
    { fn: 'api', ms: 80 }, // GET /api/tasks/{id}/result
    { fn: 'api', ms: 100 }, // GET /api/tasks (list refresh)
  ],
  // upload POST, txt, html, json
  s3Puts: 4,
  // dispatcher head + range, download head + get, Textract get, owner download
  s3Gets: 6,
  sqsRequests: 3, // S3 send, receive, delete
  restRequests: 3,
  websocketMessages: 3, // queued, processing, completed
  snsPublishes: 0,
  logKb: 6 * 1.5 + 3 * 0.7, // ~1.5 KB per invocation (JSON lines + REPORT), 0.7 KB per access-log line
  natKb: 80, // a dense page's DetectDocumentText answer is 50–80 KB of JSON
  traces: (3 + 1) * 0.05, // API + pipeline traces at 5 % sampling
};

/**
 * A ten-page PDF: Download → RecognizeAsync starts the Textract job and the run ends; the job's
 * completion (SNS) hands the task to a second run, Route → WriteResult.
 */
export const TEN_PAGES: DocumentProfile = {
  name: '10-page PDF',
  pages: 10,
  path: 'async',
  invocations: [
    { fn: 'api', ms: 150 },
    { fn: 'dispatcher', ms: 120 },
    { fn: 'download', ms: 900 }, // pdf.js walks the page tree
    { fn: 'startTextDetection', ms: 250 },
    { fn: 'textDetectionCompleted', ms: 150 }, // job row + StartExecution
    { fn: 'writeResult', ms: 900 }, // ~4 GetDocumentTextDetection pages, render, 3 PUTs
    { fn: 'api', ms: 80 },
    { fn: 'api', ms: 100 },
  ],
  // upload, Textract output (~2 objects), txt, html, json
  s3Puts: 6,
  // dispatcher head + range, download head + get, Textract get, owner download
  s3Gets: 6,
  sqsRequests: 3,
  restRequests: 3,
  websocketMessages: 4, // queued, processing, recognizing (n pages), completed
  snsPublishes: 1,
  logKb: 8 * 1.5 + 3 * 0.7,
  natKb: 700, // GetDocumentTextDetection pages
  traces: (3 + 2) * 0.05,
};

/** Textract's synchronous quota the burst drains at (the deployed stages' `textractQuotas.syncTps`). */
const BURST_TPS = STAGE_CONFIGS.prod.textractQuotas.syncTps;

/** Documents in the burst, and how long the admission loop runs to admit them all. */
export const BURST = { documents: 1000, loopSeconds: 1000 / BURST_TPS } as const;

/**
 * A one-page image that had to wait for Textract capacity (a burst: every task waited), on top of
 * {@link SINGLE_PAGE}: Recognize parks the task (and pokes the admission queue; worst case every
 * task pokes), the run ends; the admission loop, running for the whole burst, grants it capacity and
 * starts a second run, Route → ChooseMode → Recognize, which makes the call.
 */
export const BURST_SINGLE_PAGE: DocumentProfile = {
  ...SINGLE_PAGE,
  name: '1-page image, burst (every task waited)',
  path: 'admitted',
  invocations: [
    { fn: 'api', ms: 150 },
    { fn: 'dispatcher', ms: 120 },
    { fn: 'download', ms: 300 },
    // The park: admission finds capacity taken (or tasks waiting), the task goes back to `queued`
    // with Download's findings, the owner is told, the admission queue poked.
    { fn: 'recognize', ms: 100 },
    // The admitted run: the grant becomes the call (~5 ms of queries, as in the steady state).
    { fn: 'recognize', ms: 1700 + 5 },
    // The loop runs for the whole burst (documents / sync TPS) in invocations of up to a minute.
    {
      fn: 'admitter',
      ms: (BURST.loopSeconds * 1000) / Math.ceil(BURST.loopSeconds / 55),
      count: Math.ceil(BURST.loopSeconds / 55) / BURST.documents,
    },
    // The pokes' own invocations (batches of up to 10): the loop is taken, so each returns at once.
    { fn: 'admitter', ms: 30, count: 1 / 10 },
    { fn: 'api', ms: 80 },
    { fn: 'api', ms: 100 },
  ],
  // + the poke (SendMessage), + its share of the event source's ReceiveMessage and DeleteMessageBatch
  // (up to 10 messages each).
  sqsRequests: SINGLE_PAGE.sqsRequests + 1 + 2 / 10,
  // + waiting for capacity, + admitted
  websocketMessages: SINGLE_PAGE.websocketMessages + 2,
  logKb: SINGLE_PAGE.logKb + 1.5 + 0.1 * 1.5,
  natKb: SINGLE_PAGE.natKb + 2, // the poke and the StartExecution call
  traces: SINGLE_PAGE.traces + 0.05, // the admitted run
};

/**
 * The admitter's fixed cost: a schedule every minute (43,200 ticks a month) that finds nothing
 * waiting in a few queries, and the event source on the admission queue, whose pollers long-poll it
 * even when it is empty. Assumed, as the durations above.
 */
export const ADMITTER_IDLE = {
  ticksPerMonth: 30 * 24 * 60,
  /** A tick: claim the loop, one round (nothing waits), release, look once more. */
  tickMs: 50,
  /** Lambda's SQS pollers on an idle queue: ~5 long polls (20 s each) at a time. */
  idleReceivesPerMonth: 5 * 3 * 30 * 24 * 60,
  /** START/REPORT platform lines per tick. */
  logKbPerTick: 0.6,
  /** Every tick is traced: X-Ray's default rule samples the first request each second. */
  tracesPerTick: 1,
} as const;

/** The function's Lambda price per GB-second: code that imports sharp runs on x86_64, the rest on arm64. */
export function gbSecondPrice(fn: FunctionName): number {
  const x86 = moduleGraphImports(join(PROJECT_ROOT, ENTRY_FILES[fn]), 'sharp');
  return x86 ? PRICES.lambdaGbSecondX86 : PRICES.lambdaGbSecondArm;
}

/** GB-seconds of one invocation at the function's deployed memory (billed per ms). */
export const gbSeconds = (fn: FunctionName, ms: number): number =>
  (FUNCTION_SETTINGS[fn].memorySize / 1024) * (ms / 1000);
