import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
} from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { acknowledgeAllowedWildcards } from './nag-wildcards.js';

/** The cdk-nag packs the app must pass: AWS Solutions, HIPAA Security and Serverless. */
export const nagPacks = (scope?: IConstruct): NagPack[] => [
  new AwsSolutionsChecks(scope),
  new HIPAASecurityChecks(scope),
  new ServerlessChecks(scope),
];

/** A pack that first turns the declared wildcard allowances into acknowledgements (see nag-wildcards.ts). */
class AllowanceAwarePack implements IPolicyValidationPlugin {
  readonly name: string;
  readonly version?: string;
  readonly ruleIds?: string[];

  constructor(private readonly pack: NagPack) {
    this.name = pack.name;
    this.version = pack.version;
    this.ruleIds = pack.ruleIds;
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const app = (context as IPolicyValidationContext & { appConstruct?: IConstruct }).appConstruct;
    if (app) acknowledgeAllowedWildcards(app);
    return this.pack.validate(context);
  }
}

/**
 * Registers the packs as validation plugins (cdk-nag 3 runs through `Validations`, not Aspects):
 * `cdk synth` fails on any unacknowledged finding.
 */
export function applyNagPacks(app: IConstruct): void {
  Validations.of(app).addPlugins(...nagPacks(app).map((pack) => new AllowanceAwarePack(pack)));
}

/** One unacknowledged finding, flattened for test output. */
export interface NagFinding {
  rule: string;
  path: string;
  severity: string;
}

/**
 * Runs every pack over `scope` (synthesize it first, e.g. with `Template.fromStack`, so references
 * are resolved as in `cdk synth`); returns the unacknowledged findings, warnings included.
 */
export function nagFindings(scope: IConstruct): NagFinding[] {
  acknowledgeAllowedWildcards(scope);
  return nagPacks().flatMap((pack) =>
    pack.validateScope(scope).violations.flatMap((violation: PolicyViolation) =>
      violation.violatingResources.map((resource) => ({
        rule: violation.ruleName,
        path: resource.constructPath ?? '?',
        severity: violation.severity ?? 'error',
      })),
    ),
  );
}
