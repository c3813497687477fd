import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Architecture, Code, LayerVersion } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { PROJECT_ROOT } from './untxt-function.js';

/**
 * What the layer carries from node_modules: sharp, its prebuilt binaries and its runtime
 * dependencies; and @napi-rs/canvas with its linux-x64 binary, from which pdf.js takes `DOMMatrix`
 * while it loads (it `require`s the package at run time, out of esbuild's sight, so without it every
 * PDF failed in Lambda with "DOMMatrix is not defined"; test/e2e/bundles.test.ts catches that).
 */
const PACKAGES = ['sharp', 'detect-libc', 'semver'];
/** Scopes copied whole: every package of theirs installed here is a binary for linux-x64 (or its loader). */
const SCOPES = ['@img', '@napi-rs'];
/**
 * pdf.js: the two modules `lambdas/core/document-inspection.ts` imports on the PDF path, which the
 * Download bundle leaves out (`untxtBundling`): in the bundle, its 1.5 MB were read and compiled at
 * every cold start, PDF or not. Only these files of the 38 MB package (no fonts, cmaps or wasm: the
 * parse-only options load none).
 */
const PDFJS_FILES = ['package.json', 'legacy/build/pdf.mjs', 'legacy/build/pdf.worker.mjs'];

/**
 * sharp + libvips (and @napi-rs/canvas and pdf.js itself, see {@link PDFJS_FILES}) for linux-x64 as a Lambda layer (`/opt/nodejs/node_modules`), copied from the
 * repository's node_modules by local bundling: no npm install, no Docker, works offline. Hashed by
 * the installed versions instead of fingerprinting node_modules.
 */
export class SharpLayer extends LayerVersion {
  constructor(scope: Construct, id: string) {
    const modules = join(PROJECT_ROOT, 'node_modules');
    const version = (name: string) =>
      (JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')) as { version: string }).version;
    const scoped = SCOPES.flatMap((scope) =>
      readdirSync(join(modules, scope))
        .sort()
        .map((name) => `${scope}/${name}`),
    );
    const fingerprint = [...PACKAGES, ...scoped, 'pdfjs-dist']
      .map((name) => `${name}@${version(name)}`)
      .join(',');
    super(scope, id, {
      description: `sharp, @napi-rs/canvas and pdf.js for linux-x64 (${fingerprint})`.slice(0, 256),
      compatibleArchitectures: [Architecture.X86_64],
      code: Code.fromAsset(join(modules, 'sharp'), {
        assetHashType: AssetHashType.CUSTOM,
        assetHash: fingerprint,
        bundling: {
          // Never used: local bundling always succeeds (it only copies files).
          image: DockerImage.fromRegistry('public.ecr.aws/docker/library/busybox'),
          local: {
            tryBundle(outputDir: string): boolean {
              for (const name of [...PACKAGES, ...SCOPES]) {
                cpSync(join(modules, name), join(outputDir, 'nodejs', 'node_modules', name), {
                  recursive: true,
                  dereference: true,
                });
              }
              for (const file of PDFJS_FILES) {
                cpSync(
                  join(modules, 'pdfjs-dist', file),
                  join(outputDir, 'nodejs', 'node_modules', 'pdfjs-dist', file),
                );
              }
              return true;
            },
          },
        },
      }),
    });
  }
}
