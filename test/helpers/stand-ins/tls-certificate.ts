/**
 * A self-signed certificate for `localhost` and 127.0.0.1, made at test time with the `openssl` CLI:
 * the stand-ins that production code reaches over TLS (the database proxy, the WebSocket management
 * API) present it, and the function processes trust it through `NODE_EXTRA_CA_CERTS`, so certificate
 * verification stays on in the code under test.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TlsCertificate {
  key: string;
  cert: string;
  /** The certificate as a PEM file, for `NODE_EXTRA_CA_CERTS`. */
  certFile: string;
}

/**
 * Writes `localhost.key` and `localhost.pem` into `dir` (one day, P-256).
 *
 * @param dir - An existing folder.
 * @returns The key and certificate.
 * @throws Error with openssl's output when it fails or is missing.
 */
export function createLocalhostCertificate(dir: string): TlsCertificate {
  const keyFile = join(dir, 'localhost.key');
  const certFile = join(dir, 'localhost.pem');
  const run = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`openssl could not make a certificate: ${run.error ?? run.stderr}`);
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}
