import { describe, expect, it } from 'vitest';
import { synthesizeApp } from './app-fixture.js';

/**
 * The template with what changes on every code edit replaced: asset hashes (function bundles, the
 * state-machine definition file, the sharp layer), the migrations fingerprint and package versions.
 */
function normalize(template: unknown): unknown {
  const json = JSON.stringify(template)
    .replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '[asset-hash]$1')
    .replace(/"migrations":"[0-9a-f]{16}"/g, '"migrations":"[fingerprint]"')
    .replace(/ for linux-x64 \([^)]*\)/g, ' for linux-x64 ([versions])');
  return JSON.parse(json);
}

describe('template snapshots', () => {
  it('matches the stored stateful (data) and stateless (app) templates', () => {
    // Prepare
    const { statefulTemplate, statelessTemplate } = synthesizeApp('dev');

    // Act
    const templates = {
      data: normalize(statefulTemplate.toJSON()),
      app: normalize(statelessTemplate.toJSON()),
    };

    // Assess
    expect(templates.data).toMatchSnapshot('untxt-dev-data');
    expect(templates.app).toMatchSnapshot('untxt-dev-app');
  });
});
