import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, type ILayerVersion, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENTRY_FILES, type FunctionEnvironment, type FunctionName } from '../../lambdas/entry/env.js';
import { FUNCTION_SETTINGS } from '../config/function-settings.js';
import { moduleGraphImports } from '../config/module-graph.js';

/** The repository root: entries, the lock file and `tsconfig.json` are resolved against it. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The Lambda runtime every function uses (the handlers are tested on Node 20 and 22). */
export const FUNCTION_RUNTIME = Runtime.NODEJS_22_X;

/** The module every function bundle gets in place of `node:http` (see the file for why). */
const HTTP_SHIM = join(PROJECT_ROOT, 'lib/bundle-shims/http.cts');

/**
 * Node built-ins the bundled code imports as ES modules, given to it as CommonJS instead: each alias
 * points `node:X` at `lib/bundle-shims/node/X.cts`, which is `process.getBuiltinModule`.
 * Importing a built-in as an ES module makes Node build a facade by reading every export, which runs
 * getters such as `process.allowedNodeEnvironmentFlags` or `process.report`, util's deprecated
 * members and crypto's `webcrypto`: measured with callgrind, `import 'node:process'` costs 27 M
 * instructions, `getBuiltinModule('node:process')` 3 M (util 19 against 3, fs 11 against 4, timers
 * 7 against 0). `child_process` is the exception: its shim loads the module on first use, because
 * only the SDK's `credential_process` provider runs a child process, which Lambda never does.
 */
const CJS_BUILTINS = [
  'child_process',
  'console',
  'crypto',
  'fs',
  'fs/promises',
  'https',
  'os',
  'path',
  'process',
  'stream',
  'stream/promises',
  'stream/web',
  'timers',
  'util',
  'zlib',
] as const;

/**
 * `--alias:node:X` for every {@link CJS_BUILTINS} entry, plus `http`. Not the bare names: esbuild
 * applies an alias to subpaths too (`util` would take `util/types` to `util.cts/types`), and the
 * code that uses bare names (pg) `require`s them, which builds no facade.
 */
const builtinAliases = (): Record<string, string> => {
  const aliases: Record<string, string> = { '--alias:http': HTTP_SHIM, '--alias:node:http': HTTP_SHIM };
  for (const name of CJS_BUILTINS) {
    const shim = join(PROJECT_ROOT, 'lib/bundle-shims/node', `${name.replace('/', '-')}.cts`);
    aliases[`--alias:node:${name}`] = shim;
  }
  return aliases;
};

/** The module the Download bundle gets in place of `sharp`: the layer's copy, loaded as CommonJS. */
const SHARP_SHIM = join(PROJECT_ROOT, 'lib/bundle-shims/sharp.cts');

/** In place of the SDK's default credential chains: the environment's credentials, which Lambda sets. */
const CREDENTIALS_SHIM = join(PROJECT_ROOT, 'lib/bundle-shims/aws-credentials.ts');

/** Injected at the top of every bundle: maps stack traces through the bundle's map when formatted. */
const STACK_TRACES = join(PROJECT_ROOT, 'lib/bundle-shims/stack-traces.ts');

/**
 * The esbuild settings of every untxt function: one minified ESM file with a linked source map
 * (applied by the injected `stack-traces.ts` when a stack trace is formatted), the AWS SDK bundled
 * with its credential chain reduced to the environment's credentials, sharp and pdf.js left to the
 * layer when the code imports sharp (sharp loaded from there as CommonJS), Node's built-ins taken as
 * CommonJS. Exported so that `bench/bundles.ts` builds its hello-world baseline exactly the same way.
 * Why each: docs/aws.md "Bundle budget".
 *
 * The shims are esbuild `alias`es passed through NodejsFunction's `esbuildArgs`, which CDK
 * renders as `--alias:node:http=<path>` after its own arguments (`toCliArgsArray` in
 * `aws-lambda-nodejs/lib/bundling.js`). The bundle stays one file: no code splitting, no second
 * build; what a cold start loads is what the deployment package's `index.mjs` imports.
 *
 * @param needsSharp - The function's code imports sharp (it then comes from `SharpLayer`).
 * @returns The `bundling` prop of `NodejsFunction`.
 */
export function untxtBundling(needsSharp: boolean): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: 'node22',
    minify: true,
    sourceMap: true,
    // DEFAULT (esbuild's `linked`): the bundle ends with `//# sourceMappingURL=index.mjs.map`. The
    // functions do not run with `--enable-source-maps`, which reads and parses the map while the
    // bundle loads (7–25 ms of every cold start); the injected `stack-traces.ts` reads it on the
    // first stack trace instead. See docs/aws.md "Bundle budget".
    sourceMapMode: SourceMapMode.DEFAULT,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    // ESM bundles of CommonJS dependencies (pg, …) still call require(): give them one.
    banner: "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);",
    inject: [STACK_TRACES],
    // Bundle the SDK too: the versions the handlers were tested with, not the runtime's.
    // The layer that brings sharp also brings pdf.js, which only the PDF path imports (lazily), so
    // that its 1.5 MB are not compiled at every cold start (lib/constructs/sharp-layer.ts).
    externalModules: needsSharp ? ['sharp', 'pdfjs-dist'] : [],
    esbuildArgs: {
      // The SDK's ESM builds import `node:http`; as an ES module Node builds its facade by reading
      // every export, including the `WebSocket` getters that load Node's bundled undici. The other
      // built-ins likewise (CJS_BUILTINS).
      ...builtinAliases(),
      // The SDK's default credential chains, but for the link Lambda uses (see the file).
      '--alias:@aws-sdk/credential-provider-node': CREDENTIALS_SHIM,
      '--alias:@aws-sdk/credential-providers': CREDENTIALS_SHIM,
      ...(needsSharp && { '--alias:sharp': SHARP_SHIM }),
    },
    tsconfig: join(PROJECT_ROOT, 'tsconfig.json'),
  };
}

