import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, CustomResource, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { BucketDeployment } from 'aws-cdk-lib/aws-s3-deployment';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_NAMES } from '../../lambdas/entry/env.js';
import { DEFINITION_PATH, FUNCTION_SUBSTITUTIONS } from '../../local/stepfunctions/definition.js';
import { FUNCTION_SETTINGS } from '../../lib/config/function-settings.js';
import { STAGE_CONFIGS } from '../../lib/config/stage-config.js';
import { TextractAdmission } from '../../lib/constructs/admission.js';
import { logicalIdOf, synthesizeApp, type UntxtStacks } from './app-fixture.js';

/** The logical id of a BucketDeployment's custom resource (its construct id is generated). */
const deploymentId = (deployment: BucketDeployment): string =>
  logicalIdOf(deployment.node.children.find((child) => child instanceof CustomResource)!);

describe('StatelessStack', () => {
  let stacks: UntxtStacks;

  beforeAll(() => {
    stacks = synthesizeApp('dev');
  });

  const fnId = (name: (typeof FUNCTION_NAMES)[number]) => logicalIdOf(stacks.stateless.functions[name]);
  const fnArn = (name: (typeof FUNCTION_NAMES)[number]) => ({ 'Fn::GetAtt': [fnId(name), 'Arn'] });

  describe('functions', () => {
    it('creates one function per entry in lambdas/entry/env.ts, on nodejs22.x with X-Ray', () => {
      // Prepare
      const template = stacks.statelessTemplate;

      // Act
      const functions = Object.keys(stacks.stateless.functions);

      // Assess
      expect(functions.sort()).toEqual([...FUNCTION_NAMES].sort());
      for (const name of FUNCTION_NAMES) {
        template.hasResource('AWS::Lambda::Function', {
          Properties: Match.objectLike({
            Runtime: 'nodejs22.x',
            Handler: 'index.handler',
            MemorySize: FUNCTION_SETTINGS[name].memorySize,
            Timeout: FUNCTION_SETTINGS[name].timeoutSeconds,
            TracingConfig: { Mode: 'Active' },
            LoggingConfig: Match.objectLike({ LogFormat: 'JSON', LogGroup: Match.anyValue() }),
            DeadLetterConfig: {
              TargetArn: { 'Fn::GetAtt': [logicalIdOf(stacks.stateless.failedInvocations), 'Arn'] },
            },
            VpcConfig: Match.objectLike({ SecurityGroupIds: Match.anyValue(), SubnetIds: Match.anyValue() }),
            KmsKeyArn: Match.anyValue(),
            Environment: {
              Variables: Match.objectLike({
                POWERTOOLS_SERVICE_NAME: `untxt-dev-${name}`,
                POWERTOOLS_LOG_LEVEL: 'INFO',
              }),
            },
          }),
        });
        expect(template.toJSON().Resources[fnId(name)].Properties.MemorySize).toBe(
          FUNCTION_SETTINGS[name].memorySize,
        );
      }
    });

    it('runs on arm64 unless the code imports sharp, which runs on x86_64 with the sharp layer', () => {
      // Prepare
      const resources = stacks.statelessTemplate.toJSON().Resources;

      // Act
      const architecture = (name: (typeof FUNCTION_NAMES)[number]) =>
        resources[fnId(name)].Properties.Architectures;
      const layers = (name: (typeof FUNCTION_NAMES)[number]) => resources[fnId(name)].Properties.Layers;

      // Assess
      for (const name of ['ws', 'janitor', 'admitter', 'migrate'] as const) {
        expect(architecture(name)).toEqual(['arm64']);
        expect(layers(name)).toBeUndefined();
      }
      expect(architecture('download')).toEqual(['x86_64']);
      expect(layers('download')).toEqual([{ Ref: expect.stringMatching(/^SharpLayer/) }]);
      for (const fn of Object.values(stacks.stateless.functions)) {
        expect(architecture(fn.untxtName)).toEqual([fn.usesSharp ? 'x86_64' : 'arm64']);
      }
    });

    it('gives every function its own encrypted log group with the stage’s retention', () => {
      // Prepare
      const template = stacks.statelessTemplate;

      // Act
      const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));

      // Assess
      expect(groups.length).toBeGreaterThanOrEqual(FUNCTION_NAMES.length);
      for (const group of groups) {
        expect(group.Properties.RetentionInDays).toBe(30);
        expect(group.Properties.KmsKeyId).toBeDefined();
      }
    });
  });

  describe('intake', () => {
    it('feeds the intake queue to the dispatcher with partial batch failures and bounded concurrency', () => {
      // Prepare
      const template = stacks.statelessTemplate;

      // Act / Assess
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fnId('dispatcher') },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
        BatchSize: 10,
      });
      // The dispatcher's and the admitter's (admission queue).
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
      const mapping = Object.values(
        template.findResources('AWS::Lambda::EventSourceMapping', {
          Properties: { FunctionName: { Ref: fnId('dispatcher') } },
        }),
      )[0]!;
      // A cross-stack reference to the stateful stack's intake queue (export or stack output).
      expect(JSON.stringify(mapping.Properties.EventSourceArn)).toMatch(/IntakeQueue[0-9A-F]{8}Arn/);
    });

    it('hands the state machine ARN to the functions that start executions', () => {
      // Prepare
      const template = stacks.statelessTemplate;
      const machine = logicalIdOf(stacks.stateless.pipeline.stateMachine);

      // Act / Assess
      for (const name of ['dispatcher', 'api', 'janitor', 'admitter'] as const) {
        template.hasResourceProperties('AWS::Lambda::Function', {
          FunctionName: Match.absent(),
          Environment: { Variables: Match.objectLike({ STATE_MACHINE_ARN: { Ref: machine } }) },
          Description: FUNCTION_SETTINGS[name].description,
        });
      }
    });

    it('names the state machine by ARN, not by reference, to the functions the definition itself invokes', () => {
      // Prepare: RecognizeAsync hands finished jobs back to the workflow; a Ref would be a cycle.
      const template = stacks.statelessTemplate;
      const machine = template.toJSON().Resources[logicalIdOf(stacks.stateless.pipeline.stateMachine)];
      const name = machine.Properties.StateMachineName as string;

      // Act / Assess
      for (const fn of ['startTextDetection', 'textDetectionCompleted'] as const) {
        const functions = template.findResources('AWS::Lambda::Function', {
          Properties: { Description: FUNCTION_SETTINGS[fn].description },
        });
        const variables = Object.values(functions)[0]?.Properties.Environment.Variables as Record<
          string,
          unknown
        >;
        const arn = JSON.stringify(variables.STATE_MACHINE_ARN);
        expect(arn).toContain(`:stateMachine:${name}`);
        expect(arn).not.toContain(logicalIdOf(stacks.stateless.pipeline.stateMachine));
      }
    });
  });

  describe('state machine', () => {
    it('deploys the shared ASL file as is, with each placeholder bound to its function', () => {
      // Prepare
      const template = stacks.statelessTemplate;
      const machine = template.toJSON().Resources[logicalIdOf(stacks.stateless.pipeline.stateMachine)];

      // Act: DefinitionBody.fromFile ships the file as an asset (DefinitionS3Location)
      const key = machine.Properties.DefinitionS3Location.Key as string;
      const deployed = readFileSync(join(stacks.app.outdir, `asset.${key}`), 'utf8');

      // Assess
      expect(machine.Properties.DefinitionString).toBeUndefined();
      expect(deployed).toBe(readFileSync(DEFINITION_PATH, 'utf8'));
      expect(machine.Properties.DefinitionSubstitutions).toEqual({
        DownloadFunctionArn: fnArn('download'),
        RecognizeFunctionArn: fnArn('recognize'),
        StartTextDetectionFunctionArn: fnArn('startTextDetection'),
        WriteResultFunctionArn: fnArn('writeResult'),
        MarkFailedFunctionArn: fnArn('markFailed'),
      });
      expect(Object.keys(machine.Properties.DefinitionSubstitutions).sort()).toEqual(
        Object.keys(FUNCTION_SUBSTITUTIONS).sort(),
      );
    });

    it('gives each workflow function a timeout below its state\u2019s, and every run fits in 5 minutes', () => {
      // Prepare
      const definition = JSON.parse(readFileSync(DEFINITION_PATH, 'utf8')) as {
        States: Record<string, { Resource?: string; TimeoutSeconds?: number }>;
      };
      const functionOf: Record<string, keyof typeof FUNCTION_SETTINGS> = {
        Download: 'download',
        Recognize: 'recognize',
        RecognizeAsync: 'startTextDetection',
        WriteResult: 'writeResult',
        MarkFailed: 'markFailed',
      };

      // Act
      const timeouts = Object.entries(functionOf).map(([state, fn]) => ({
        state,
        stateSeconds: definition.States[state]?.TimeoutSeconds ?? Infinity,
        lambdaSeconds: FUNCTION_SETTINGS[fn].timeoutSeconds,
      }));

      // Assess: a Lambda timeout reaches MarkFailed as the function's error, not as States.Timeout
      // cutting the invocation off; the longest path (Download, Recognize, MarkFailed) stays within
      // the Express limit.
      for (const t of timeouts) expect(t.lambdaSeconds, t.state).toBeLessThan(t.stateSeconds);
      const longest = ['Download', 'Recognize', 'MarkFailed'].reduce(
        (sum, state) => sum + (definition.States[state]?.TimeoutSeconds ?? 0),
        0,
      );
      expect(longest).toBeLessThanOrEqual(300);
    });

    it('is an Express workflow with logging ALL and X-Ray', () => {
      // Prepare / Act / Assess
      stacks.statelessTemplate.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'EXPRESS',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      });
    });
  });

  describe('admission control', () => {
    const queueId = () => logicalIdOf(stacks.stateless.admission.queue);

    it('has an admission queue with SSE-SQS, TLS only, 1-hour retention and visibility 6 × the admitter timeout', () => {
      // Prepare
      const template = stacks.statelessTemplate;

      // Act
      const queue = template.toJSON().Resources[queueId()];

      // Assess
      expect(queue.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 3600,
        VisibilityTimeout: 6 * FUNCTION_SETTINGS.admitter.timeoutSeconds,
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId() }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('feeds the admission queue to the admitter, 10 pokes a batch, at most 2 at once', () => {
      // Prepare / Act / Assess
      stacks.statelessTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fnId('admitter') },
        EventSourceArn: { 'Fn::GetAtt': [queueId(), 'Arn'] },
        BatchSize: 10,
        ScalingConfig: { MaximumConcurrency: 2 },
        FunctionResponseTypes: Match.absent(),
      });
    });

    it('wakes the admitter every minute, with delivery retries and a dead-letter queue', () => {
      // Prepare
      const template = stacks.statelessTemplate;
      const dlq = { 'Fn::GetAtt': [logicalIdOf(stacks.stateless.failedInvocations), 'Arn'] };

      // Act / Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: fnArn('admitter'),
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
            DeadLetterConfig: { Arn: dlq },
          }),
        ],
      });
    });

    it('gives the admission queue and the stage’s quotas to every function with admission control', () => {
      // Prepare
      const { textractQuotas, admissionMaxWaitHours } = STAGE_CONFIGS.dev;
      const resources = stacks.statelessTemplate.toJSON().Resources;
      const variablesOf = (name: (typeof FUNCTION_NAMES)[number]) =>
        resources[fnId(name)].Properties.Environment.Variables as Record<string, unknown>;
      const quotas = {
        TEXTRACT_SYNC_TPS: String(textractQuotas.syncTps),
        TEXTRACT_ASYNC_START_TPS: String(textractQuotas.asyncStartTps),
        TEXTRACT_MAX_CONCURRENT_JOBS: String(textractQuotas.maxConcurrentJobs),
      };

      // Act / Assess
      for (const name of ['recognize', 'startTextDetection', 'textDetectionCompleted', 'admitter'] as const) {
        expect(variablesOf(name), name).toMatchObject({
          ...quotas,
          ADMISSION_QUEUE_URL: { Ref: queueId() },
          ADMISSION_MAX_WAIT_HOURS: String(admissionMaxWaitHours),
        });
      }
      // The admin overview shows the quotas; the api never pokes the queue.
      expect(variablesOf('api')).toMatchObject(quotas);
      expect(variablesOf('api').ADMISSION_QUEUE_URL).toBeUndefined();
      for (const name of ['download', 'writeResult', 'markFailed', 'dispatcher', 'janitor'] as const) {
        expect(variablesOf(name).ADMISSION_QUEUE_URL, name).toBeUndefined();
      }
    });

    it('charts the admitter’s metrics by Kind and service, the queue and the admitter, and states the quotas', () => {
      // Prepare
      const dashboard = Object.values(
        stacks.statelessTemplate.findResources('AWS::CloudWatch::Dashboard'),
      )[0]!;
      const body = JSON.stringify(dashboard.Properties.DashboardBody);
      const service = stacks.stateless.functions.admitter.serviceName;

      // Act / Assess: the body is a Fn::Join of JSON fragments, hence the escaped quotes. The
      // dimensions are exactly those the admitter's EMF lines carry (emf-admission-metrics.test.ts).
      for (const metric of ['AdmissionWaiting', 'AdmissionHeld', 'AdmissionCallsPerMinute']) {
        for (const kind of ['sync', 'async']) {
          expect(body).toContain(
            `[\\"untxt\\",\\"${metric}\\",\\"Kind\\",\\"${kind}\\",\\"service\\",\\"${service}\\"`,
          );
        }
      }
      expect(body).toContain('ApproximateNumberOfMessagesVisible');
      expect(body).toContain('NumberOfMessagesSent');
      expect(body).toContain('ThrottledCount');
      expect(body).toMatch(/DetectDocumentText \(one page\) \| 10 TPS/);
      expect(body).toMatch(/Text-detection jobs at once \| 100/);
    });

    it('puts the configured quotas into the environment, and refuses a quota that is not a positive integer', () => {
      // Prepare
      const make = (syncTps: number) =>
        new TextractAdmission(new Stack(new App(), 'Test'), 'Admission', {
          stage: 'test',
          quotas: { syncTps, asyncStartTps: 15, maxConcurrentJobs: 300 },
          maxWaitHours: 6,
          deadLetterQueue: { queueArn: 'arn:aws:sqs:us-east-1:123456789012:dlq' } as never,
        });

      // Act
      const admission = make(25);

      // Assess
      expect(admission.environment).toMatchObject({
        TEXTRACT_SYNC_TPS: '25',
        TEXTRACT_ASYNC_START_TPS: '15',
        TEXTRACT_MAX_CONCURRENT_JOBS: '300',
        ADMISSION_MAX_WAIT_HOURS: '6',
      });
      expect(() => make(0)).toThrow(/syncTps must be a positive integer/);
      expect(() => make(2.5)).toThrow(/syncTps/);
    });
  });

  describe('async text detection', () => {
    it('lets Textract publish completions to an encrypted topic the callback function subscribes to', () => {
      // Prepare
      const template = stacks.statelessTemplate;
      const topic = logicalIdOf(stacks.stateless.pipeline.textractTopic);
      const role = logicalIdOf(stacks.stateless.pipeline.textractRole);

      // Act / Assess
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'textract.amazonaws.com' } })],
        },
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'lambda',
        TopicArn: { Ref: topic },
        Endpoint: fnArn('textDetectionCompleted'),
        RedrivePolicy: Match.objectLike({ deadLetterTargetArn: Match.anyValue() }),
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            TEXTRACT_SNS_TOPIC_ARN: { Ref: topic },
            TEXTRACT_ROLE_ARN: { 'Fn::GetAtt': [role, 'Arn'] },
          }),
        },
      });
    });
  });

  describe('REST API', () => {
    it('sends /api/{proxy+} to the api function behind the Cognito authorizer with request validation', () => {
      // Prepare
      const template = stacks.statelessTemplate;

      // Act / Assess
      template.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS' });
      template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{proxy+}' });
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'ANY',
        AuthorizationType: 'COGNITO_USER_POOLS',
        RequestValidatorId: Match.anyValue(),
        RequestParameters: { 'method.request.header.Authorization': true },
        Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
      });
      template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
        ValidateRequestParameters: true,
        ValidateRequestBody: true,
      });
    });

    it('logs access as JSON, traces, throttles and answers CORS preflights', () => {
      // Prepare
      const template = stacks.statelessTemplate;

      // Act / Assess
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: 'v1',
        TracingEnabled: true,
        AccessLogSetting: Match.objectLike({
          DestinationArn: Match.anyValue(),
          Format: Match.stringLikeRegexp('requestId'),
        }),
        MethodSettings: [
          Match.objectLike({ LoggingLevel: 'ERROR', ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 }),
        ],
      });
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'OPTIONS',
        AuthorizationType: 'NONE',
      });
    });

    it('leaves only the health and openapi routes public', () => {
      // Prepare
      const methods = Object.values(stacks.statelessTemplate.findResources('AWS::ApiGateway::Method'));

      // Act
      const open = methods.filter(
        (m) => m.Properties.HttpMethod !== 'OPTIONS' && m.Properties.AuthorizationType === 'NONE',
      );

      // Assess
      expect(open).toHaveLength(2);
    });

    it('answers its own errors (401, 413, 502, 504 and every other 4xx/5xx) in the API error shape', () => {
      // Prepare
      const template = stacks.statelessTemplate;
      const responses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse'));

      // Act
      const byType = new Map(responses.map((r) => [r.Properties.ResponseType as string, r.Properties]));

      // Assess
      expect([...byType.keys()].sort()).toEqual([
        'DEFAULT_4XX',
        'DEFAULT_5XX',
        'INTEGRATION_FAILURE',
        'INTEGRATION_TIMEOUT',
        'REQUEST_TOO_LARGE',
        'UNAUTHORIZED',
      ]);
      const tooLarge = byType.get('REQUEST_TOO_LARGE');
      expect(tooLarge.StatusCode).toBe('413');
      expect(JSON.parse(tooLarge.ResponseTemplates['application/json'])).toEqual({
        error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/10 MB/) },
      });
      expect(JSON.parse(byType.get('UNAUTHORIZED').ResponseTemplates['application/json'])).toMatchObject({
        error: { code: 'UNAUTHORIZED' },
      });
      expect(byType.get('DEFAULT_4XX').ResponseTemplates['application/json']).toContain(
        '"message":$context.error.messageString',
      );
      for (const response of byType.values())
        expect(response.ResponseParameters).toMatchObject({
          'gatewayresponse.header.Access-Control-Allow-Origin': "'*'",
        });
    });
  });

  describe('WebSocket API', () => {
    it('routes $connect, $disconnect, $default, ping and subscribe to the ws function', () => {
      // Prepare
      const template = stacks.statelessTemplate;

      // Act
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
        (r) => r.Properties.RouteKey,
      );

      // Assess
      expect(routes.sort()).toEqual(['$connect', '$default', '$disconnect', 'ping', 'subscribe']);
      template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationUri: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([fnArn('ws')])]) }),
      });
    });

    it('logs access and errors on the stage, once the account logging role exists', () => {
      // Prepare / Act / Assess
      stacks.statelessTemplate.hasResource('AWS::ApiGatewayV2::Stage', {
        DependsOn: Match.arrayWith([Match.stringLikeRegexp('DocumentsApiAccount')]),
      });
      stacks.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: 'v1',
        AccessLogSettings: Match.objectLike({ Format: Match.stringLikeRegexp('connectionId') }),
        DefaultRouteSettings: Match.objectLike({ LoggingLevel: 'ERROR', DetailedMetricsEnabled: true }),
      });
    });
  });

  describe('operations', () => {
    it('runs the kysely migrations through a custom resource backed by the migrate function', () => {
      // Prepare
      const template = stacks.statelessTemplate;

      // Act / Assess
      template.hasResourceProperties('Custom::UntxtMigrations', {
        ServiceToken: Match.anyValue(),
        migrations: Match.stringLikeRegexp('^[0-9a-f]{16}$'),
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ USER_ON_EVENT_FUNCTION_ARN: fnArn('migrate') }) },
      });
    });

    it('names the dbChange function to migrate, and runs migrate again when the function is replaced', () => {
      // Prepare
      const template = stacks.statelessTemplate;

      // Act
      const migrate = template.toJSON().Resources[fnId('migrate')];

      // Assess
      expect(migrate.Properties.Environment.Variables.DB_CHANGE_FUNCTION_ARN).toEqual(fnArn('dbChange'));
      template.hasResourceProperties('Custom::UntxtMigrations', { changeFunction: fnArn('dbChange') });
    });

    it('gives dbChange the database and the WebSocket stage, which the database invokes asynchronously', () => {
      // Prepare
      const template = stacks.statelessTemplate;

      // Act
      const variables = template.toJSON().Resources[fnId('dbChange')].Properties.Environment.Variables;

      // Assess
      expect(Object.keys(variables).sort()).toEqual([
        'DB_NAME',
        'DB_PORT',
        'DB_PROXY_ENDPOINT',
        'DB_USER',
        'POWERTOOLS_LOG_LEVEL',
        'POWERTOOLS_SERVICE_NAME',
        'WEBSOCKET_MANAGEMENT_ENDPOINT',
      ]);
      // No event source, rule or subscription: only the database's role may invoke it (iam.test.ts).
      expect(JSON.stringify(template.findResources('AWS::Lambda::EventSourceMapping'))).not.toContain(
        fnId('dbChange'),
      );
      expect(JSON.stringify(template.findResources('AWS::Lambda::Permission'))).not.toContain(
        fnId('dbChange'),
      );
    });

    it('runs the janitor every 15 minutes with retries and a dead-letter queue', () => {
      // Prepare / Act / Assess
      stacks.statelessTemplate.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(15 minutes)',
        Targets: [
          Match.objectLike({
            Arn: fnArn('janitor'),
            RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 2 }),
            DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
          }),
        ],
      });
    });

    it('alarms to the SNS topic on dead letters, failed executions, Textract throttles, function errors and API 5xx', () => {
      // Prepare
      const template = stacks.statelessTemplate;
      const topic = { Ref: logicalIdOf(stacks.stateless.alarmTopic) };

      // Act
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));

      // Assess
      for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([topic]);
      const metrics = alarms.map((a) => `${a.Properties.Namespace}/${a.Properties.MetricName}`);
      expect(metrics).toEqual(
        expect.arrayContaining([
          'AWS/SQS/ApproximateNumberOfMessagesVisible',
          'AWS/States/ExecutionsFailed',
          'AWS/Textract/ThrottledCount',
          'AWS/Lambda/Errors',
          'AWS/ApiGateway/5XXError',
        ]),
      );
      expect(metrics.filter((m) => m === 'AWS/Lambda/Errors')).toHaveLength(FUNCTION_NAMES.length);
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    });
  });

  describe('web console', () => {
    it('deploys the hashed assets for a year, then index.html and config.json uncached and invalidated', () => {
      // Prepare
      const template = stacks.statelessTemplate;
      const output = (name: string) =>
        Match.objectLike({
          'Fn::GetStackOutput': Match.objectLike({
            StackName: 'untxt-dev-data',
            OutputName: Match.stringLikeRegexp(`^PublishOutputRef${name}[0-9A-F]{8}[0-9A-F]{8}$`),
          }),
        });
      const assetsId = deploymentId(stacks.stateless.webConsole.assets);
      const entryId = deploymentId(stacks.stateless.webConsole.deployment);

      // Act
      const deployments = template.findResources('Custom::CDKBucketDeployment');

      // Assess
      expect(Object.keys(deployments).sort()).toEqual([assetsId, entryId].sort());
      template.hasResourceProperties('Custom::CDKBucketDeployment', {
        DestinationBucketName: output('WebBucket'),
        DistributionId: Match.absent(),
        Prune: true,
        Exclude: ['index.html', 'config.json'],
        SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
      });
      template.hasResourceProperties('Custom::CDKBucketDeployment', {
        DestinationBucketName: output('WebBucket'),
        DistributionId: output('WebDistribution'),
        DistributionPaths: ['/index.html', '/config.json'],
        Prune: false,
        SystemMetadata: { 'cache-control': 'no-cache' },
        // index.html and config.json; the latter's deploy-time values are markers, JSON-escaped.
        SourceObjectKeys: [Match.stringLikeRegexp('\\.zip$'), Match.stringLikeRegexp('\\.zip$')],
        SourceMarkersConfig: [{}, { jsonEscape: true }],
      });
      expect(deployments[assetsId]!.Properties.Prune).toBe(true);
      expect(deployments[entryId]!.Properties.Prune).toBe(false);
      expect(deployments[entryId]!.DependsOn).toEqual(expect.arrayContaining([assetsId]));
    });

    it('prints the web, REST and WebSocket URLs, and the data stack the Cognito pool and client, as stack outputs', () => {
      // Prepare
      type Outputs = Record<string, { Value: unknown; Description?: string }>;
      const outputs = stacks.statelessTemplate.toJSON().Outputs as Outputs;
      const dataOutputs = stacks.statefulTemplate.toJSON().Outputs as Outputs;

      // Act
      const named = [
        ...['WebUrl', 'ApiUrl', 'WebSocketUrl'].map((id) => [id, outputs[id]] as const),
        ...['UserPoolId', 'UserPoolClientId'].map((id) => [id, dataOutputs[id]] as const),
      ];

      // Assess
      for (const [id, output] of named) {
        expect(output, id).toBeDefined();
        expect(output!.Description?.length, id).toBeGreaterThan(10);
      }
      expect(JSON.stringify(outputs.ApiUrl!.Value)).toContain(logicalIdOf(stacks.stateless.documentsApi.api));
      expect(JSON.stringify(outputs.WebUrl!.Value)).toContain('https://');
      expect(dataOutputs.UserPoolId!.Value).toEqual({ Ref: logicalIdOf(stacks.stateful.users.userPool) });
    });

    it('fills config.json with the REST and WebSocket APIs, the region and the Cognito pool and client', () => {
      // Prepare
      const deployment =
        stacks.statelessTemplate.toJSON().Resources[deploymentId(stacks.stateless.webConsole.deployment)];

      // Act
      const markers = Object.values(
        (deployment!.Properties.SourceMarkers as Array<Record<string, unknown>>)[1]!,
      ).map((value) => JSON.stringify(value));

      // Assess
      expect(markers).toEqual(
        expect.arrayContaining([
          JSON.stringify({ Ref: logicalIdOf(stacks.stateless.documentsApi.api) }),
          JSON.stringify({ Ref: logicalIdOf(stacks.stateless.realtime.api) }),
          JSON.stringify({ Ref: 'AWS::Region' }),
          expect.stringMatching(/"OutputName":"PublishOutputRefUsersPool[0-9A-F]{16}"/),
          expect.stringMatching(/"OutputName":"PublishOutputRefUsersPoolWebClient[0-9A-F]{16}"/),
        ]),
      );
    });

    it('runs the deployment function in the function subnets, logging to an encrypted log group', () => {
      // Prepare
      const handler = stacks.stateless.webConsole.handler;

      // Act
      const properties = stacks.statelessTemplate.toJSON().Resources[logicalIdOf(handler)].Properties;

      // Assess
      expect(properties.VpcConfig.SubnetIds).toHaveLength(2);
      expect(JSON.stringify(properties.VpcConfig.SecurityGroupIds)).toMatch(/FunctionSecurityGroup/);
      const logGroupId = (properties.LoggingConfig.LogGroup as { Ref: string }).Ref;
      const logGroup = stacks.statelessTemplate.toJSON().Resources[logGroupId];
      expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
      expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
      expect(JSON.stringify(logGroup.Properties.KmsKeyId)).toMatch(/DataKey/);
    });
  });
});
