import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUCKET, pdfBytes, s3ErrorOf, startStore } from './helpers.js';
import type { StoreHarness } from './helpers.js';

const KEY = 'results/user-1/2024-05/task-1/text.txt';

/** Sends a raw path (no client-side normalization of `..`), as a hostile client could. */
function rawGet(publicUrl: string, rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(publicUrl);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Function: presignDownload', () => {
  let harness: StoreHarness;
  beforeEach(async () => {
    harness = await startStore();
    await harness.store.write(KEY, 'hello, recognized world', 'text/plain; charset=utf-8');
  });
  afterEach(async () => {
    await harness.close();
  });

  it('serves the object with type, length, ETag and disposition when the URL is valid', async () => {
    // Prepare
    const url = await harness.store.presignDownload({
      key: KEY,
      expiresInSeconds: 60,
      downloadName: 'Rechnung März "final".txt',
    });

    // Act
    const response = await fetch(url);

    // Assess
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello, recognized world');
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('content-length')).toBe('23');
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="Rechnung M_rz _final_.txt"; filename*=UTF-8''Rechnung%20M%C3%A4rz%20_final_.txt`,
    );
  });

  it('overrides the content type when the URL was signed with one', async () => {
    // Prepare
    const url = await harness.store.presignDownload({
      key: KEY,
      expiresInSeconds: 60,
      contentType: 'text/markdown',
    });

    // Act
    const response = await fetch(url);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/markdown');
  });

  it('answers HEAD with the headers and no body when the URL is valid', async () => {
    // Prepare
    const url = await harness.store.presignDownload({ key: KEY, expiresInSeconds: 60 });

    // Act
    const response = await fetch(url, { method: 'HEAD' });

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('23');
    expect(await response.text()).toBe('');
  });

  it('answers 403 SignatureDoesNotMatch when the signature was tampered with', async () => {
    // Prepare
    const url = new URL(await harness.store.presignDownload({ key: KEY, expiresInSeconds: 60 }));
    url.searchParams.set('X-Untxt-Signature', '0'.repeat(64));

    // Act
    const response = await fetch(url);

    // Assess
    expect(response.status).toBe(403);
    expect((await s3ErrorOf(response)).code).toBe('SignatureDoesNotMatch');
  });

  it('answers 403 when a signed URL is reused for another key or with an added disposition', async () => {
    // Prepare
    await harness.store.write('results/user-2/secret.txt', 'not yours', 'text/plain');
    const url = await harness.store.presignDownload({ key: KEY, expiresInSeconds: 60 });
    const otherKey = url.replace('results/user-1/2024-05/task-1/text.txt', 'results/user-2/secret.txt');
    const withDisposition = `${url}&response-content-disposition=inline`;

    // Act
    const responses = await Promise.all([fetch(otherKey), fetch(withDisposition)]);

    // Assess
    expect(responses.map((response) => response.status)).toEqual([403, 403]);
  });

  it('answers 403 when the expiry was extended by hand', async () => {
    // Prepare
    const url = new URL(await harness.store.presignDownload({ key: KEY, expiresInSeconds: 60 }));
    url.searchParams.set('X-Untxt-Expires', String(Number(url.searchParams.get('X-Untxt-Expires')) + 3600));

    // Act
    const response = await fetch(url);

    // Assess
    expect(response.status).toBe(403);
  });

  it('answers 403 AccessDenied "Request has expired" when the URL has expired', async () => {
    // Prepare
    const url = await harness.store.presignDownload({ key: KEY, expiresInSeconds: 60 });
    harness.advance(61_000);

    // Act
    const response = await fetch(url);

    // Assess
    expect(response.status).toBe(403);
    expect(await s3ErrorOf(response)).toEqual({ code: 'AccessDenied', message: 'Request has expired' });
  });

  it('answers 403 AccessDenied when the URL carries no signature', async () => {
    // Prepare
    const url = `${harness.publicUrl}/_s3/${BUCKET}/${KEY}`;

    // Act
    const response = await fetch(url);

    // Assess
    expect(response.status).toBe(403);
    expect((await s3ErrorOf(response)).code).toBe('AccessDenied');
  });

  it('answers 404 NoSuchKey when the signed object does not exist', async () => {
    // Prepare
    const url = await harness.store.presignDownload({
      key: 'results/user-1/missing.txt',
      expiresInSeconds: 60,
    });

    // Act
    const response = await fetch(url);

    // Assess
    expect(response.status).toBe(404);
    expect((await s3ErrorOf(response)).code).toBe('NoSuchKey');
  });

  it('answers 400 and serves nothing when the path tries to climb out of the bucket', async () => {
    // Prepare
    const paths = [
      `/_s3/${BUCKET}/../../../etc/passwd`,
      `/_s3/${BUCKET}/results%2F..%2F..%2F..%2Fetc%2Fpasswd`,
      `/_s3/${BUCKET}/%2Fetc%2Fpasswd`,
    ];

    // Act
    const responses = await Promise.all(paths.map((path) => rawGet(harness.publicUrl, path)));

    // Assess
    for (const response of responses) {
      expect(response.status).toBe(400);
      expect(response.body).not.toContain('root:');
    }
  });

  it('returns false and leaves the response alone when the path is not under /_s3/', async () => {
    // Prepare
    const url = `${harness.publicUrl}/api/tasks`;

    // Act
    const response = await fetch(url);

    // Assess
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('not the store');
  });

  it('serves a file uploaded through the store byte for byte', async () => {
    // Prepare
    const bytes = pdfBytes(70_000);
    await harness.store.write('uploads/user-1/f/scan.pdf', bytes, 'application/pdf');
    const url = await harness.store.presignDownload({
      key: 'uploads/user-1/f/scan.pdf',
      expiresInSeconds: 60,
    });

    // Act
    const response = await fetch(url);

    // Assess
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
  });
});
