#!/usr/bin/env node
/**
 * The CDK app: stage from context (`-c stage=prod`, default in cdk.json), the stateful stack (data
 * and identity) and the stateless stack (code), checked by cdk-nag on every synth. Env-agnostic
 * unless `account`/`region` are given as context, so synthesis works offline without credentials.
 *
 * Runs under the CDK CLI (`cdk synth`, which passes cdk.json's context) or directly
 * (`tsx bin/app.ts [-c key=value …]`, which reads cdk.json itself and writes `cdk.out/`): the
 * installed CLI may be older than the cloud-assembly schema of aws-cdk-lib.
 */
import { App, Tags } from 'aws-cdk-lib';
import { cliContext } from '../lib/config/cli-context.js';
import { stageConfig } from '../lib/config/stage-config.js';
import { applyNagPacks } from '../lib/nag.js';
import { StatefulStack } from '../lib/stacks/stateful-stack.js';
import { StatelessStack } from '../lib/stacks/stateless-stack.js';

const direct = process.env.CDK_OUTDIR === undefined;
const app = new App(direct ? { outdir: 'cdk.out', context: cliContext(process.argv.slice(2)) } : {});
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

if (direct) {
  const assembly = app.synth();
  console.log(
    `Synthesized ${assembly.stacks.map((stack) => stack.stackName).join(', ')} to ${assembly.directory}`,
  );
}
