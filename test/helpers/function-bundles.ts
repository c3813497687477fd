/**
 * The Lambda functions as `cdk deploy` would ship them: the app synthesized with bundling (esbuild,
 * the sharp layer) into a temporary cloud assembly, and each function read back from the template —
 * its asset folder, handler string, runtime, architecture, timeout, layers and environment — rather
 * than from the TypeScript that produced it.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { App, Stack } from 'aws-cdk-lib';
import { cliContext } from '../../lib/config/cli-context.js';
import { WEB_DIST_CONTEXT } from '../../lib/constructs/web-console-deployment.js';
import { PROJECT_ROOT, type UntxtFunction } from '../../lib/constructs/untxt-function.js';
import { composeUntxt } from '../../lib/untxt-app.js';
import type { FunctionName } from '../../lambdas/entry/env.js';

/** A CloudFormation value as the template holds it: a literal or an intrinsic function. */
export type CfnValue = string | number | boolean | { [key: string]: unknown } | unknown[];

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: CfnValue; Export?: { Name: CfnValue } }>;
}

/** One untxt function as synthesized. */
export interface SynthesizedFunction {
  /** Its name in `lambdas/entry/env.ts`. */
  name: FunctionName;
  logicalId: string;
  /** The asset folder the template names (`Metadata['aws:asset:path']`), absolute. */
  codeDir: string;
  /** `Handler`, e.g. `index.handler`. */
  handler: string;
  /** `Runtime`, e.g. `nodejs22.x`. */
  runtime: string;
  architecture: 'arm64' | 'x86_64';
  timeoutSeconds: number;
  memorySize: number;
  /** The asset folders of its layers, in order. */
  layerDirs: string[];
  /** `Environment.Variables` as the template holds them (intrinsics unresolved). */
  environment: Record<string, CfnValue>;
}

export interface SynthesizedApp {
  outdir: string;
  /** The templates by stack name. */
  templates: Record<string, CfnTemplate>;
  /** The app (code) stack's name, e.g. `untxt-dev-app`. */
  appStack: string;
  functions: Record<FunctionName, SynthesizedFunction>;
  stateMachine: {
    name: string;
    /** The definition file shipped as an asset, exactly as Step Functions would receive it. */
    definitionFile: string;
    substitutions: Record<string, CfnValue>;
  };
}

/**
 * Synthesizes the `dev` stage as `cdk synth` does (cdk.json's context, cdk-nag, bundling on) into a
 * fresh temporary directory. Outside the repository on purpose: a bundle that needs a package it
 * does not ship must not find the repository's `node_modules` by walking up. Takes 30–60 s.
 *
 * @returns The assembly's templates and the untxt functions read back from them.
 */
export async function synthesizeFunctionBundles(): Promise<SynthesizedApp> {
  const outdir = mkdtempSync(join(tmpdir(), 'untxt-bundles-'));
  // The console is not what this is about: a stub build keeps synthesis off `web/dist`, which the
  // browser tests rebuild concurrently.
  const webDist = join(outdir, 'web-dist');
  mkdirSync(webDist);
  writeFileSync(join(webDist, 'index.html'), '<!doctype html><title>untxt</title>');
  const app = new App({
    outdir: join(outdir, 'cdk.out'),
    context: {
      ...cliContext([], join(PROJECT_ROOT, 'cdk.json')),
      stage: 'dev',
      [WEB_DIST_CONTEXT]: webDist,
      // What the CDK CLI sets for `cdk synth`: resources name their asset folders in their metadata.
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:enable-path-metadata': true,
    },
  });
  const { stateless } = composeUntxt(app);
  const assembly = app.synth();

  const templates: Record<string, CfnTemplate> = {};
  for (const stack of assembly.stacks) {
    templates[stack.stackName] = JSON.parse(
      await readFile(join(assembly.directory, stack.templateFile), 'utf8'),
    ) as CfnTemplate;
  }
  const template = templates[stateless.stackName]!;
  const assetDir = (resource: CfnResource, what: string): string => {
    const path = resource.Metadata?.['aws:asset:path'];
    if (typeof path !== 'string') throw new Error(`${what} names no asset folder`);
    return join(assembly.directory, path);
  };

  const functions = {} as Record<FunctionName, SynthesizedFunction>;
  for (const [name, fn] of Object.entries(stateless.functions) as Array<[FunctionName, UntxtFunction]>) {
    const logicalId = Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement);
    const resource = template.Resources[logicalId]!;
    const props = resource.Properties as {
      Handler: string;
      Runtime: string;
      Architectures?: string[];
      Timeout?: number;
      MemorySize?: number;
      Layers?: Array<{ Ref: string }>;
      Environment?: { Variables?: Record<string, CfnValue> };
    };
    functions[name] = {
      name,
      logicalId,
      codeDir: assetDir(resource, logicalId),
      handler: props.Handler,
      runtime: props.Runtime,
      architecture: (props.Architectures?.[0] ?? 'x86_64') as 'arm64' | 'x86_64',
      timeoutSeconds: props.Timeout ?? 3,
      memorySize: props.MemorySize ?? 128,
      layerDirs: (props.Layers ?? []).map(({ Ref }) => assetDir(template.Resources[Ref]!, Ref)),
      environment: props.Environment?.Variables ?? {},
    };
  }

  const [machine] = Object.values(template.Resources).filter(
    (resource) => resource.Type === 'AWS::StepFunctions::StateMachine',
  );
  const machineProps = machine!.Properties as {
    StateMachineName: string;
    DefinitionS3Location: { Key: string };
    DefinitionSubstitutions: Record<string, CfnValue>;
  };
  return {
    outdir,
    templates,
    appStack: stateless.stackName,
    functions,
    stateMachine: {
      name: machineProps.StateMachineName,
      // File assets are staged as `asset.{hash}{extension}`; the S3 key is `{hash}{extension}`.
      definitionFile: join(assembly.directory, `asset.${machineProps.DefinitionS3Location.Key}`),
      substitutions: machineProps.DefinitionSubstitutions,
    },
  };
}

