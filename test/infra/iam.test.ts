import { beforeAll, describe, expect, it } from 'vitest';
import type { FunctionName } from '../../lambdas/entry/env.js';
import {
  actionsOf,
  logicalIdOf,
  type Statement,
  statementsOfRole,
  synthesizeApp,
  type UntxtStacks,
} from './app-fixture.js';

/**
 * Every action each function's role may perform, beyond what every function gets (X-Ray traces,
 * its dead-letter queue, rds-db:connect through the proxy). Adding a grant means adding it here.
 */
const EXPECTED_ACTIONS: Record<FunctionName, string[]> = {
  api: [
    'execute-api:ManageConnections',
    'kms:Decrypt',
    'kms:GenerateDataKey',
    's3:GetObject',
    's3:GetObjectTagging',
    's3:ListBucket',
    's3:PutObject',
    's3:PutObjectTagging',
    'sqs:DeleteMessage',
    'sqs:GetQueueAttributes',
    'sqs:ReceiveMessage',
    'sqs:SendMessage',
    'sqs:StartMessageMoveTask',
    'states:StartExecution',
  ],
  ws: ['execute-api:ManageConnections'],
  dispatcher: [
    'execute-api:ManageConnections',
    'kms:Decrypt',
    's3:GetObject',
    's3:ListBucket',
    'sqs:ChangeMessageVisibility',
    'sqs:DeleteMessage',
    'sqs:GetQueueAttributes',
    'sqs:GetQueueUrl',
    'sqs:ReceiveMessage',
    'states:StartExecution',
  ],
  download: [
    'execute-api:ManageConnections',
    'kms:Decrypt',
    'kms:GenerateDataKey',
    's3:GetObject',
    's3:ListBucket',
    's3:PutObject',
  ],
  recognize: [
    'execute-api:ManageConnections',
    'kms:Decrypt',
    'kms:GenerateDataKey',
    's3:GetObject',
    's3:ListBucket',
    's3:PutObject',
    'sqs:SendMessage', // the admission queue (a parked task wakes the admitter)
    'textract:DetectDocumentText',
  ],
  startTextDetection: [
    'execute-api:ManageConnections',
    'iam:PassRole',
    'kms:Decrypt',
    'kms:GenerateDataKey',
    's3:GetObject',
    's3:ListBucket',
    's3:PutObject',
    'sqs:SendMessage', // the admission queue
    'states:StartExecution',
    'textract:StartDocumentTextDetection',
  ],
  // sqs:SendMessage: the admission queue (a finished job frees a slot someone may wait for).
  textDetectionCompleted: ['execute-api:ManageConnections', 'sqs:SendMessage', 'states:StartExecution'],
  admitter: [
    'execute-api:ManageConnections',
    // The admission queue: consumed as its event source, and poked to carry the loop on.
    'sqs:ChangeMessageVisibility',
    'sqs:DeleteMessage',
    'sqs:GetQueueAttributes',
    'sqs:GetQueueUrl',
    'sqs:ReceiveMessage',
    'sqs:SendMessage',
    'states:StartExecution',
  ],
  writeResult: [
    'execute-api:ManageConnections',
    'kms:GenerateDataKey',
    's3:PutObject',
    'textract:GetDocumentTextDetection',
  ],
  markFailed: ['execute-api:ManageConnections'],
  janitor: [
    'execute-api:ManageConnections',
    'kms:Decrypt',
    's3:GetObject',
    's3:ListBucket',
    'states:StartExecution',
  ],
  dbChange: ['execute-api:ManageConnections'],
  migrate: [],
};

const BASELINE = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'sqs:SendMessage', 'rds-db:connect'];
const TEXTRACT = /^textract:(DetectDocumentText|StartDocumentTextDetection|GetDocumentTextDetection)$/;
const STAR_ALLOWED =
  /^(textract:(DetectDocumentText|StartDocumentTextDetection|GetDocumentTextDetection)|xray:\w+|logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups))$/;
