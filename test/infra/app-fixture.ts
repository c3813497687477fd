import { join } from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import { cliContext } from '../../lib/config/cli-context.js';
import { type StageName, stageConfig } from '../../lib/config/stage-config.js';
import { PROJECT_ROOT } from '../../lib/constructs/untxt-function.js';
import { StatefulStack } from '../../lib/stacks/stateful-stack.js';
import { StatelessStack } from '../../lib/stacks/stateless-stack.js';

const CDK_JSON = join(PROJECT_ROOT, 'cdk.json');

export interface UntxtStacks {
  app: App;
  stateful: StatefulStack;
  stateless: StatelessStack;
  statefulTemplate: Template;
  statelessTemplate: Template;
}

/**
 * The app as `bin/app.ts` composes it, with cdk.json's context (feature flags change the templates,
 * e.g. how cross-stack references render), synthesized for assertions. Bundling is skipped through
 * the standard `aws:cdk:bundling-stacks` context (an empty list): the tests assert the templates,
 * not the esbuild output, and bundling eleven functions costs about 30 s (`npm run synth` bundles).
 */
export function synthesizeApp(stage: StageName = 'dev'): UntxtStacks {
  const app = new App({ context: { ...cliContext([], CDK_JSON), 'aws:cdk:bundling-stacks': [], stage } });
  const config = stageConfig(stage);
  const stateful = new StatefulStack(app, `${config.prefix}-data`, { config });
  const stateless = new StatelessStack(app, `${config.prefix}-app`, { config, stateful });
  return {
    app,
    stateful,
    stateless,
    statefulTemplate: Template.fromStack(stateful),
    statelessTemplate: Template.fromStack(stateless),
  };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** A policy statement as CloudFormation has it (Action/Resource may be a string or a list). */
export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every statement of every inline policy attached to the role `roleLogicalId`. */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const resources = template.toJSON().Resources as Resources;
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((policy) =>
      ((policy.Properties?.Roles as Array<{ Ref?: string }>) ?? []).some(
        (role) => role.Ref === roleLogicalId,
      ),
    )
    .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The actions of a statement as a list. */
export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/** The logical id of a construct's CloudFormation resource (its default child for L2 constructs). */
export function logicalIdOf(construct: IConstruct): string {
  const element = (
    CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild
  ) as CfnElement;
  return Stack.of(element).getLogicalId(element);
}
