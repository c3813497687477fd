import { CfnResource, Validations } from 'aws-cdk-lib';
import { rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** A class of IAM wildcard that is acceptable, and why. */
export interface WildcardAllowance {
  /** Matched against the cdk-nag finding, e.g. `Resource::<DocumentsBucket.Arn>/results/*`. */
  readonly finding: RegExp;
  readonly reason: string;
}

type Iam5Rule = (node: CfnResource) => unknown;
const iamNoWildcards = (rules as unknown as { iam: { IAMNoWildcardPermissions: Iam5Rule } }).iam
  .IAMNoWildcardPermissions;

const ALLOWANCES = new WeakMap<IConstruct, WildcardAllowance[]>();

/**
 * Declares which IAM wildcards are acceptable under `scope`, each with its reason.
 *
 * cdk-nag 3 acknowledges IAM5 findings one by one (`AwsSolutions-IAM5[Resource::…]`), has no prefix
 * matching, and the finding text contains logical ids and, across stacks, output references that only
 * exist once references are resolved. So the allowances are recorded here and turned into exact
 * acknowledgements by {@link acknowledgeAllowedWildcards} right before the packs run; any wildcard
 * no allowance matches still fails the synth.
 */
export function allowWildcards(scope: IConstruct, allowances: readonly WildcardAllowance[]): void {
  ALLOWANCES.set(scope, [...(ALLOWANCES.get(scope) ?? []), ...allowances]);
}

/** Acknowledges, on each IAM policy and role under `root`, the IAM5 findings an allowance matches. */
export function acknowledgeAllowedWildcards(root: IConstruct): void {
  for (const node of root.node.findAll()) {
    if (
      !CfnResource.isCfnResource(node) ||
      !['AWS::IAM::Policy', 'AWS::IAM::Role'].includes(node.cfnResourceType)
    ) {
      continue;
    }
    // Nearest scope first: a construct's own allowance (and reason) wins over its stack's.
    const allowances = [...node.node.scopes].reverse().flatMap((scope) => ALLOWANCES.get(scope) ?? []);
    if (allowances.length === 0) continue;
    let findings: unknown;
    try {
      findings = iamNoWildcards(node);
    } catch {
      continue; // the pack reports rules that cannot be evaluated by itself
    }
    if (!Array.isArray(findings)) continue;
    for (const finding of findings as string[]) {
      const allowance = allowances.find((a) => a.finding.test(finding));
      if (allowance)
        Validations.of(node).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: allowance.reason });
    }
  }
}
