#!/usr/bin/env node
/**
 * The CDK app (composition: lib/untxt-app.ts), checked by cdk-nag on every synth. Synthesis works
 * offline without credentials.
 *
 * Runs under the CDK CLI (`cdk synth`, which passes cdk.json's context) or directly
 * (`tsx bin/app.ts [-c key=value …]`, which reads cdk.json itself and writes `cdk.out/`): the
 * installed CLI may be older than the cloud-assembly schema of aws-cdk-lib.
 */
import { App } from 'aws-cdk-lib';
import { cliContext } from '../lib/config/cli-context.js';
import { composeUntxt } from '../lib/untxt-app.js';

const direct = process.env.CDK_OUTDIR === undefined;
const app = new App(direct ? { outdir: 'cdk.out', context: cliContext(process.argv.slice(2)) } : {});
composeUntxt(app);

if (direct) {
  const assembly = app.synth();
  console.log(
    `Synthesized ${assembly.stacks.map((stack) => stack.stackName).join(', ')} to ${assembly.directory}`,
  );
}
