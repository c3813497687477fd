import { type App, type Environment, Tags } from 'aws-cdk-lib';
import { applyCfnLintSuppressions } from './cfn-lint.js';
import { stageConfig, type StageConfig } from './config/stage-config.js';
import { applyNagPacks } from './nag.js';
import { StatefulStack } from './stacks/stateful-stack.js';
import { StatelessStack } from './stacks/stateless-stack.js';

/** What {@link composeUntxt} built. */
export interface UntxtApp {
  config: StageConfig;
  stateful: StatefulStack;
  stateless: StatelessStack;
}

/**
 * The deployed composition, shared by `bin/app.ts` and the tests that lint what it synthesizes: the
 * stage from context (`-c stage=prod`, default in cdk.json), the stateful stack (data and identity),
 * the stateless stack (code), tags, cdk-nag packs and the cfn-lint suppressions. Env-agnostic unless
 * `account` and `region` are both given as context.
 */
export function composeUntxt(app: App): UntxtApp {
  const config = stageConfig(app.node.tryGetContext('stage'));
  const account = app.node.tryGetContext('account') as string | undefined;
  const region = app.node.tryGetContext('region') as string | undefined;
  const env: Environment | undefined = account && region ? { account, region } : undefined;

  const stateful = new StatefulStack(app, `${config.prefix}-data`, {
    config,
    env,
    description: `untxt ${config.stage}: network, key, buckets, intake queue, database, users, web hosting`,
    terminationProtection: config.stage === 'prod',
  });
  const stateless = new StatelessStack(app, `${config.prefix}-app`, {
    config,
    env,
    stateful,
    description: `untxt ${config.stage}: functions, state machine, APIs, monitoring`,
  });

  Tags.of(app).add('app', 'untxt');
  Tags.of(app).add('stage', config.stage);
  applyNagPacks(app);
  applyCfnLintSuppressions(app);
  return { config, stateful, stateless };
}
