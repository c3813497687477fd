import { Template } from 'aws-cdk-lib/assertions';
import { synthesizeApp } from './app-fixture.js';
import { nagFindings } from '../../lib/nag.js';
const t0 = Date.now();
const { stateful, stateless } = synthesizeApp(process.argv[2] as 'dev' ?? 'dev');
Template.fromStack(stateful); Template.fromStack(stateless);
console.log('synth ms', Date.now() - t0);
for (const s of [stateful, stateless]) for (const f of nagFindings(s)) console.log(f.severity, f.rule, f.path);
console.log('total ms', Date.now() - t0);
