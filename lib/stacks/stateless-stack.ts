import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnOutput, CustomResource, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { SubnetType } from 'aws-cdk-lib/aws-ec2';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import type { FunctionEnvironment, FunctionName } from '../../lambdas/entry/env.js';
import type { StageConfig } from '../config/stage-config.js';
import { TextractAdmission, textractThrottles } from '../constructs/admission.js';
import { DocumentsAccess } from '../constructs/documents-access.js';
import { DocumentsApi } from '../constructs/documents-api.js';
import { OcrPipeline, TEXTRACT_ACTIONS } from '../constructs/ocr-pipeline.js';
import { RealtimeApi } from '../constructs/realtime-api.js';
import { SharpLayer } from '../constructs/sharp-layer.js';
import {
  type FunctionNetwork,
  PROJECT_ROOT,
  UntxtFunction,
  type UntxtFunctionProps,
} from '../constructs/untxt-function.js';
import { WebConsoleDeployment } from '../constructs/web-console-deployment.js';
import { allowWildcards } from '../nag-wildcards.js';
import { DATABASE_NAME, DATABASE_USER, type StatefulStack } from './stateful-stack.js';

/** Props of {@link StatelessStack}. */
export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
}

/** Object-key prefixes of the documents bucket. */
const UPLOADS = 'uploads/';
const RESULTS = 'results/';

/**
 * The code: every Lambda function (least-privilege grants, one by one), the state machine over the
 * shared definition, the intake-queue consumer, admission control in front of Textract (the
 * admission queue, the admitter and its schedule), the REST and WebSocket APIs, the deploy-time
 * migrations, the janitor schedule, and the dashboard and alarms.
 */
export class StatelessStack extends Stack {
  readonly functions: { [N in FunctionName]: UntxtFunction<N> };
  readonly pipeline: OcrPipeline;
  readonly admission: TextractAdmission;
  readonly documentsApi: DocumentsApi;
  readonly realtime: RealtimeApi;
  readonly alarmTopic: Topic;
  readonly webConsole: WebConsoleDeployment;
  /** Failed asynchronous invocations of any function (SNS callback, schedule, custom resource). */
  readonly failedInvocations: Queue;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const key = stateful.key;
    const bucket = stateful.documents.bucket;
    const logRetention = config.logRetentionDays as RetentionDays;

