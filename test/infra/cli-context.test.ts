import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliContext } from '../../lib/config/cli-context.js';
import { stageConfig } from '../../lib/config/stage-config.js';

describe('cliContext', () => {
  const cdkJson = () => {
    const path = join(mkdtempSync(join(tmpdir(), 'untxt-cdk-json-')), 'cdk.json');
    writeFileSync(path, JSON.stringify({ app: 'x', context: { stage: 'dev', '@aws-cdk/flag': true } }));
    return path;
  };

  it('returns cdk.json’s context when no -c argument is given', () => {
    // Prepare
    const path = cdkJson();

    // Act
    const context = cliContext([], path);

    // Assess
    expect(context).toEqual({ stage: 'dev', '@aws-cdk/flag': true });
  });

  it('lets -c and --context=key=value override cdk.json', () => {
    // Prepare
    const path = cdkJson();

    // Act
    const context = cliContext(['-c', 'stage=prod', '--context=region=eu-west-1'], path);

    // Assess
    expect(context).toMatchObject({ stage: 'prod', region: 'eu-west-1', '@aws-cdk/flag': true });
  });

  it('refuses an argument that is not key=value', () => {
    // Prepare
    const path = cdkJson();

    // Act / Assess
    expect(() => cliContext(['-c', 'stage'], path)).toThrow(/key=value/);
  });
});

describe('stageConfig', () => {
  it('throws naming the allowed stages when the stage is unknown', () => {
    // Prepare / Act / Assess
    expect(() => stageConfig('staging')).toThrow(/dev, prod/);
  });
});
