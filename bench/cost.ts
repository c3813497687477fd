/**
 * `npm run cost`: infrastructure cost per 1,000 documents (single-page and ten-page, and single-page
 * in a burst where every task waited for Textract capacity), term by term, against the Textract
 * bill, plus the fixed monthly cost per stage. Executions, transitions and log
 * events are counted by running the real definition (bench/cost-transitions.ts); Lambda is priced at
 * the stack's memory and architecture settings (lib/config/function-settings.ts). The deployed
 * workflow is Express; the same states as a Standard workflow are priced beside it, for the record of
 * why. Prices and assumptions: cost-model.ts.
 */
import { FUNCTION_NAMES } from '../lambdas/entry/env.js';
import { FUNCTION_SETTINGS } from '../lib/config/function-settings.js';
import { STAGE_CONFIGS, type StageConfig } from '../lib/config/stage-config.js';
import { countTransitions, type TransitionCount } from './cost-transitions.js';
import {
  ADMITTER_IDLE,
  BURST_SINGLE_PAGE,
  type DocumentProfile,
  gbSecondPrice,
  gbSeconds,
  MONTHLY,
  PRICES,
  SINGLE_PAGE,
  TEN_PAGES,
} from './cost-model.js';

const PER = 1000;

export interface CostLine {
  term: string;
  usd: number;
}

/** Workflow pricing: the deployed Express machine, or the same states as a Standard one. */
export type WorkflowPricing = 'express' | 'standard';

/** Cost of `PER` documents of `profile`, term by term. */
export function documentCost(
  profile: DocumentProfile,
  transitions: TransitionCount,
  workflow: WorkflowPricing,
): CostLine[] {
  const lambdaCompute = profile.invocations.reduce(
    (sum, { fn, ms, count = 1 }) => sum + gbSeconds(fn, ms) * gbSecondPrice(fn) * count,
    0,
  );
  const invocations = profile.invocations.reduce((sum, { count = 1 }) => sum + count, 0);
  const workflowMs = profile.invocations
    .filter(({ fn }) => ['download', 'recognize', 'startTextDetection', 'writeResult'].includes(fn))
    .reduce((sum, { ms }) => sum + ms + 50, 0); // + ~50 ms of Step Functions overhead per state
  // Express: 64 MB minimum, billed in 100 ms steps per execution.
  const executions = transitions.executions;
  const expressGbSeconds = (64 / 1024) * (Math.ceil(workflowMs / 100) / 10);
  const stateMachineLogKb = transitions.events * 0.8;
  const lines: CostLine[] = [
    {
      term: `Textract (${profile.pages} page${profile.pages > 1 ? 's' : ''})`,
      usd: profile.pages * PRICES.textractPage,
    },
    workflow === 'standard'
      ? {
          term: `Step Functions Standard (${transitions.states.length} transitions: ${transitions.states.join(' → ')})`,
          usd: transitions.states.length * PRICES.sfnStandardTransition,
        }
      : {
          term: `Step Functions Express (${executions} execution${executions > 1 ? 's' : ''}: ${transitions.states.join(' → ')}; ~${(workflowMs / 1000).toFixed(1)} s at 64 MB)`,
          usd: executions * PRICES.sfnExpressRequest + expressGbSeconds * PRICES.sfnExpressGbSecond,
        },
    {
      term: `Lambda compute (${Number(invocations.toFixed(3))} invocations at deployed memory)`,
      usd: lambdaCompute,
    },
    { term: 'Lambda requests', usd: invocations * PRICES.lambdaRequest },
    {
      term: `S3 requests (${profile.s3Puts} PUT, ${profile.s3Gets} GET)`,
      usd: profile.s3Puts * PRICES.s3Put + profile.s3Gets * PRICES.s3Get,
    },
    {
      term: `SQS (${Number(profile.sqsRequests.toFixed(2))} requests)`,
      usd: profile.sqsRequests * PRICES.sqsRequest,
    },
    { term: 'KMS (bucket key + 1 h data-key reuse: ~0.1 request)', usd: 0.1 * PRICES.kmsRequest },
    {
      term: `API Gateway REST (${profile.restRequests} requests)`,
      usd: profile.restRequests * PRICES.restApiRequest,
    },
    {
      term: `API Gateway WebSocket (${profile.websocketMessages} messages)`,
      usd: profile.websocketMessages * PRICES.websocketMessage,
    },
    { term: 'SNS (Textract completion)', usd: profile.snsPublishes * PRICES.snsPublish },
    {
      term: `CloudWatch Logs (~${(profile.logKb + stateMachineLogKb).toFixed(0)} KB)`,
      usd: ((profile.logKb + stateMachineLogKb) / 1024 / 1024) * PRICES.logsIngestGb,
    },
    { term: 'X-Ray (5 % sampling)', usd: profile.traces * PRICES.xrayTrace },
    {
      term: `NAT data processing (~${profile.natKb} KB of API answers)`,
      usd: (profile.natKb / 1024 / 1024) * MONTHLY.natGb,
    },
  ];
  return lines.map((line) => ({ ...line, usd: line.usd * PER }));
}

