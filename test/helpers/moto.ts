/**
 * moto (the AWS service emulator, preinstalled with cfn-lint through pyenv on this kind of machine;
 * PyPI is not reachable, so it is not a project dependency) as a wire-level stand-in for S3, SQS,
 * Step Functions and KMS: the production adapters run against it over real HTTP.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** `moto_server` on PATH, else where pyenv puts it; `undefined` when it is not installed. */
export const findMotoServer = (): string | undefined =>
  ['moto_server', join(homedir(), '.pyenv/shims/moto_server')].find(
    (candidate) => spawnSync(candidate, ['--help'], { encoding: 'utf8' }).status === 0,
  );

export interface Moto {
  endpoint: string;
  /** Client settings for any AWS SDK v3 client (S3 also needs `forcePathStyle`). */
  clientConfig: {
    region: string;
    endpoint: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** Calls a JSON-protocol action no SDK client of the project covers (e.g. KMS CreateKey). */
  jsonCall(target: string, body: unknown): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Starts moto on a free loopback port and waits until it answers. */
export async function startMoto(command: string): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('moto_server did not answer within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const region = 'us-east-1';
  return {
    endpoint,
    clientConfig: { region, endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
    async jsonCall(target, body) {
      const service = target.startsWith('TrentService') ? 'kms' : 'unknown';
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'X-Amz-Target': target,
          'Content-Type': 'application/x-amz-json-1.1',
          // moto routes by the credential scope's service name; it does not check signatures.
          Authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${target}: ${response.status} ${await response.text()}`);
      return (await response.json()) as Record<string, unknown>;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
