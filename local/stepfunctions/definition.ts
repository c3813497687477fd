import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/** The one state-machine definition, deployed by the CDK stack and run as is by the local host. */
export const DEFINITION_PATH = fileURLToPath(
  new URL('../../lib/workflow/ocr-workflow.asl.json', import.meta.url),
);

/** Lambda-backed states and the substitution that names each function's ARN. */
export const FUNCTION_SUBSTITUTIONS = {
  DownloadFunctionArn: 'Download',
  RecognizeFunctionArn: 'Recognize',
  StartTextDetectionFunctionArn: 'StartTextDetection',
  WriteResultFunctionArn: 'WriteResult',
  MarkFailedFunctionArn: 'MarkFailed',
} as const;

/**
 * Fields the local runner would silently ignore (JSONata, variables): a definition that uses them
 * would behave differently here than on AWS, so loading refuses it.
 */
const UNSUPPORTED_FIELDS = ['QueryLanguage', 'Assign', 'Arguments', 'Output', 'Variables'];

const findUnsupported = (value: unknown, path: string): string[] => {
  if (!value || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => findUnsupported(v, `${path}[${i}]`));
  return Object.entries(value).flatMap(([key, child]) => [
    ...(UNSUPPORTED_FIELDS.includes(key) && !path.includes('.Parameters') ? [`${path}.${key}`] : []),
    ...findUnsupported(child, `${path}.${key}`),
  ]);
};

/** Reads the ASL file and replaces `${Name}` placeholders; unknown placeholders are an error. */
export const loadDefinition = (
  substitutions: Record<string, string>,
  path: string = DEFINITION_PATH,
): StateMachineDefinition => {
  const text = readFileSync(path, 'utf8').replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const value = substitutions[name];
    if (value === undefined)
      throw new Error(`State machine definition uses \${${name}} but no substitution was given`);
    return value;
  });
  const definition = JSON.parse(text) as StateMachineDefinition;
  const unsupported = findUnsupported(definition, '$');
  if (unsupported.length)
    throw new Error(`The local runner cannot run these definition fields: ${unsupported.join(', ')}`);
  return definition;
};

/** Substitutions with local Lambda ARNs, so ARN validation still applies. */
export const localSubstitutions = (region: string, accountId: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries(FUNCTION_SUBSTITUTIONS).map(([key, name]) => [
      key,
      `arn:aws:lambda:${region}:${accountId}:function:untxt-${name}`,
    ]),
  );
