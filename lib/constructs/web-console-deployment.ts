import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import { allowWildcards } from '../nag-wildcards.js';
import { PROJECT_ROOT } from './untxt-function.js';

/** What the console reads from `/config.json` (see web/src/config.ts); values are deploy-time tokens. */
export interface WebConsoleConfig {
  /** REST base without a trailing slash, e.g. `https://{id}.execute-api.{region}.amazonaws.com/v1/api`. */
  readonly apiUrl: string;
  /** WebSocket endpoint, e.g. `wss://{id}.execute-api.{region}.amazonaws.com/v1`. */
  readonly wsUrl: string;
  readonly region: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
}

/** Props of {@link WebConsoleDeployment}. */
export interface WebConsoleDeploymentProps {
  readonly bucket: IBucket;
  readonly distribution: IDistribution;
  readonly config: WebConsoleConfig;
  readonly network: { vpc: IVpc; subnets: SubnetSelection; securityGroups: ISecurityGroup[] };
  readonly logRetention: RetentionDays;
  readonly encryptionKey: IKey;
}

/** The Vite build of the console (`npm run build:web`). */
export const WEB_DIST = join(PROJECT_ROOT, 'web/dist');

/**
 * Context key naming another build of the console to upload instead of {@link WEB_DIST}, e.g.
 * `-c untxt:webDist=/path/to/dist`. The bundle test uses it to synthesize with bundling without
 * depending on (or racing with) the browser tests' build in `web/dist`.
 */
export const WEB_DIST_CONTEXT = 'untxt:webDist';

let placeholder: string | undefined;

/**
 * The directory to upload: `web/dist`, or, when this stack's bundling is skipped (the infra tests set
 * `aws:cdk:bundling-stacks` to []), an empty directory under the OS temp dir, so templates can be
 * asserted without a web build. A real synth without the build fails.
 */
export function webConsoleSource(scope: IConstruct, dist: string = WEB_DIST): string {
  if (existsSync(join(dist, 'index.html'))) return dist;
  if (!Stack.of(scope).bundlingRequired) {
    placeholder ??= mkdtempSync(join(tmpdir(), 'untxt-web-placeholder-'));
    return placeholder;
  }
  throw new Error(
    `The web console is not built: ${join(dist, 'index.html')} does not exist. Run \`npm run build:web\` before \`cdk synth\` or \`cdk deploy\`.`,
  );
}

/** The files that name everything else: they must never be served stale. */
const ENTRY_FILES = ['index.html', 'config.json'];

/**
 * Uploads the built console and its `/config.json` (API and WebSocket URLs, Cognito pool and client)
 * to the web bucket, in two deployments with different caching:
 *
 * - the content-hashed files (`assets/…`, icons) with `Cache-Control: public, max-age=31536000,
 *   immutable` — a new build has new names, so browsers and CloudFront may keep them for a year;
 * - `index.html` and `config.json` with `Cache-Control: no-cache`, after the assets they name, and
 *   invalidated on CloudFront — so a deploy is visible at the next page load, never half-applied.
 *
 * Lives in the code stack because the URLs do; the bucket and the distribution stay in the data stack.
 */
export class WebConsoleDeployment extends Construct {
  /** The content-hashed files. */
  readonly assets: BucketDeployment;
  /** `index.html` and `config.json`. */
  readonly deployment: BucketDeployment;
  /** CDK's singleton deployment function (created at stack level), which holds its role. */
  readonly handler: IConstruct;

  constructor(scope: Construct, id: string, props: WebConsoleDeploymentProps) {
    super(scope, id);
    const { config } = props;
    const source = webConsoleSource(
      this,
      (this.node.tryGetContext(WEB_DIST_CONTEXT) as string | undefined) ?? WEB_DIST,
    );
    const network = {
      vpc: props.network.vpc,
      vpcSubnets: props.network.subnets,
      securityGroups: props.network.securityGroups,
    };
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
    });
    this.assets = new BucketDeployment(this, 'Assets', {
      sources: [Source.asset(source, { exclude: ENTRY_FILES })],
      destinationBucket: props.bucket,
      // Excluded files are neither uploaded nor pruned: the entry deployment owns them.
      exclude: ENTRY_FILES,
      cacheControl: [
        CacheControl.setPublic(),
        CacheControl.maxAge(Duration.days(365)),
        CacheControl.immutable(),
      ],
      ...network,
      logGroup,
    });
    this.deployment = new BucketDeployment(this, 'Deployment', {
      sources: [
        Source.asset(source, { exclude: ['*', '!index.html'] }),
        Source.jsonData('config.json', {
          apiUrl: config.apiUrl,
          wsUrl: config.wsUrl,
          auth: {
            mode: 'cognito',
            region: config.region,
            userPoolId: config.userPoolId,
            userPoolClientId: config.userPoolClientId,
          },
        }),
      ],
      destinationBucket: props.bucket,
      // Only the entry files: pruning here would delete the assets.
      prune: false,
      cacheControl: [CacheControl.noCache()],
      distribution: props.distribution,
      distributionPaths: ENTRY_FILES.map((file) => `/${file}`),
      ...network,
      logGroup,
    });
    // The new index.html must not go live before the assets it names.
    this.deployment.node.addDependency(this.assets);
    this.handler = this.deployment.handlerRole.node.scope!;
    this.acknowledge();
  }

  private acknowledge(): void {
    const why = (scope: IConstruct, id: string, reason: string) =>
      Validations.of(scope).acknowledge({ id, reason });
    const handler = this.handler;
    const framework =
      'CDK’s BucketDeployment function: runs only while CloudFormation deploys the web console to the web bucket.';
    why(
      handler,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      framework,
    );
    why(
      handler,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      framework + ' It runs in the function subnets, so it needs ENI management.',
    );
    why(handler, 'AwsSolutions-L1', framework + ' Its runtime (with the AWS CLI layer) is chosen by CDK.');
    why(handler, 'Serverless-LambdaLatestVersion', framework + ' Its runtime is chosen by CDK.');
    why(handler, 'HIPAA.Security-LambdaDLQ', framework + ' CloudFormation retries and reports failures.');
    why(handler, 'Serverless-LambdaDLQ', framework + ' CloudFormation retries and reports failures.');
    why(handler, 'HIPAA.Security-LambdaConcurrency', framework + ' At most one deployment runs per stack.');
    why(handler, 'Serverless-LambdaTracing', framework + ' CDK does not enable tracing on it.');
    why(
      handler,
      'HIPAA.Security-IAMNoInlinePolicy',
      framework + ' Its policy is generated by CDK for the web bucket, the asset and the distribution.',
    );
    allowWildcards(handler, [
      {
        finding: /^Action::s3:(GetObject|GetBucket|List|DeleteObject|Abort)\*$/,
        reason:
          'CDK’s BucketDeployment grants read on its source assets and read/write/delete on the web bucket (aws s3 sync with prune); the web bucket holds only the static console.',
      },
      {
        finding: /^Resource::.*WebBucket[0-9A-F]{8}\W?Arn[^/]*\/\*$/,
        reason:
          'Every object of the web bucket: the deployment syncs the whole console tree into it and prunes stale files.',
      },
      {
        finding: /^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-[^/]+\/\*$/,
        reason:
          'The CDK bootstrap asset bucket, where the zipped console and config.json sources are staged; asset keys are content hashes.',
      },
      {
        finding: /^Resource::\*$/,
        reason:
          'cloudfront:CreateInvalidation/GetInvalidation for /index.html and /config.json: CDK’s BucketDeployment grants them on "*", and only CloudFormation invokes this function.',
      },
    ]);
  }
}
