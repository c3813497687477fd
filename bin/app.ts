#!/usr/bin/env node
/**
 * The CDK app: stage from context (`cdk synth -c stage=prod`, default in cdk.json), the stateful
 * stack (data and identity) and the stateless stack (code), checked by cdk-nag on every synth.
 * Env-agnostic unless `account`/`region` are given as context, so `npm run synth` works offline.
 */
import { App, Tags } from 'aws-cdk-lib';
import { stageConfig } from '../lib/config/stage-config.js';
import { applyNagPacks } from '../lib/nag.js';
import { StatefulStack } from '../lib/stacks/stateful-stack.js';
import { StatelessStack } from '../lib/stacks/stateless-stack.js';

const app = new App();
const config = stageConfig(app.node.tryGetContext('stage'));
const account = app.node.tryGetContext('account') as string | undefined;
const region = app.node.tryGetContext('region') as string | undefined;
const env = account && region ? { account, region } : undefined;

const stateful = new StatefulStack(app, `${config.prefix}-data`, {
  config,
  env,
  description: `untxt ${config.stage}: network, key, buckets, intake queue, database, users, web hosting`,
  terminationProtection: config.stage === 'prod',
});
new StatelessStack(app, `${config.prefix}-app`, {
  config,
  env,
  stateful,
  description: `untxt ${config.stage}: functions, state machine, APIs, monitoring`,
});

Tags.of(app).add('app', 'untxt');
Tags.of(app).add('stage', config.stage);
applyNagPacks(app);