/** CDK's BucketDeployment grants its invalidation actions on "*" (documented in aws-s3-deployment). */
const DEPLOYMENT_STAR = /^cloudfront:(CreateInvalidation|GetInvalidation)$/;

describe('IAM least privilege', () => {
  let stacks: UntxtStacks;
  const statementsOf = (name: FunctionName): Statement[] =>
    statementsOfRole(stacks.statelessTemplate, logicalIdOf(stacks.stateless.functions[name].role!));

  beforeAll(() => {
    stacks = synthesizeApp('dev');
  });

  it('grants each function exactly the actions its code calls', () => {
    // Prepare
    const names = Object.keys(EXPECTED_ACTIONS) as FunctionName[];

    // Act
    const granted = Object.fromEntries(
      names.map((name) => {
        const actions = new Set(statementsOf(name).flatMap(actionsOf));
        const extra = [...actions].filter((a) => !BASELINE.includes(a) || EXPECTED_ACTIONS[name].includes(a));
        return [name, extra.sort()];
      }),
    );

    // Assess
    for (const name of names) expect(granted[name], name).toEqual([...EXPECTED_ACTIONS[name]].sort());
  });

  it('lets only the Textract steps and the admitter send to the admission queue, and the steps nothing else there', () => {
    // Prepare: sqs:SendMessage is also every function's dead-letter grant, so look at the resource.
    const queue = logicalIdOf(stacks.stateless.admission.queue);
    const onQueue = (statement: Statement) => JSON.stringify(statement.Resource).includes(`"${queue}"`);

    // Act
    const sendersOf = (Object.keys(EXPECTED_ACTIONS) as FunctionName[]).filter((name) =>
      statementsOf(name).some((s) => onQueue(s) && actionsOf(s).includes('sqs:SendMessage')),
    );
    const stepActions = (['recognize', 'startTextDetection', 'textDetectionCompleted'] as const).map((name) =>
      statementsOf(name).filter(onQueue).flatMap(actionsOf),
    );
    const machineStarts = statementsOf('admitter').filter((s) =>
      actionsOf(s).includes('states:StartExecution'),
    );

    // Assess
    expect(sendersOf.sort()).toEqual([
      'admitter',
      'recognize',
      'startTextDetection',
      'textDetectionCompleted',
    ]);
    for (const actions of stepActions) expect(actions).toEqual(['sqs:SendMessage']);
    expect(machineStarts.map((s) => s.Resource)).toEqual([
      { Ref: logicalIdOf(stacks.stateless.pipeline.stateMachine) },
    ]);
  });

  it('uses no action wildcards in function policies', () => {
    // Prepare / Act
    const wildcards = (Object.keys(EXPECTED_ACTIONS) as FunctionName[]).flatMap((name) =>
      statementsOf(name)
        .flatMap(actionsOf)
        .filter((action) => action.includes('*'))
        .map((action) => `${name}: ${action}`),
    );

    // Assess
    expect(wildcards).toEqual([]);
  });

  it('uses Resource "*" only for Textract, X-Ray, log delivery and the web deployment’s invalidation', () => {
    // Prepare
    const deploymentRole = logicalIdOf(stacks.stateless.webConsole.deployment.handlerRole);
    const policies = Object.values(stacks.statelessTemplate.findResources('AWS::IAM::Policy'));
    const isDeployment = (policy: (typeof policies)[number]) =>
      ((policy.Properties.Roles as Array<{ Ref?: string }>) ?? []).some((r) => r.Ref === deploymentRole);
    const starActionsOf = (selected: typeof policies) =>
      selected
        .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
        .filter((statement) => statement.Resource === '*')
        .flatMap(actionsOf);

    // Act
    const starActions = starActionsOf(policies.filter((policy) => !isDeployment(policy)));
    const deploymentStarActions = starActionsOf(policies.filter(isDeployment));

    // Assess: CloudFront invalidation on "*" only in the BucketDeployment function's own policy
    expect(starActions.filter((action) => !STAR_ALLOWED.test(action))).toEqual([]);
    expect(starActions.filter((action) => TEXTRACT.test(action)).sort()).toEqual([
      'textract:DetectDocumentText',
      'textract:GetDocumentTextDetection',
      'textract:StartDocumentTextDetection',
    ]);
    expect(deploymentStarActions.sort()).toEqual([
      'cloudfront:CreateInvalidation',
      'cloudfront:GetInvalidation',
    ]);
    expect(deploymentStarActions.filter((action) => !DEPLOYMENT_STAR.test(action))).toEqual([]);
  });

  it('lets the web deployment write only the web bucket and read only the CDK asset bucket', () => {
    // Prepare
    const statements = statementsOfRole(
      stacks.statelessTemplate,
      logicalIdOf(stacks.stateless.webConsole.deployment.handlerRole),
    );
    const webBucketArn = /"OutputName":"PublishOutputFnGetAttWebBucket[0-9A-F]{8}Arn[0-9A-F]{8}"/;
    const assetBucket = /cdk-hnb659fds-assets-/;

    // Act
    const s3Statements = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    const writers = s3Statements.filter((s) => actionsOf(s).some((a) => /^s3:(Put|Delete)/.test(a)));

    // Assess
    expect(s3Statements).toHaveLength(2);
    expect(writers).toHaveLength(1);
    expect(JSON.stringify(writers[0]!.Resource)).toMatch(webBucketArn);
    expect(JSON.stringify(writers[0]!.Resource)).not.toMatch(assetBucket);
    const reader = s3Statements.find((s) => s !== writers[0])!;
    expect(actionsOf(reader).sort()).toEqual(['s3:GetBucket*', 's3:GetObject*', 's3:List*']);
    expect(JSON.stringify(reader.Resource)).toMatch(assetBucket);
  });

  it('scopes document access to the uploads/ and results/ prefixes', () => {
    // Prepare / Act
    const objectStatements = (Object.keys(EXPECTED_ACTIONS) as FunctionName[])
      .flatMap(statementsOf)
      .filter((statement) => actionsOf(statement).some((a) => /^s3:(Get|Put)Object/.test(a)));
    const resources = objectStatements.flatMap((s) =>
      Array.isArray(s.Resource) ? s.Resource : [s.Resource],
    );

    // Assess
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) expect(JSON.stringify(resource)).toMatch(/"\/(uploads|results)\/\*"/);
  });

  it('lets the state machine invoke exactly the five workflow functions', () => {
    // Prepare
    const role = stacks.stateless.pipeline.stateMachine.role;
    const statements = statementsOfRole(stacks.statelessTemplate, logicalIdOf(role));

    // Act
    const invoked = statements
      .filter((s) => actionsOf(s).includes('lambda:InvokeFunction'))
      .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]))
      .map((r) => JSON.stringify(r).match(/"(\w+Function)[0-9A-F]{8}"/)?.[1])
      .filter(Boolean);

    // Assess
    expect([...new Set(invoked)].sort()).toEqual([
      'DownloadFunction',
      'MarkFailedFunction',
      'RecognizeFunction',
      'StartTextDetectionFunction',
      'WriteResultFunction',
    ]);
  });

  it('lets the database’s role invoke exactly the dbChange function, granted from the app stack', () => {
    // Prepare
    const roleOutput = `PublishOutputRef${logicalIdOf(stacks.stateful.databaseLambda.role)}`;

    // Act
    const policies = Object.values(stacks.statelessTemplate.findResources('AWS::IAM::ManagedPolicy')).filter(
      (policy) => JSON.stringify(policy.Properties.Roles).includes(roleOutput),
    );

    // Assess
    expect(policies).toHaveLength(1);
    expect(policies[0]!.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [logicalIdOf(stacks.stateless.functions.dbChange), 'Arn'] },
      },
    ]);
  });

  it('lets Textract only publish to the completion topic', () => {
    // Prepare / Act
    const statements = statementsOfRole(
      stacks.statelessTemplate,
      logicalIdOf(stacks.stateless.pipeline.textractRole),
    );

    // Assess
    expect(statements.flatMap(actionsOf).sort()).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'sns:Publish',
    ]);
  });
});
