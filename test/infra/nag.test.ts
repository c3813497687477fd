import { Validations } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { nagFindings } from '../../lib/nag.js';
import { synthesizeApp } from './app-fixture.js';

/** Every acknowledgement recorded under `root`: rule id → reason. */
const acknowledgements = (root: ReturnType<typeof synthesizeApp>['app']) =>
  root.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>)),
    )
    .map(([id, reason]) => ({ id, reason }));

describe('cdk-nag (AwsSolutions, HIPAA.Security, Serverless)', () => {
  for (const stage of ['dev', 'prod'] as const) {
    it(`reports no unacknowledged finding in either ${stage} stack`, () => {
      // Prepare
      const { stateful, stateless } = synthesizeApp(stage);

      // Act
      const findings = [...nagFindings(stateful), ...nagFindings(stateless)];

      // Assess: errors and warnings alike
      expect(findings).toEqual([]);
    });
  }

  it('gives every acknowledgement a specific reason', () => {
    // Prepare
    const { app, stateful, stateless } = synthesizeApp('dev');
    nagFindings(stateful);
    nagFindings(stateless);

    // Act
    const acknowledged = acknowledgements(app).filter(({ id }) => /AwsSolutions|HIPAA|Serverless/.test(id));

    // Assess
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { id, reason } of acknowledged) {
      expect(reason.length, id).toBeGreaterThanOrEqual(40);
    }
  });
});
