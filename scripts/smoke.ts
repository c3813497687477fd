/**
 * `npm run smoke -- --stage dev [--region eu-central-1] [--timeout 300]`: one document through a
 * deployed stack, as a user would send it (docs/aws.md, "First deploy"). With `--local URL` the same
 * sequence runs against `npm start`.
 */
import { parseArgs } from 'node:util';
import { stageConfig } from '../lib/config/stage-config.js';
import { renderTextPdf, renderTextPng } from '../test/fixtures/documents.js';
import { awsTarget } from './smoke/aws-target.js';
import { localTarget } from './smoke/local-target.js';
import { runSmoke, SmokeError } from './smoke/run-smoke.js';

const { values: args } = parseArgs({
  options: {
    stage: { type: 'string' },
    region: { type: 'string' },
    local: { type: 'string' },
    timeout: { type: 'string', default: '300' },
  },
});

const timeoutSeconds = Number(args.timeout);
if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
  console.error('--timeout must be a positive number of seconds');
  process.exit(2);
}
if (!args.stage && !args.local) {
  console.error(
    'Say which deployment: --stage dev|prod (with AWS credentials), or --local http://localhost:3000',
  );
  process.exit(2);
}

/** One page (DetectDocumentText) and two pages (StartDocumentTextDetection, its SNS completion, WriteResult). */
const documents = async () => [
  {
    bytes: await renderTextPng(['UNTXT SMOKE TEST', 'Invoice 2041', 'Total 42.00']),
    filename: 'untxt-smoke.png',
    contentType: 'image/png',
    expectWords: ['smoke', 'invoice'],
  },
  {
    bytes: await renderTextPdf([
      ['UNTXT SMOKE TEST', 'First page'],
      ['Second page', 'Invoice 2042'],
    ]),
    filename: 'untxt-smoke.pdf',
    contentType: 'application/pdf',
    expectWords: ['smoke', 'second', 'invoice'],
  },
];

try {
  const started = Date.now();
  for (const document of await documents()) {
    // A fresh user per document: each run cleans up after itself.
    const target = args.local
      ? localTarget(args.local)
      : await awsTarget({ prefix: stageConfig(args.stage).prefix, region: args.region });
    console.log(`${document.filename} → ${target.apiUrl}`);
    await runSmoke(target, document, {
      timeoutMs: timeoutSeconds * 1000,
      onStep: (step) =>
        console.log(
          `  ✓ ${step.name.padEnd(36)} ${String(step.ms).padStart(6)} ms${step.detail ? `  (${step.detail})` : ''}`,
        ),
    });
  }
  console.log(`Passed in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
} catch (error) {
  const message = (error as Error).message;
  // The SDK's own words, plus where to set what it misses.
  const hint = /Region is missing/.test(message)
    ? ' (set AWS_REGION or pass --region)'
    : /credentials/i.test(message)
      ? ' (configure AWS credentials: aws configure, SSO, or AWS_PROFILE)'
      : '';
  console.error(`  ✗ ${error instanceof SmokeError ? message : `could not run: ${message}${hint}`}`);
  process.exitCode = 1;
}
