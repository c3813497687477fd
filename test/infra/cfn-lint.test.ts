/**
 * The templates `cdk deploy` would send, linted by cfn-lint (the CloudFormation linter, preinstalled
 * on this kind of machine through pyenv; PyPI is not reachable, so it is not a project dependency).
 * Every finding fails the test unless `lib/cfn-lint.ts` accepts it with a reason, and an accepted
 * rule that no longer matches anything fails too, so the list never outlives its reasons.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CFN_LINT_SUPPRESSIONS } from '../../lib/cfn-lint.js';
import { cliContext } from '../../lib/config/cli-context.js';
import { STAGES } from '../../lib/config/stage-config.js';
import { PROJECT_ROOT } from '../../lib/constructs/untxt-function.js';
import { composeUntxt } from '../../lib/untxt-app.js';

interface Finding {
  Rule: { Id: string };
  Level: string;
  Message: string;
  Filename: string;
  Location: { Path: Array<string | number> };
}

type Template = { Resources: Record<string, { Type: string; Metadata?: Record<string, unknown> }> };

/** cfn-lint on PATH, else where pyenv puts it. */
const cfnLint = (): string | undefined =>
  ['cfn-lint', join(homedir(), '.pyenv/shims/cfn-lint')].find(
    (candidate) => spawnSync(candidate, ['--version'], { encoding: 'utf8' }).status === 0,
  );

const lint = (command: string, files: string[]): Finding[] => {
  const run = spawnSync(command, ['--format', 'json', ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
  // 0: clean; otherwise a bit mask of error (2), warning (4) and informational (8) findings.
  if (run.status === null || run.status === 1 || run.status > 14)
    throw new Error(`cfn-lint failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout || '[]') as Finding[];
};

const describeFinding = (finding: Finding) =>
  `${finding.Rule.Id} ${finding.Filename.split('/').pop()} ${finding.Location.Path.slice(0, 2).join('/')}: ${finding.Message}`;

const command = cfnLint();
if (!command && process.env.CI)
  throw new Error('cfn-lint is not installed; CI requires it (pyenv: cfn-lint 1.51)');
if (!command) console.warn('Skipping the cfn-lint tests: cfn-lint is not on PATH nor in ~/.pyenv/shims.');

describe.skipIf(!command)('Templates: cfn-lint', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'untxt-cfn-lint-'));
  const templates: string[] = [];

  beforeAll(() => {
    // Every stage, as `cdk synth` writes it (tags, nag, suppressions), without bundling the code.
    for (const stage of STAGES) {
      const app = new App({
        outdir: join(outdir, stage),
        context: { ...cliContext([], join(PROJECT_ROOT, 'cdk.json')), 'aws:cdk:bundling-stacks': [], stage },
      });
      composeUntxt(app);
      const assembly = app.synth();
      templates.push(...assembly.stacks.map((stack) => join(assembly.directory, stack.templateFile)));
    }
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('finds nothing in the templates of every stage', () => {
    // Prepare
    expect(templates).toHaveLength(2 * STAGES.length);

    // Act
    const findings = lint(command!, templates);

    // Assess
    expect(findings.map(describeFinding)).toEqual([]);
  });

  it('still needs every accepted finding, each only on the resource types it names', () => {
    // Prepare: the same templates without the per-resource cfn-lint metadata
    const bare = templates.map((file, index) => {
      const template = JSON.parse(readFileSync(file, 'utf8')) as Template;
      for (const resource of Object.values(template.Resources)) delete resource.Metadata?.['cfn-lint'];
      const copy = join(outdir, `bare-${index}.json`);
      writeFileSync(copy, JSON.stringify(template));
      return { copy, template };
    });

    // Act
    const findings = lint(
      command!,
      bare.map(({ copy }) => copy),
    );

    // Assess: each finding is accepted for its resource's type, and each acceptance is used
    const typeOf = (finding: Finding) => {
      const { template } = bare.find(({ copy }) => finding.Filename.endsWith(copy.split('/').pop()!))!;
      return finding.Location.Path[0] === 'Resources'
        ? template.Resources[String(finding.Location.Path[1])]?.Type
        : undefined;
    };
    const unaccepted = findings.filter(
      (finding) =>
        !CFN_LINT_SUPPRESSIONS.some(
          (suppression) =>
            suppression.rule === finding.Rule.Id && suppression.resourceTypes.includes(typeOf(finding) ?? ''),
        ),
    );
    expect(unaccepted.map(describeFinding)).toEqual([]);
    for (const suppression of CFN_LINT_SUPPRESSIONS)
      for (const type of suppression.resourceTypes)
        expect(
          findings.some((finding) => finding.Rule.Id === suppression.rule && typeOf(finding) === type),
          `${suppression.rule} on ${type} is accepted but no longer found`,
        ).toBe(true);
  });
});
