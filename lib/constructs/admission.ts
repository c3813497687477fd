import { Duration, Validations } from 'aws-cdk-lib';
import { GraphWidget, type IWidget, Metric, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { TextractQuotas } from '../../lambdas/core/admission-rules.js';
import type { FunctionEnvironment } from '../../lambdas/entry/env.js';
import { ADMISSION_METRIC_NAMES } from '../../lambdas/adapters/aws/emf-admission-metrics.js';
import { ADMISSION_VISIBILITY_SECONDS } from '../config/function-settings.js';

/** The admission variables of `lambdas/entry/env.ts`, as every function with admission control gets them. */
export type AdmissionEnvironment = Required<
  Pick<
    FunctionEnvironment<'admitter'>,
    | 'ADMISSION_QUEUE_URL'
    | 'TEXTRACT_SYNC_TPS'
    | 'TEXTRACT_ASYNC_START_TPS'
    | 'TEXTRACT_MAX_CONCURRENT_JOBS'
    | 'ADMISSION_MAX_WAIT_HOURS'
  >
>;

/** Textract's own count of the calls it throttled, per API operation (the alarms and the dashboard). */
export const textractThrottles = (operation: string, period: Duration): Metric =>
  new Metric({
    namespace: 'AWS/Textract',
    metricName: 'ThrottledCount',
    dimensionsMap: { Operation: operation },
    statistic: 'Sum',
    period,
  });

/** Props of {@link TextractAdmission}. */
export interface TextractAdmissionProps {
  /** The stage's name, shown on the dashboard. */
  readonly stage: string;
  /** The account's Textract quotas (Service Quotas) admission keeps under; positive integers. */
  readonly quotas: Readonly<TextractQuotas>;
  /** Hours a task may wait before it fails with `CAPACITY_WAIT_EXCEEDED`; a positive integer. */
  readonly maxWaitHours: number;
  /** Where scheduled wake-ups that cannot be delivered or run land (the stack's failed-invocations queue). */
  readonly deadLetterQueue: IQueue;
}

/** What a function needs to be granted a permission: its role. */
interface Grantee {
  addToRolePolicy(statement: PolicyStatement): void;
}

/**
 * Admission control in front of Textract, the AWS side (the rules are in
 * `lambdas/core/use-cases/admission.ts`): the admission queue whose messages wake the `admitter`
 * function, the schedule that wakes it every minute (lost pokes, expired grants, backoffs ending),
 * and the environment and dashboard widgets that carry the stage's Textract quotas.
 *
 * The queue is created first, since every function with admission control names it
 * ({@link environment}); the admitter is bound to it afterwards ({@link bindAdmitter}).
 */
export class TextractAdmission extends Construct {
  /** The admission queue: a message means "look now"; its body is only a reason for the logs. */
  readonly queue: Queue;
  /** The admission variables for `recognize`, `startTextDetection`, `textDetectionCompleted` and `admitter`. */
  readonly environment: AdmissionEnvironment;
  private admitter?: IFunction & { serviceName: string };

  constructor(
    scope: Construct,
    id: string,
    private readonly props: TextractAdmissionProps,
  ) {
    super(scope, id);
    const settings = { ...props.quotas, maxWaitHours: props.maxWaitHours };
    for (const [name, value] of Object.entries(settings)) {
      // The functions validate these at cold start; failing the synth says it before a deploy.
      if (!Number.isInteger(value) || value <= 0) {
        throw new Error(`Textract admission setting ${name} must be a positive integer, got ${value}`);
      }
    }

    // SSE-SQS, as for the failed-invocations queue: a message carries a reason, no document data, and
    // four functions can poke it without a KMS grant.
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(ADMISSION_VISIBILITY_SECONDS),
      // A wake-up is stale within a minute (the schedule runs the loop anyway): no backlog worth keeping.
      retentionPeriod: Duration.hours(1),
    });
    const noDeadLetters =
      'Its messages are wake-ups whose body the admitter does not read ("look now"): one that fails is superseded by the next poke or the every-minute schedule, so it expires with the 1-hour retention instead of being dead-lettered. Admitter errors alarm.';
    Validations.of(this.queue).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: noDeadLetters },
      { id: 'Serverless-SQSRedrivePolicy', reason: noDeadLetters },
    );

    this.environment = {
      ADMISSION_QUEUE_URL: this.queue.queueUrl,
      TEXTRACT_SYNC_TPS: String(props.quotas.syncTps),
      TEXTRACT_ASYNC_START_TPS: String(props.quotas.asyncStartTps),
      TEXTRACT_MAX_CONCURRENT_JOBS: String(props.quotas.maxConcurrentJobs),
      ADMISSION_MAX_WAIT_HOURS: String(props.maxWaitHours),
    };
  }

  /**
   * `sqs:SendMessage` on the admission queue, nothing else: the function may wake the admitter (a
   * task parked, a job slot freed, the loop carrying on past its invocation's deadline).
   */
  grantPoke(grantee: Grantee): void {
    grantee.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
  }

  /**
   * Wires the admitter: the admission queue as its event source, the every-minute schedule, and its
   * own poke permission. Starting executions is granted by the stack with the other starters.
   */
  bindAdmitter(admitter: IFunction & { serviceName: string }): Rule {
    this.admitter = admitter;
    admitter.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        // The lowest maximum concurrency an SQS event source takes. One admitter runs the loop at a time (a lease in the database);
        // a second one finds it taken and returns, consuming the pokes that arrive meanwhile.
        maxConcurrency: 2,
        // No batching window: a poke should start the loop now. No partial batch failures: the body
        // is not read, so a batch succeeds or fails as a whole.
      }),
    );
    this.grantPoke(admitter);
    Validations.of(admitter).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        'SQS event sources cannot have on-failure destinations; a failed wake-up expires with the admission queue’s 1-hour retention and the schedule runs the loop every minute.',
    });

    // Like the janitor's schedule. Lambda's own retries of a failed tick (and its dead-letter queue)
    // stay as for every function: a retried tick only runs the idempotent loop once more.
    return new Rule(this, 'Schedule', {
      description: 'untxt admitter: catches lost pokes, expired grants and ended backoffs',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [
        new LambdaFunction(admitter, {
          deadLetterQueue: this.props.deadLetterQueue,
          retryAttempts: 2,
          // The minimum: a tick still undelivered after a minute is the next tick's job.
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });
  }

  /**
   * One dashboard row: the admitter's metrics (waiting, held and calls per minute, by kind),
   * Textract's own throttle counts, the admission queue with the admitter's invocations, and the
   * stage's quotas.
   */
  dashboardWidgets(): IWidget[] {
    const { namespace, dimension } = ADMISSION_METRIC_NAMES;
    const admitter = this.admitter;
    const byKind = (metricName: string) =>
      (['sync', 'async'] as const).map(
        (kind) =>
          new Metric({
            namespace,
            metricName,
            // Powertools adds the publishing function's service name as a dimension.
            dimensionsMap: { [dimension]: kind, ...(admitter && { service: admitter.serviceName }) },
            statistic: 'Maximum',
            period: Duration.minutes(1),
            label: `${metricName} ${kind}`,
          }),
      );
    const throttles = ['DetectDocumentText', 'StartDocumentTextDetection'].map((operation) =>
      // A label only on the graph: on an alarm it would turn the metric into a metric-math query.
      textractThrottles(operation, Duration.minutes(1)).with({ label: `${operation} throttled` }),
    );
    const { syncTps, asyncStartTps, maxConcurrentJobs } = this.props.quotas;
    return [
      new GraphWidget({
        title: 'Admission: tasks waiting, leases held',
        left: byKind(ADMISSION_METRIC_NAMES.waiting),
        right: byKind(ADMISSION_METRIC_NAMES.held),
      }),
      new GraphWidget({
        title: 'Admission: Textract calls per minute, throttled',
        left: byKind(ADMISSION_METRIC_NAMES.callsPerMinute),
        right: throttles,
      }),
      new GraphWidget({
        title: 'Admission queue and admitter',
        left: [
          this.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
          this.queue.metricNumberOfMessagesSent({ statistic: 'Sum' }),
          ...(admitter ? [admitter.metricInvocations(), admitter.metricErrors()] : []),
        ],
        right: admitter ? [admitter.metricDuration({ statistic: 'Maximum' })] : [],
      }),
      new TextWidget({
        markdown: [
          `### Textract admission (${this.props.stage})`,
          '| quota | configured |',
          '|---|---:|',
          `| DetectDocumentText (one page) | ${syncTps} TPS |`,
          `| StartDocumentTextDetection (several pages) | ${asyncStartTps} TPS |`,
          `| Text-detection jobs at once | ${maxConcurrentJobs} |`,
          `| Longest wait, then CAPACITY_WAIT_EXCEEDED | ${this.props.maxWaitHours} h |`,
          '',
          'Per account and region, shared with anything else calling Textract there. Keep equal to Service Quotas (`textractQuotas` in lib/config/stage-config.ts).',
        ].join('\n'),
        width: 6,
        height: 6,
      }),
    ];
  }
}
