import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The context the CDK CLI would pass: `cdk.json`'s `context`, overridden by `-c key=value` /
 * `--context key=value` arguments. Used when the app runs without the CLI.
 *
 * @param args - Command-line arguments after the script name.
 * @param cdkJsonPath - @default `cdk.json` in the working directory
 */
export function cliContext(
  args: readonly string[],
  cdkJsonPath = join(process.cwd(), 'cdk.json'),
): Record<string, unknown> {
  const fromFile =
    (JSON.parse(readFileSync(cdkJsonPath, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
  const overrides: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const inline = /^(?:-c|--context)=(.+)$/.exec(arg)?.[1];
    const pair = inline ?? (arg === '-c' || arg === '--context' ? args[++i] : undefined);
    if (pair === undefined) continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`Context argument '${pair}' must be key=value`);
    overrides[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { ...fromFile, ...overrides };
}
