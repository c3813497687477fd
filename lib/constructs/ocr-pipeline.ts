import { ArnFormat, Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { FUNCTION_SUBSTITUTIONS } from '../../local/stepfunctions/definition.js';
import { DEFINITION_PATH } from '../../local/stepfunctions/definition.js';

/** The function behind each `${…FunctionArn}` placeholder of the shared definition. */
export type WorkflowFunctions = Record<keyof typeof FUNCTION_SUBSTITUTIONS, IFunction>;

/** Props of {@link OcrPipeline}. */
export interface OcrPipelineProps {
  readonly name: string;
  readonly logRetention: RetentionDays;
  readonly encryptionKey: IKey;
}

/** Textract API actions that have no resource-level permissions (`Resource: "*"` is required). */
export const TEXTRACT_ACTIONS = {
  detect: 'textract:DetectDocumentText',
  start: 'textract:StartDocumentTextDetection',
  get: 'textract:GetDocumentTextDetection',
} as const;

/**
 * The OCR workflow: the state machine from `lib/workflow/ocr-workflow.asl.json` (the file the local
 * host runs, with the function ARNs substituted), an Express workflow with X-Ray and logging ALL (the
 * logs are an Express workflow's only execution history); plus the SNS topic Textract announces
 * finished async jobs to, and the role Textract assumes to publish there. Express, not Standard, is
 * a cost decision (docs/aws.md, "Standard or Express"): a run costs a few millionths of a dollar
 * instead of $0.025 per 1,000 state transitions. The state machine is created in two steps
 * ({@link bindFunctions}) because the Textract role and topic must exist before the functions that
 * use them.
 */
export class OcrPipeline extends Construct {
  readonly textractTopic: Topic;
  readonly textractRole: Role;
  private machine?: StateMachine;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: OcrPipelineProps,
  ) {
    super(scope, id);
    this.textractTopic = new Topic(this, 'TextractCompletions', {
      displayName: 'untxt Textract job completions',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    this.textractRole = new Role(this, 'TextractPublisher', {
      description: 'Assumed by Textract to announce finished text-detection jobs',
      assumedBy: new ServicePrincipal('textract.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    // Explicit instead of topic.grantPublish (which adds kms:GenerateDataKey*): exactly what SNS
    // needs to publish to a KMS-encrypted topic on the publisher's behalf.
    this.textractRole.addToPolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [this.textractTopic.topicArn] }),
    );
    props.encryptionKey.grant(this.textractRole, 'kms:GenerateDataKey', 'kms:Decrypt');
  }

  /**
   * The state machine's ARN built from its name, for the functions the definition itself names
   * (`RecognizeAsync` hands a finished job's task back to the workflow): a reference to the resource
   * would make the state machine and those functions depend on each other.
   */
  get stateMachineArnByName(): string {
    return Stack.of(this).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: this.props.name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** The state machine; throws before {@link bindFunctions}. */
  get stateMachine(): StateMachine {
    if (!this.machine) throw new Error('OcrPipeline.bindFunctions() has not been called');
    return this.machine;
  }

  /** Creates the state machine over the shared definition, invoking exactly these functions. */
  bindFunctions(functions: WorkflowFunctions): StateMachine {
    const logs = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${this.props.name}`,
      retention: this.props.logRetention,
      encryptionKey: this.props.encryptionKey,
    });
    this.machine = new StateMachine(this, 'StateMachine', {
      stateMachineName: this.props.name,
      stateMachineType: StateMachineType.EXPRESS,
      definitionBody: DefinitionBody.fromFile(DEFINITION_PATH),
      definitionSubstitutions: Object.fromEntries(
        Object.entries(functions).map(([placeholder, fn]) => [placeholder, fn.functionArn]),
      ),
      tracingEnabled: true,
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: true },
      // Express workflows stop at 5 minutes; the states' own timeouts keep a run well inside it.
      timeout: Duration.minutes(5),
    });
    for (const fn of Object.values(functions)) fn.grantInvoke(this.machine);
    return this.machine;
  }

  /** `states:StartExecution` by name, for the functions that hand a finished job's task back. */
  grantHandOff(grantee: { addToRolePolicy(statement: PolicyStatement): void }): void {
    grantee.addToRolePolicy(
      new PolicyStatement({ actions: ['states:StartExecution'], resources: [this.stateMachineArnByName] }),
    );
  }

  /** Acknowledges the findings that come with the state machine's generated role. */
  acknowledge(): void {
    Validations.of(this.stateMachine).acknowledge({
      id: 'HIPAA.Security-IAMNoInlinePolicy',
      reason:
        'CDK scopes the state machine’s inline policy to the five workflow functions, its log delivery and X-Ray.',
    });
  }
}