/** Fixed monthly cost of a stage, term by term. */
export function monthlyCost(config: StageConfig, alarms: number): CostLine[] {
  const h = MONTHLY.hours;
  const instances = config.databaseMultiAz ? 2 : 1;
  const vcpus = Math.max(2, MONTHLY.instanceVcpus[config.databaseInstanceType] ?? 2);
  return [
    {
      term: `RDS ${config.databaseInstanceType} × ${instances}`,
      usd: (MONTHLY.rdsHour[config.databaseInstanceType] ?? 0) * h * instances,
    },
    { term: 'RDS gp3 storage 20 GB', usd: 20 * MONTHLY.rdsGp3GbMonth * instances },
    { term: `RDS Proxy (${vcpus} vCPU)`, usd: vcpus * MONTHLY.proxyVcpuHour * h },
    {
      term: `NAT gateways × ${config.natGateways} (+ $0.045/GB)`,
      usd: config.natGateways * MONTHLY.natHour * h,
    },
    {
      // The database's only way to Lambda (aws_lambda → dbChange); its per-GB charge is negligible.
      term: `lambda interface endpoint × ${config.lambdaEndpointAzs} AZ (+ $0.01/GB)`,
      usd: config.lambdaEndpointAzs * MONTHLY.interfaceEndpointAzHour * h,
    },
    { term: 'KMS keys × 2 (data, intake)', usd: 2 * MONTHLY.kmsKey },
    { term: 'Secrets Manager × 1', usd: MONTHLY.secret },
    { term: `CloudWatch alarms × ${alarms} + dashboard`, usd: alarms * MONTHLY.alarm + MONTHLY.dashboard },
    admitterIdle(),
  ];
}

/**
 * The admitter when nothing waits: the every-minute schedule (scheduled-rule events themselves are
 * not billed) and the event source's idle polling of the admission queue.
 */
function admitterIdle(): CostLine {
  const idle = ADMITTER_IDLE;
  const ticks = idle.ticksPerMonth;
  const usd =
    ticks * (PRICES.lambdaRequest + gbSeconds('admitter', idle.tickMs) * gbSecondPrice('admitter')) +
    idle.idleReceivesPerMonth * PRICES.sqsRequest +
    ((ticks * idle.logKbPerTick) / 1024 / 1024) * PRICES.logsIngestGb +
    ticks * idle.tracesPerTick * PRICES.xrayTrace;
  return {
    term: `Admitter schedule (${ticks.toLocaleString('en-US')} ticks × ~${idle.tickMs} ms at ${FUNCTION_SETTINGS.admitter.memorySize} MB arm64, idle SQS polling, logs, traces)`,
    usd,
  };
}

const sum = (lines: CostLine[]) => lines.reduce((total, line) => total + line.usd, 0);
const usd = (value: number) => `$${value.toFixed(value < 1 ? 4 : 2)}`;

function print(title: string, lines: CostLine[], textract?: number): void {
  console.log(`\n${title}`);
  const width = Math.max(...lines.map((l) => l.term.length));
  for (const line of lines) {
    const share = textract ? `  ${((line.usd / textract) * 100).toFixed(2).padStart(6)} %` : '';
    console.log(`  ${line.term.padEnd(width)}  ${usd(line.usd).padStart(9)}${share}`);
  }
  const total = sum(lines);
  if (textract) {
    const overhead = total - textract;
    console.log(
      `  ${'infrastructure overhead'.padEnd(width)}  ${usd(overhead).padStart(9)}  ${((overhead / textract) * 100).toFixed(2).padStart(6)} % of Textract`,
    );
  } else {
    console.log(`  ${'total per month'.padEnd(width)}  ${usd(total).padStart(9)}`);
  }
}

async function main(): Promise<void> {
  const transitions = {
    sync: await countTransitions('sync'),
    async: await countTransitions('async'),
    admitted: await countTransitions('admitted'),
  };
  const overheads: string[] = [];
  for (const workflow of ['express', 'standard'] as const) {
    // The burst is priced on the deployed workflow only: the Standard rows record why Express.
    const profiles =
      workflow === 'express' ? [SINGLE_PAGE, BURST_SINGLE_PAGE, TEN_PAGES] : [SINGLE_PAGE, TEN_PAGES];
    for (const profile of profiles) {
      const lines = documentCost(profile, transitions[profile.path], workflow);
      print(
        `Per ${PER} × ${profile.name} — workflow: ${workflow === 'express' ? 'Express (deployed)' : 'the same states as Standard (for comparison)'}`,
        lines,
        lines[0]!.usd,
      );
      const textract = lines[0]!.usd;
      overheads.push(
        `| ${profile.name} | ${workflow === 'express' ? 'Express (deployed)' : 'Standard'} | ${usd(textract)} | ${usd(sum(lines) - textract)} | ${(((sum(lines) - textract) / textract) * 100).toFixed(2)} % |`,
      );
    }
  }
  console.log(
    '\nSummary: infrastructure overhead against the Textract bill (targets: ≤ 5 % one page, in a burst too; ≤ 2.5 % ten pages)\n',
  );
  console.log('| document | workflow | Textract | overhead | share |');
  console.log('|---|---|---:|---:|---:|');
  for (const line of overheads) console.log(line);
  // Dead letters ×2, executions failed/timed out ×2; Textract throttles ×3; errors per function; REST 5xx.
  const alarms = 4 + 3 + FUNCTION_NAMES.length + 1;
  for (const config of Object.values(STAGE_CONFIGS))
    print(`Fixed monthly cost — ${config.stage}`, monthlyCost(config, alarms));
  console.log('\nReproduce: npm run cost   (prices and assumptions: bench/cost-model.ts)');
}

await main();