/** Where a function runs in the VPC. */
export interface FunctionNetwork {
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  readonly securityGroups: ISecurityGroup[];
}

/** Props of {@link UntxtFunction}. */
export interface UntxtFunctionProps<N extends FunctionName> {
  /** The function, by its name in `lambdas/entry/env.ts`; picks the entry file, memory and timeout. */
  readonly name: N;
  /** Typed from the function's zod schema: a missing variable fails `tsc`. */
  readonly environment: FunctionEnvironment<N>;
  readonly network: FunctionNetwork;
  /** Retention of the function's own log group. */
  readonly logRetention: RetentionDays;
  /** Customer-managed key for the log group and the environment variables. */
  readonly encryptionKey: IKey;
  /** Where failed asynchronous invocations land (shared by the stack's functions). */
  readonly deadLetterQueue: IQueue;
  /**
   * sharp (native) for linux-x64. A function whose module graph imports sharp runs on x86_64 with
   * this layer and sharp left out of the bundle; every other function runs on arm64 (Graviton).
   */
  readonly sharpLayer: ILayerVersion;
  /** @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** Prefix of the Powertools service name, e.g. `untxt-dev`. @default 'untxt' */
  readonly servicePrefix?: string;
}

/**
 * One untxt Lambda function: `NodejsFunction` bundled by esbuild as minified ESM with source maps,
 * arm64 (x86_64 + the sharp layer when its code imports sharp), `nodejs22.x`, X-Ray tracing, JSON
 * logs to its own encrypted log group with retention, Powertools settings, in the VPC, with a
 * dead-letter queue. The entry file, memory and timeout come from `lambdas/entry/env.ts` and
 * `lib/config/function-settings.ts`; only the environment differs.
 */
export class UntxtFunction<N extends FunctionName = FunctionName> extends NodejsFunction {
  /** The function's name in `lambdas/entry/env.ts`. */
  readonly untxtName: N;
  /** Runs on x86_64 with the sharp layer (its code imports sharp). */
  readonly usesSharp: boolean;
  /** Its `POWERTOOLS_SERVICE_NAME`: the `service` dimension of the metrics it publishes. */
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: UntxtFunctionProps<N>) {
    const settings = FUNCTION_SETTINGS[props.name];
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
    });
    const serviceName = `${props.servicePrefix ?? 'untxt'}-${props.name}`;
    const entry = join(PROJECT_ROOT, ENTRY_FILES[props.name]);
    const needsSharp = moduleGraphImports(entry, 'sharp');
    super(scope, id, {
      entry,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      description: settings.description,
      runtime: FUNCTION_RUNTIME,
      architecture: needsSharp ? Architecture.X86_64 : Architecture.ARM_64,
      memorySize: settings.memorySize,
      timeout: Duration.seconds(settings.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      environmentEncryption: props.encryptionKey,
      deadLetterQueue: props.deadLetterQueue,
      vpc: props.network.vpc,
      vpcSubnets: props.network.subnets,
      securityGroups: props.network.securityGroups,
      ...(needsSharp && { layers: [props.sharpLayer] }),
      ...(props.reservedConcurrentExecutions !== undefined && {
        reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      }),
      environment: {
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...(props.environment as Record<string, string>),
      },
      bundling: untxtBundling(needsSharp),
    });
    this.untxtName = props.name;
    this.usesSharp = needsSharp;
    this.serviceName = serviceName;

    const why = (id: string, reason: string) => Validations.of(this).acknowledge({ id, reason });
    why(
      'AwsSolutions-L1',
      'nodejs22.x is deliberate: the handlers are built and tested for Node 22 (the newest runtime the local toolchain runs); moving to 24 is a tested upgrade, not a default.',
    );
    why('Serverless-LambdaLatestVersion', 'nodejs22.x is deliberate, see AwsSolutions-L1.');
    for (const policy of ['AWSLambdaBasicExecutionRole', 'AWSLambdaVPCAccessExecutionRole']) {
      why(
        `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${policy}]`,
        'The AWS-maintained minimal policies for writing logs and attaching VPC network interfaces; everything else is granted per resource.',
      );
    }
    why(
      'HIPAA.Security-IAMNoInlinePolicy',
      'The inline policy is generated by CDK grant methods scoped to the exact resources the function uses; it lives and dies with the role.',
    );
    why(
      'HIPAA.Security-LambdaConcurrency',
      'Concurrency is bounded where it matters (SQS event source maxConcurrency, API throttling, Step Functions); reserving per function would starve the account pool on new accounts (minimum 100 unreserved).',
    );
  }
}
