import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { webConsoleSource } from '../../lib/constructs/web-console-deployment.js';

const MISSING = join(tmpdir(), 'untxt-no-such-web-dist');

describe('web console source', () => {
  it('fails the synth with a hint to build the console when web/dist is missing', () => {
    // Prepare
    const stack = new Stack(new App(), 'Bundled');

    // Act
    const source = () => webConsoleSource(stack, MISSING);

    // Assess
    expect(source).toThrow(/npm run build:web/);
  });

  it('uses an empty placeholder under the OS temp dir when bundling is skipped', () => {
    // Prepare
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Unbundled');

    // Act
    const source = webConsoleSource(stack, MISSING);

    // Assess
    expect(source.startsWith(tmpdir())).toBe(true);
    expect(readdirSync(source)).toEqual([]);
  });
});
