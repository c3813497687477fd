import { App } from 'aws-cdk-lib';
import { type StageName, stageConfig } from '../../lib/config/stage-config.js';
import { StatefulStack } from '../../lib/stacks/stateful-stack.js';
import { StatelessStack } from '../../lib/stacks/stateless-stack.js';

export interface UntxtStacks {
  app: App;
  stateful: StatefulStack;
  stateless: StatelessStack;
}

/**
 * The app as `bin/app.ts` composes it, for assertions. Bundling is skipped through the standard
 * `aws:cdk:bundling-stacks` context (an empty list): tests assert the template, not the esbuild
 * output, and bundling eleven functions would take most of the suite's time budget.
 */
export function synthesizeApp(stage: StageName = 'dev'): UntxtStacks {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], stage } });
  const config = stageConfig(stage);
  const stateful = new StatefulStack(app, `${config.prefix}-data`, { config });
  const stateless = new StatelessStack(app, `${config.prefix}-app`, { config, stateful });
  return { app, stateful, stateless };
}
