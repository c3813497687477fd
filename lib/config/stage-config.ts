import type { RemovalPolicy } from 'aws-cdk-lib';
import { RemovalPolicy as Removal } from 'aws-cdk-lib';
import type { TextractQuotas } from '../../lambdas/core/admission-rules.js';

/** The deployment stages `cdk.json` (context `stage`) can select. */
export const STAGES = ['dev', 'prod'] as const;
export type StageName = (typeof STAGES)[number];

/** Everything that differs between stages. Secrets never live here. */
export interface StageConfig {
  readonly stage: StageName;
  /** Prefix of every stack name, e.g. `untxt-dev`. */
  readonly prefix: string;
  /** RDS `db.t4g.*` / `db.m7g.*` class and size, e.g. `t4g.micro`. */
  readonly databaseInstanceType: string;
  /** Standby in a second AZ. */
  readonly databaseMultiAz: boolean;
  /** Refuse `DeleteDBInstance` (and keep the stateful resources on stack deletion). */
  readonly deletionProtection: boolean;
  /** Days RDS keeps automated backups. */
  readonly backupRetentionDays: number;
  /** NAT gateways, one per AZ for HA in prod (see docs/aws.md for the NAT vs endpoints choice). */
  readonly natGateways: number;
  /**
   * AZs of the `lambda` interface endpoint the database invokes the dbChange function through. One
   * serves a single-AZ instance (an endpoint in another AZ of the VPC is still reachable); a Multi-AZ
   * instance gets one per AZ so that a failover does not depend on the other AZ.
   */
  readonly lambdaEndpointAzs: number;
  /** Days CloudWatch keeps function, API and state-machine logs. */
  readonly logRetentionDays: number;
  /** Origins allowed to call the API and POST to the bucket besides the CloudFront domain. */
  readonly extraWebOrigins: readonly string[];
  /** Cognito threat protection (Plus feature plan, billed per MAU). */
  readonly threatProtection: boolean;
  /** REST stage throttling. */
  readonly apiRateLimit: number;
  readonly apiBurstLimit: number;
  /** Dispatcher invocations at once; bounds concurrent executions started and DB connections. */
  readonly dispatcherMaxConcurrency: number;
  /**
   * The Textract quotas admission control keeps under (`DetectDocumentText` TPS,
   * `StartDocumentTextDetection` TPS, concurrent text-detection jobs). They are per account and
   * region, and shared with anything else in the account that calls Textract there: set them to the
   * account's Service Quotas values, less what other applications use (two stages deployed to one
   * account and region share them too: split them between the stages). Raise them only together
   * with a Service Quotas increase; a value above the account's quota turns waiting into
   * throttling (a throttled task waits again with backoff, so it slows down but does not fail).
   * @default - Textract's defaults in the larger regions: 10 / 10 / 100
   */
  readonly textractQuotas: Readonly<TextractQuotas>;
  /** Hours a task may wait for Textract capacity before it fails with `CAPACITY_WAIT_EXCEEDED`. @default 24 */
  readonly admissionMaxWaitHours: number;
  /** E-mail address subscribed to the alarm topic, if any. */
  readonly alarmEmail?: string;
  readonly removalPolicy: RemovalPolicy;
}

export const STAGE_CONFIGS: Record<StageName, StageConfig> = {
  dev: {
    stage: 'dev',
    prefix: 'untxt-dev',
    databaseInstanceType: 't4g.micro',
    databaseMultiAz: false,
    deletionProtection: false,
    backupRetentionDays: 1,
    natGateways: 1,
    lambdaEndpointAzs: 1,
    logRetentionDays: 30,
    extraWebOrigins: ['http://localhost:3000', 'http://localhost:5173'],
    threatProtection: false,
    apiRateLimit: 20,
    apiBurstLimit: 40,
    dispatcherMaxConcurrency: 2,
    textractQuotas: { syncTps: 10, asyncStartTps: 10, maxConcurrentJobs: 100 },
    admissionMaxWaitHours: 24,
    removalPolicy: Removal.DESTROY,
  },
  prod: {
    stage: 'prod',
    prefix: 'untxt-prod',
    databaseInstanceType: 'm7g.large',
    databaseMultiAz: true,
    deletionProtection: true,
    backupRetentionDays: 14,
    natGateways: 2,
    lambdaEndpointAzs: 2,
    logRetentionDays: 365,
    extraWebOrigins: [],
    threatProtection: true,
    apiRateLimit: 200,
    apiBurstLimit: 400,
    dispatcherMaxConcurrency: 10,
    textractQuotas: { syncTps: 10, asyncStartTps: 10, maxConcurrentJobs: 100 },
    admissionMaxWaitHours: 24,
    removalPolicy: Removal.RETAIN,
  },
};

/**
 * The stage named by the `stage` context value (`cdk synth -c stage=prod`).
 *
 * @throws Error naming the allowed stages when the value is unknown.
 */
export function stageConfig(stage: unknown): StageConfig {
  const name = stage ?? 'dev';
  if (typeof name !== 'string' || !(STAGES as readonly string[]).includes(name)) {
    throw new Error(
      `Unknown stage '${String(name)}': use one of ${STAGES.join(', ')} (cdk.json context "stage")`,
    );
  }
  return STAGE_CONFIGS[name as StageName];
}