    // SSE-SQS, not the data key: failed events carry ids, not documents, and every function (and
    // SNS, EventBridge) can then dead-letter here without a KMS grant.
    this.failedInvocations = new Queue(this, 'FailedInvocations', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failedInvocations).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: 'This queue is itself the functions’ dead-letter queue.' },
      { id: 'Serverless-SQSRedrivePolicy', reason: 'This queue is itself the functions’ dead-letter queue.' },
    );

    this.realtime = new RealtimeApi(this, 'Realtime', {
      name: `${config.prefix}-ws`,
      logRetention,
      encryptionKey: key,
      rateLimit: config.apiRateLimit,
      burstLimit: config.apiBurstLimit,
    });
    this.pipeline = new OcrPipeline(this, 'Pipeline', {
      name: `${config.prefix}-ocr`,
      logRetention,
      encryptionKey: key,
    });

    // Before the functions: every step that calls Textract names the admission queue and the quotas.
    this.admission = new TextractAdmission(this, 'Admission', {
      stage: config.stage,
      quotas: config.textractQuotas,
      maxWaitHours: config.admissionMaxWaitHours,
      deadLetterQueue: this.failedInvocations,
    });
    const admissionEnv = this.admission.environment;

    const network: FunctionNetwork = {
      vpc: stateful.vpc,
      subnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [stateful.functionSecurityGroup],
    };
    const database = {
      DB_PROXY_ENDPOINT: stateful.proxy.endpoint,
      DB_PORT: '5432',
      DB_NAME: DATABASE_NAME,
      DB_USER: DATABASE_USER,
    };
    const documentsEnv = { DOCUMENTS_BUCKET: bucket.bucketName, KMS_KEY_ID: key.keyArn };
    const realtime = { WEBSOCKET_MANAGEMENT_ENDPOINT: this.realtime.managementEndpoint };
    const pipelineEnv = { ...database, ...documentsEnv, ...realtime };

    // sharp ships native binaries and only its linux-x64 build is installable here: functions whose
    // code imports it run on x86_64 with sharp from this layer (see UntxtFunction, docs/aws.md).
    const sharpLayer = new SharpLayer(this, 'SharpLayer');
    const make = <N extends FunctionName>(
      name: N,
      environment: FunctionEnvironment<N>,
      extra: Partial<UntxtFunctionProps<N>> = {},
    ): UntxtFunction<N> => {
      const fn = new UntxtFunction(this, `${name[0]!.toUpperCase()}${name.slice(1)}Function`, {
        name,
        environment,
        network,
        logRetention,
        encryptionKey: key,
        deadLetterQueue: this.failedInvocations,
        servicePrefix: config.prefix,
        sharpLayer,
        ...extra,
      });
      stateful.proxy.grantConnect(fn, DATABASE_USER);
      return fn;
    };

    const download = make('download', pipelineEnv);
    const recognize = make('recognize', { ...pipelineEnv, ...admissionEnv });
    const handOff = { STATE_MACHINE_ARN: this.pipeline.stateMachineArnByName };
    const startTextDetection = make('startTextDetection', {
      ...pipelineEnv,
      ...handOff,
      ...admissionEnv,
      TEXTRACT_SNS_TOPIC_ARN: this.pipeline.textractTopic.topicArn,
      TEXTRACT_ROLE_ARN: this.pipeline.textractRole.roleArn,
    });
    const textDetectionCompleted = make('textDetectionCompleted', {
      ...pipelineEnv,
      ...handOff,
      ...admissionEnv,
    });
    const writeResult = make('writeResult', pipelineEnv);
    const markFailed = make('markFailed', pipelineEnv);

    const stateMachine = this.pipeline.bindFunctions({
      DownloadFunctionArn: download,
      RecognizeFunctionArn: recognize,
      StartTextDetectionFunctionArn: startTextDetection,
      WriteResultFunctionArn: writeResult,
      MarkFailedFunctionArn: markFailed,
    });
    const workflow = { STATE_MACHINE_ARN: stateMachine.stateMachineArn };

    const dispatcher = make('dispatcher', { ...pipelineEnv, ...workflow });
    // Not named by the definition, so the state machine by reference (no cycle).
    const admitter = make('admitter', { ...pipelineEnv, ...workflow, ...admissionEnv });
    const intake = stateful.intake;
    const api = make('api', {
      ...pipelineEnv,
      ...workflow,
      INTAKE_QUEUE_URL: intake.queue.queueUrl,
      INTAKE_QUEUE_ARN: intake.queue.queueArn,
      DLQ_URL: intake.deadLetterQueue.queueUrl,
      DLQ_ARN: intake.deadLetterQueue.queueArn,
      APP_VERSION: appVersion(),
      // Shown in the admin overview next to the admission figures.
      TEXTRACT_SYNC_TPS: admissionEnv.TEXTRACT_SYNC_TPS,
      TEXTRACT_ASYNC_START_TPS: admissionEnv.TEXTRACT_ASYNC_START_TPS,
      TEXTRACT_MAX_CONCURRENT_JOBS: admissionEnv.TEXTRACT_MAX_CONCURRENT_JOBS,
    });
    const ws = make('ws', {
      ...database,
      ...realtime,
      USER_POOL_ID: stateful.users.userPool.userPoolId,
      USER_POOL_CLIENT_ID: stateful.users.client.userPoolClientId,
    });
    const janitor = make('janitor', { ...pipelineEnv, ...workflow });
    // Invoked by the database (aws_lambda) for changes made outside untxt; migrate names it there.
    const dbChange = make('dbChange', { ...database, ...realtime });
    stateful.databaseLambda.allowInvoke(this, 'DatabaseInvokesDbChange', dbChange);
    const migrate = make('migrate', { ...database, DB_CHANGE_FUNCTION_ARN: dbChange.functionArn });
    this.functions = {
      api,
      ws,
      dispatcher,
      download,
      recognize,
      startTextDetection,
      textDetectionCompleted,
      admitter,
      writeResult,
      markFailed,
      janitor,
      dbChange,
      migrate,
    };

    // ── Grants: each function gets what its code calls, nothing more ──────────────────────────────
    for (const fn of [
      api,
      ws,
      dispatcher,
      download,
      recognize,
      startTextDetection,
      textDetectionCompleted,
      admitter,
      writeResult,
      markFailed,
      janitor,
      dbChange,
    ]) {
      this.realtime.grantManageConnections(fn);
    }
    const documents = new DocumentsAccess(bucket, key);
    // api: presigned POST (uploads), presigned GET (both), soft delete/restore tags, retries, admin queues.
    documents.grant(api, { read: [UPLOADS, RESULTS], write: [UPLOADS], tag: [UPLOADS, RESULTS] });
    stateMachine.grantStartExecution(api);
    api.addToRolePolicy(
      new PolicyStatement({
        actions: ['sqs:GetQueueAttributes'],
        resources: [intake.queue.queueArn, intake.deadLetterQueue.queueArn],
      }),
    );
    // Dead-letter redrive: StartMessageMoveTask moves messages with the caller's rights.
    api.addToRolePolicy(
      new PolicyStatement({
        actions: ['sqs:StartMessageMoveTask', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'],
        resources: [intake.deadLetterQueue.queueArn],
      }),
    );
    api.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [intake.queue.queueArn] }),
    );
    intake.key.grant(api, 'kms:Decrypt', 'kms:GenerateDataKey');

    // dispatcher: S3 event → head/magic bytes → start execution.
    documents.grant(dispatcher, { read: [UPLOADS] });
    stateMachine.grantStartExecution(dispatcher);
    dispatcher.addEventSource(
      new SqsEventSource(intake.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        maxConcurrency: config.dispatcherMaxConcurrency,
      }),
    );

    // Workflow steps. Textract reads the (possibly converted) document, and writes its async output,
    // with the caller's rights. Recognize and WriteResult store the rendered result.
    documents.grant(download, { read: [UPLOADS], write: [RESULTS] });
    documents.grant(recognize, { read: [UPLOADS, RESULTS], write: [RESULTS] });
    documents.grant(startTextDetection, { read: [UPLOADS, RESULTS], write: [RESULTS] });
    documents.grant(writeResult, { write: [RESULTS] });
    recognize.addToRolePolicy(new PolicyStatement({ actions: [TEXTRACT_ACTIONS.detect], resources: ['*'] }));
    startTextDetection.addToRolePolicy(
      new PolicyStatement({ actions: [TEXTRACT_ACTIONS.start], resources: ['*'] }),
    );
    writeResult.addToRolePolicy(new PolicyStatement({ actions: [TEXTRACT_ACTIONS.get], resources: ['*'] }));
    this.pipeline.textractRole.grantPassRole(startTextDetection.grantPrincipal);
    // A finished job's task goes back to the workflow: from the completion subscriber, or from the
    // start itself when the job finished before its start was recorded.
    this.pipeline.grantHandOff(startTextDetection);
    this.pipeline.grantHandOff(textDetectionCompleted);
    this.pipeline.textractTopic.addSubscription(
      new LambdaSubscription(textDetectionCompleted, { deadLetterQueue: this.failedInvocations }),
    );

    // Admission: the steps that call Textract wake the admitter when a task parks (and the completion
    // subscriber when a job slot frees); the admitter starts the admitted runs and wakes itself to
    // carry on past its deadline.
    for (const fn of [recognize, startTextDetection, textDetectionCompleted]) this.admission.grantPoke(fn);
    stateMachine.grantStartExecution(admitter);
    this.admission.bindAdmitter(admitter);

    // janitor: re-drives stuck tasks by starting a new execution attempt; an upload whose event was
    // lost is read (head, magic bytes) and dispatched as the dispatcher would have.
    stateMachine.grantStartExecution(janitor);
    documents.grant(janitor, { read: [UPLOADS] });
    new Rule(this, 'JanitorSchedule', {
      description: 'untxt janitor: stuck tasks, lost uploads, expired soft deletes, old connections',
      schedule: Schedule.rate(Duration.minutes(15)),
      targets: [
        new LambdaFunction(janitor, {
          deadLetterQueue: this.failedInvocations,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });

    // ── APIs ─────────────────────────────────────────────────────────────────────────────────────
    this.realtime.routeTo(ws);
    this.documentsApi = new DocumentsApi(this, 'Documents', {
      name: `${config.prefix}-api`,
      handler: api,
      userPool: stateful.users.userPool,
      allowedOrigins: [
        `https://${stateful.web.distribution.distributionDomainName}`,
        ...config.extraWebOrigins,
      ],
      logRetention,
      encryptionKey: key,
      rateLimit: config.apiRateLimit,
      burstLimit: config.apiBurstLimit,
    });

    // WebSocket execution logs need the account-level CloudWatch role that the REST API sets up.
    const apiGatewayAccount = this.documentsApi.api.node.tryFindChild('Account');
    if (apiGatewayAccount) this.realtime.stage.node.addDependency(apiGatewayAccount);

    // ── Web console: the Vite build and its /config.json, into the data stack's web bucket ────────
    this.webConsole = new WebConsoleDeployment(this, 'WebConsole', {
      bucket: stateful.web.bucket,
      distribution: stateful.web.distribution,
      config: {
        apiUrl: `${this.documentsApi.api.url}api`,
        wsUrl: this.realtime.stage.url,
        region: this.region,
        userPoolId: stateful.users.userPool.userPoolId,
        userPoolClientId: stateful.users.client.userPoolClientId,
      },
      network,
      logRetention,
      encryptionKey: key,
    });

    // What `cdk deploy` prints at the end: where to reach untxt (the data stack prints the Cognito
    // user pool and client).
    const outputs: Record<string, { value: string; description: string }> = {
      WebUrl: {
        value: `https://${stateful.web.distribution.distributionDomainName}`,
        description: 'The web console (sign in with a Cognito user)',
      },
      ApiUrl: {
        value: `${this.documentsApi.api.url}api`,
        description: 'REST API base (Bearer: Cognito ID token)',
      },
      WebSocketUrl: {
        value: this.realtime.stage.url,
        description: 'WebSocket API (?token=Cognito ID token)',
      },
    };
    for (const [id, { value, description }] of Object.entries(outputs))
      new CfnOutput(this, id, { value, description });

    // ── Migrations at deploy time: the same kysely migrations as `npm run db:migrate` ─────────────
    const provider = new Provider(this, 'MigrationsProvider', {
      onEventHandler: migrate,
      vpc: network.vpc,
      vpcSubnets: network.subnets,
      securityGroups: network.securityGroups,
      logGroup: new LogGroup(this, 'MigrationsProviderLogs', { retention: logRetention, encryptionKey: key }),
      providerFunctionEnvEncryption: key,
    });
    new CustomResource(this, 'Migrations', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::UntxtMigrations',
      // A new migration file changes the fingerprint, and a replaced dbChange function its ARN: either
      // makes CloudFormation call the handler again (which names the function in the database).
      properties: { migrations: migrationsFingerprint(), changeFunction: dbChange.functionArn },
    });

    // ── Monitoring ───────────────────────────────────────────────────────────────────────────────
    this.alarmTopic = new Topic(this, 'Alarms', {
      displayName: 'untxt alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (config.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));
    const alarm = (alarmId: string, metric: IMetric, description: string, threshold = 0) => {
      const created = new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(new SnsAction(this.alarmTopic));
      created.addOkAction(new SnsAction(this.alarmTopic));
      return created;
    };
    const fiveMinutes = Duration.minutes(5);
    alarm(
      'IntakeDeadLettersAlarm',
      intake.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: fiveMinutes,
        statistic: 'Maximum',
      }),
      'Uploads failed to dispatch 5 times (intake DLQ not empty)',
    );
    alarm(
      'FailedInvocationsAlarm',
      this.failedInvocations.metricApproximateNumberOfMessagesVisible({
        period: fiveMinutes,
        statistic: 'Maximum',
      }),
      'Asynchronous invocations failed (function DLQ not empty)',
    );
    alarm(
      'FailedExecutionsAlarm',
      stateMachine.metricFailed({ period: fiveMinutes }),
      'OCR executions failed',
    );
    alarm(
      'TimedOutExecutionsAlarm',
      stateMachine.metricTimedOut({ period: fiveMinutes }),
      'OCR executions timed out',
    );
    const throttleMetrics = [
      'DetectDocumentText',
      'StartDocumentTextDetection',
      'GetDocumentTextDetection',
    ].map((operation) => textractThrottles(operation, fiveMinutes));
    throttleMetrics.forEach((metric, index) =>
      alarm(
        `TextractThrottles${index}Alarm`,
        metric,
        metric.dimensions?.Operation === 'GetDocumentTextDetection'
          ? 'Textract throttled GetDocumentTextDetection (WriteResult retries absorb a few; sustained throttling needs a quota increase)'
          : `Textract throttled ${metric.dimensions?.Operation} (the task waits again; sustained throttling means textractQuotas exceed the account's quotas, or another application uses them)`,
        10,
      ),
    );
    for (const fn of Object.values(this.functions)) {
      alarm(
        `${fn.node.id}ErrorsAlarm`,
        fn.metricErrors({ period: fiveMinutes }),
        `${fn.untxtName} function errors`,
      );
    }
    alarm(
      'Api5xxAlarm',
      this.documentsApi.api.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
      'REST API 5xx responses',
    );

    new Dashboard(this, 'Dashboard', {
      dashboardName: `${config.prefix}-overview`,
      widgets: [
        [
          new GraphWidget({
            title: 'Executions',
            left: [stateMachine.metricStarted(), stateMachine.metricSucceeded(), stateMachine.metricFailed()],
          }),
          new GraphWidget({
            title: 'Intake queue',
            left: [
              intake.queue.metricApproximateNumberOfMessagesVisible(),
              intake.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
            ],
          }),
          new GraphWidget({ title: 'Textract throttles', left: throttleMetrics }),
        ],
        [
          new GraphWidget({
            title: 'Function errors',
            left: Object.values(this.functions).map((fn) => fn.metricErrors()),
          }),
          new GraphWidget({
            title: 'Function duration p90',
            left: Object.values(this.functions).map((fn) => fn.metricDuration({ statistic: 'p90' })),
          }),
          new GraphWidget({
            title: 'REST API',
            left: [
              this.documentsApi.api.metricCount(),
              this.documentsApi.api.metricServerError(),
              this.documentsApi.api.metricClientError(),
            ],
          }),
        ],
        this.admission.dashboardWidgets(),
      ],
    });

    this.pipeline.acknowledge();
    this.acknowledge(provider);
    allowWildcards(this, [
      {
        finding: /^Resource::\*$/,
        reason:
          'Only on Textract (no resource-level permissions), X-Ray and CloudWatch Logs delivery actions, which AWS requires on "*".',
      },
      {
        finding: /^Resource::.*DocumentsBucket[0-9A-F]{8}\W?Arn[^/]*\/(uploads|results)\/\*$/,
        reason:
          'Scoped to one object-key prefix of the documents bucket (uploads/* or results/*); object keys are per user and task.',
      },
      {
        finding:
          /^Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<RealtimeApi[0-9A-F]{8}>\/v1\/\*\/@connections\/\*$/,
        reason:
          'PostToConnection/DeleteConnection on this stage’s @connections API; connection ids are only known at run time.',
      },
      {
        finding: /^Resource::<\w+Function[0-9A-F]{8}\.Arn>:\*$/,
        reason: 'Version qualifier of a function the state machine or provider invokes (FunctionArn:*).',
      },
    ]);
  }

  private acknowledge(provider: Provider): void {
    const why = (scope: Construct, id: string, reason: string) =>
      Validations.of(scope).acknowledge({ id, reason });
    const frameworkRole =
      'CDK’s custom-resource framework function: it only relays CloudFormation events to the migrate function.';
    why(
      provider,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      frameworkRole,
    );
    why(
      provider,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      frameworkRole,
    );
    why(provider, 'AwsSolutions-L1', frameworkRole + ' Its runtime is chosen by CDK.');
    why(provider, 'Serverless-LambdaLatestVersion', frameworkRole + ' Its runtime is chosen by CDK.');
    why(
      provider,
      'HIPAA.Security-LambdaDLQ',
      frameworkRole + ' CloudFormation retries and reports failures.',
    );
    why(provider, 'Serverless-LambdaDLQ', frameworkRole + ' CloudFormation retries and reports failures.');
    why(provider, 'HIPAA.Security-LambdaConcurrency', frameworkRole);
    why(provider, 'Serverless-LambdaTracing', frameworkRole);
    why(provider, 'Serverless-LambdaDefaultMemorySize', frameworkRole);
    why(provider, 'Serverless-LambdaDefaultTimeout', frameworkRole);
    why(provider, 'HIPAA.Security-IAMNoInlinePolicy', frameworkRole);
    why(
      this.pipeline.textractRole,
      'HIPAA.Security-IAMNoInlinePolicy',
      'sns:Publish on the one completion topic (and its key), generated by topic.grantPublish.',
    );
    why(
      this.functions.dispatcher,
      'Serverless-LambdaEventSourceMappingDestination',
      'SQS event sources cannot have on-failure destinations; failed messages go to the intake queue’s redrive DLQ (maxReceiveCount 5).',
    );
  }
}

/** A hash of the migration sources: changes exactly when a migration is added or edited. */
function migrationsFingerprint(): string {
  const dir = join(PROJECT_ROOT, 'database/migrations');
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).sort()) hash.update(file).update(readFileSync(join(dir, file)));
  return hash.digest('hex').slice(0, 16);
}

/** The version in package.json, shown by `GET /api/health`. */
function appVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
}
