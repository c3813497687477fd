import { Aspects, CfnResource, type IAspect } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * A cfn-lint finding the templates knowingly carry: the rule, the resource types it is accepted on,
 * and why that is safe, with a source a reviewer can check.
 */
export interface CfnLintSuppression {
  readonly rule: string;
  readonly resourceTypes: readonly string[];
  readonly reason: string;
}

/**
 * What `cfn-lint` (1.51, the version CI runs) reports on untxt's templates and why each is accepted.
 * `test/infra/cfn-lint.test.ts` lints every stage's synthesized templates and fails on any other
 * finding, and on any entry here that no longer suppresses anything.
 */
export const CFN_LINT_SUPPRESSIONS: readonly CfnLintSuppression[] = [
  {
    rule: 'E1022',
    // rds-db:connect resources are built with Fn::Join around the proxy's ARN from the data stack.
    resourceTypes: ['AWS::IAM::Policy'],
    reason:
      'cfn-lint 1.51 does not know Fn::GetStackOutput, the cross-stack reference CDK writes under @aws-cdk/core:defaultCrossStackReferences = weak; CloudFormation documents it as returning the output value (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getstackoutput.html), a string inside Fn::Join.',
  },
  {
    rule: 'E3002',
    // Tags.of(app) tags every taggable resource; these two became taggable after cfn-lint 1.51.
    resourceTypes: ['AWS::CloudWatch::Dashboard', 'AWS::RDS::DBProxyTargetGroup'],
    reason:
      "cfn-lint 1.51's resource schemas predate their Tags property, which CloudFormation's specification has: aws-cdk-lib 2.276 generates it for both L1s (CfnDashboardProps.tags since v2.257.0; CfnDBProxyTargetGroup is ITaggableV2), and https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-dashboard.html lists Tags.",
  },
  {
    rule: 'W3005',
    resourceTypes: [
      'AWS::Lambda::Function',
      'AWS::StepFunctions::StateMachine',
      'Custom::S3BucketNotifications',
    ],
    reason:
      'CDK adds DependsOn on a role (or queue) that a GetAtt already orders; a redundant dependency changes no deployment order (cfn-lint: "dependency already enforced").',
  },
];

/** Writes each matching suppression into the resource's `Metadata.cfn-lint` (cfn-lint's own per-resource config). */
class CfnLintMetadata implements IAspect {
  constructor(private readonly suppressions: readonly CfnLintSuppression[]) {}

  visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node)) return;
    const rules = this.suppressions
      .filter((suppression) => suppression.resourceTypes.includes(node.cfnResourceType))
      .map((suppression) => suppression.rule);
    if (rules.length > 0) node.addMetadata('cfn-lint', { config: { ignore_checks: rules } });
  }
}

/** Marks the app's resources with {@link CFN_LINT_SUPPRESSIONS}, so `cfn-lint cdk.out/*.template.json` prints only what is new. */
export function applyCfnLintSuppressions(scope: IConstruct): void {
  Aspects.of(scope).add(new CfnLintMetadata(CFN_LINT_SUPPRESSIONS));
}