/** What a reference points at: the resource's logical id and type, and the attribute for `GetAtt`. */
export interface ResourceReference {
  logicalId: string;
  type: string;
  /** `undefined` for `Ref`. */
  attribute: string | undefined;
}

export interface ResolveSettings {
  templates: Record<string, CfnTemplate>;
  /** The stack whose template the value comes from. */
  stack: string;
  /** `AWS::Region`, `AWS::AccountId`, `AWS::Partition`, `AWS::URLSuffix`. */
  pseudo: Record<string, string>;
  /** The stand-in's value for a resource reference; throw for an unknown one. */
  standIn: (reference: ResourceReference) => string;
}

/**
 * Resolves a template value to the string the function would see, with stand-ins for resources:
 * `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select` and cross-stack references
 * (`Fn::GetStackOutput`, `Fn::ImportValue`). Anything else throws, naming it, so a new kind of
 * reference in a function's environment fails the test instead of passing through unresolved.
 *
 * @param value - The template value.
 * @param settings - Templates, pseudo parameters and the stand-ins.
 * @returns The resolved string.
 */
export function resolveCfnValue(value: CfnValue, settings: ResolveSettings): string {
  const { templates, stack, pseudo, standIn } = settings;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) throw new Error(`A list where a string is expected: ${JSON.stringify(value)}`);
  const [[fn, arg]] = Object.entries(value) as [[string, unknown]];
  const recurse = (inner: unknown, inStack = stack) =>
    resolveCfnValue(inner as CfnValue, { ...settings, stack: inStack });
  const reference = (logicalId: string, attribute: string | undefined): string => {
    const resource = templates[stack]?.Resources[logicalId];
    if (!resource) throw new Error(`${stack} has no resource ${logicalId}`);
    return standIn({ logicalId, type: resource.Type, attribute });
  };
  const output = (inStack: string, name: string): string => {
    const found = templates[inStack]?.Outputs?.[name];
    if (!found) throw new Error(`${inStack} has no output ${name}`);
    return recurse(found.Value, inStack);
  };
  switch (fn) {
    case 'Ref': {
      const name = arg as string;
      if (name.startsWith('AWS::')) {
        const known = pseudo[name];
        if (known === undefined) throw new Error(`No value for the pseudo parameter ${name}`);
        return known;
      }
      return reference(name, undefined);
    }
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = (
        typeof arg === 'string' ? arg.split(/\.(.*)/s) : (arg as [string, string])
      ) as [string, string];
      return reference(logicalId, attribute);
    }
    case 'Fn::Join': {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.map((part) => recurse(part)).join(separator);
    }
    case 'Fn::Select': {
      const [index, list] = arg as [number | string, unknown[]];
      return recurse(list[Number(index)]);
    }
    case 'Fn::Sub': {
      const [text, variables = {}] = (typeof arg === 'string' ? [arg] : arg) as [
        string,
        Record<string, unknown>?,
      ];
      return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        if (name in variables) return recurse(variables[name]);
        if (name.startsWith('AWS::')) return recurse({ Ref: name });
        const [logicalId, attribute] = name.split(/\.(.*)/s) as [string, string | undefined];
        return reference(logicalId, attribute);
      });
    }
    case 'Fn::GetStackOutput': {
      const { StackName, OutputName } = arg as { StackName: string; OutputName: string };
      return output(StackName, OutputName);
    }
    case 'Fn::ImportValue': {
      const exportName = recurse(arg);
      for (const [inStack, template] of Object.entries(templates))
        for (const [name, out] of Object.entries(template.Outputs ?? {}))
          if (out.Export && recurse(out.Export.Name, inStack) === exportName) return output(inStack, name);
      throw new Error(`No stack exports ${exportName}`);
    }
    default:
      throw new Error(`Cannot resolve ${fn}: ${JSON.stringify(value)}`);
  }
}
