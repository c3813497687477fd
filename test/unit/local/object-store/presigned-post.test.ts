import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeS3Key, encodePolicy, signPolicy } from '../../../../local/object-store/index.js';
import { BUCKET, SECRET, pdfBytes, postForm, s3ErrorOf, startStore } from './helpers.js';
import type { StoreHarness } from './helpers.js';

const KEY = 'uploads/user-1/file-1/scan.pdf';

describe('Function: presignUpload', () => {
  let harness: StoreHarness;
  beforeEach(async () => {
    harness = await startStore();
  });
  afterEach(async () => {
    await harness.close();
  });

  it('returns the bucket URL and the S3-style fields in form order when asked for an upload', async () => {
    // Prepare
    const { store, publicUrl } = harness;

    // Act
    const upload = await store.presignUpload({
      key: KEY,
      contentType: 'application/pdf',
      maxBytes: 1000,
      expiresInSeconds: 900,
    });

    // Assess
    expect(upload.url).toBe(`${publicUrl}/_s3/${BUCKET}`);
    expect(Object.keys(upload.fields)).toEqual([
      'key',
      'Content-Type',
      'Policy',
      'X-Amz-Algorithm',
      'X-Amz-Signature',
    ]);
    expect(upload.fields['X-Amz-Algorithm']).toBe('UNTXT-HMAC-SHA256');
    const policy = JSON.parse(Buffer.from(upload.fields.Policy ?? '', 'base64').toString('utf8')) as unknown;
    expect(policy).toEqual({
      expiration: upload.expiresAt,
      conditions: [
        { bucket: BUCKET },
        { key: KEY },
        ['eq', '$Content-Type', 'application/pdf'],
        ['content-length-range', 1, 1000],
      ],
    });
    expect(Date.parse(upload.expiresAt) - Date.now()).toBeGreaterThan(890_000);
  });

  it('throws when the key could escape the bucket', async () => {
    // Prepare
    const { store } = harness;

    // Act
    const attempts = ['../etc/passwd', 'uploads/../../x', '/abs/path', 'uploads//x', 'uploads/a\u0000b'].map(
      (key) =>
        store.presignUpload({ key, contentType: 'application/pdf', maxBytes: 10, expiresInSeconds: 60 }),
    );

    // Assess
    for (const attempt of attempts) await expect(attempt).rejects.toThrow(/Object key/);
  });
});

describe('Function: handle (POST /_s3/{bucket})', () => {
  let harness: StoreHarness;
  beforeEach(async () => {
    harness = await startStore();
  });
  afterEach(async () => {
    await harness.close();
  });

  const presign = (overrides: Partial<{ key: string; contentType: string; maxBytes: number }> = {}) =>
    harness.store.presignUpload({
      key: KEY,
      contentType: 'application/pdf',
      maxBytes: 1024,
      expiresInSeconds: 60,
      ...overrides,
    });

  /** Nothing stored, no event, no temp file left behind. */
  const expectNothingStored = async (key = KEY) => {
    expect(await harness.store.head(key)).toBeUndefined();
    expect(harness.events).toHaveLength(0);
    expect(await harness.tempFiles()).toEqual([]);
  };

  it('stores the file and answers 204 with an ETag when the form is valid', async () => {
    // Prepare
    const upload = await presign();
    const file = pdfBytes(300);

    // Act
    const response = await postForm(upload, file);

    // Assess
    expect(response.status).toBe(204);
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await harness.store.head(KEY)).toMatchObject({ size: 300, contentType: 'application/pdf' });
    expect(Buffer.from(await harness.store.read(KEY)).equals(Buffer.from(file))).toBe(true);
    expect(await harness.tempFiles()).toEqual([]);
  });

  it('emits one ObjectCreated:Post record shaped like S3 when an upload succeeds', async () => {
    // Prepare
    const upload = await presign();
    const file = pdfBytes(128);

    // Act
    const response = await postForm(upload, file);

    // Assess
    expect(response.status).toBe(204);
    expect(harness.events).toHaveLength(1);
    const records = harness.events[0]?.Records ?? [];
    expect(records).toHaveLength(1);
    const etag = (response.headers.get('etag') ?? '').replaceAll('"', '');
    expect(records[0]).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-central-1',
      eventTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      eventName: 'ObjectCreated:Post',
      userIdentity: { principalId: expect.any(String) },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': expect.any(String), 'x-amz-id-2': expect.any(String) },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: expect.any(String),
        bucket: {
          name: BUCKET,
          ownerIdentity: { principalId: expect.any(String) },
          arn: `arn:aws:s3:::${BUCKET}`,
        },
        object: { key: KEY, size: 128, eTag: etag, sequencer: expect.stringMatching(/^[0-9A-F]+$/) },
      },
    });
    expect(records[0]?.responseElements['x-amz-request-id']).toBe(response.headers.get('x-amz-request-id'));
  });

  it('URL-encodes the event key like S3 when the key has spaces and special characters', async () => {
    // Prepare
    const key = 'uploads/user-1/file-2/Rechnung März (1)+c.pdf';
    const upload = await presign({ key });

    // Act
    const response = await postForm(upload, pdfBytes());

    // Assess
    expect(response.status).toBe(204);
    const eventKey = harness.events[0]?.Records[0]?.s3.object.key;
    expect(eventKey).toBe('uploads/user-1/file-2/Rechnung+M%C3%A4rz+%281%29%2Bc.pdf');
    expect(decodeS3Key(eventKey ?? '')).toBe(key);
  });

  it('answers 201 with a PostResponse when the signed form asks for success_action_status 201', async () => {
    // Prepare
    const policy = encodePolicy({
      expiration: new Date(Date.now() + 60_000).toISOString(),
      conditions: [
        { bucket: BUCKET },
        ['eq', '$key', KEY],
        ['eq', '$Content-Type', 'application/pdf'],
        { success_action_status: '201' },
        ['content-length-range', 1, 1024],
      ],
    });
    const upload = {
      url: `${harness.publicUrl}/_s3/${BUCKET}`,
      expiresAt: '',
      fields: {
        key: KEY,
        'Content-Type': 'application/pdf',
        success_action_status: '201',
        Policy: policy,
        'X-Amz-Algorithm': 'UNTXT-HMAC-SHA256',
        'X-Amz-Signature': signPolicy(policy, SECRET),
      },
    };

    // Act
    const response = await postForm(upload, pdfBytes());

    // Assess
    expect(response.status).toBe(201);
    const xml = await response.text();
    expect(xml).toContain(`<Key>${KEY}</Key>`);
    expect(xml).toContain(`<Bucket>${BUCKET}</Bucket>`);
    expect(harness.events).toHaveLength(1);
  });

  it('answers 400 InvalidArgument when a starts-with policy lets the form pick a traversal key', async () => {
    // Prepare
    const policy = encodePolicy({
      expiration: new Date(Date.now() + 60_000).toISOString(),
      conditions: [
        { bucket: BUCKET },
        ['starts-with', '$key', 'uploads/'],
        ['starts-with', '$Content-Type', ''],
      ],
    });
    const upload = {
      url: `${harness.publicUrl}/_s3/${BUCKET}`,
      expiresAt: '',
      fields: {
        key: 'uploads/../../../escaped.pdf',
        'Content-Type': 'application/pdf',
        Policy: policy,
        'X-Amz-Algorithm': 'UNTXT-HMAC-SHA256',
        'X-Amz-Signature': signPolicy(policy, SECRET),
      },
    };

    // Act
    const response = await postForm(upload, pdfBytes());

    // Assess
    expect(response.status).toBe(400);
    expect((await s3ErrorOf(response)).code).toBe('InvalidArgument');
    expect(harness.events).toHaveLength(0);
    expect(await harness.tempFiles()).toEqual([]);
  });

  it('answers 403 SignatureDoesNotMatch when the policy was tampered with', async () => {
    // Prepare
    const upload = await presign({ maxBytes: 10 });
    const policy = JSON.parse(Buffer.from(upload.fields.Policy ?? '', 'base64').toString('utf8')) as {
      conditions: unknown[];
    };
    policy.conditions[3] = ['content-length-range', 1, 10_000_000];
    const forged = Buffer.from(JSON.stringify(policy)).toString('base64');

    // Act
    const response = await postForm(upload, pdfBytes(500), { fields: { Policy: forged } });

    // Assess
    expect(response.status).toBe(403);
    expect((await s3ErrorOf(response)).code).toBe('SignatureDoesNotMatch');
    await expectNothingStored();
  });

  it('answers 403 SignatureDoesNotMatch when the signature was altered', async () => {
    // Prepare
    const upload = await presign();
    const signature = upload.fields['X-Amz-Signature'] ?? '';
    const altered = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;

    // Act
    const response = await postForm(upload, pdfBytes(), { fields: { 'X-Amz-Signature': altered } });

    // Assess
    expect(response.status).toBe(403);
    expect((await s3ErrorOf(response)).code).toBe('SignatureDoesNotMatch');
    await expectNothingStored();
  });

  it('answers 403 AccessDenied when the form names another key', async () => {
    // Prepare
    const upload = await presign();
    const otherKey = 'uploads/user-2/file-9/steal.pdf';

    // Act
    const response = await postForm(upload, pdfBytes(), { fields: { key: otherKey } });

    // Assess
    expect(response.status).toBe(403);
    const error = await s3ErrorOf(response);
    expect(error.code).toBe('AccessDenied');
    expect(error.message).toContain('Policy Condition failed');
    await expectNothingStored(otherKey);
    await expectNothingStored();
  });

  it('answers 403 AccessDenied when the form declares another content type', async () => {
    // Prepare
    const upload = await presign();

    // Act
    const response = await postForm(upload, pdfBytes(), { fields: { 'Content-Type': 'text/html' } });

    // Assess
    expect(response.status).toBe(403);
    expect(await s3ErrorOf(response)).toMatchObject({ code: 'AccessDenied' });
    await expectNothingStored();
  });

  it('answers 403 AccessDenied when the policy has expired', async () => {
    // Prepare
    const upload = await presign();
    harness.advance(61_000);

    // Act
    const response = await postForm(upload, pdfBytes());

    // Assess
    expect(response.status).toBe(403);
    expect(await s3ErrorOf(response)).toEqual({
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy expired.',
    });
    await expectNothingStored();
  });

  it('answers 403 AccessDenied when the form has a field the policy does not allow', async () => {
    // Prepare
    const upload = await presign();

    // Act
    const response = await postForm(upload, pdfBytes(), { fields: { success_action_status: '201' } });

    // Assess
    expect(response.status).toBe(403);
    expect((await s3ErrorOf(response)).message).toContain('Extra input fields: success_action_status');
    await expectNothingStored();
  });

  it('answers 400 EntityTooLarge when the file is larger than the policy allows', async () => {
    // Prepare
    const upload = await presign({ maxBytes: 1024 });

    // Act
    const response = await postForm(upload, pdfBytes(1025));

    // Assess
    expect(response.status).toBe(400);
    const xml = await response.text();
    expect(xml).toContain('<Code>EntityTooLarge</Code>');
    expect(xml).toContain('<MaxSizeAllowed>1024</MaxSizeAllowed>');
    expect(xml).toContain('<ProposedSize>1025</ProposedSize>');
    await expectNothingStored();
  });

  it('streams a multi-megabyte oversized file without storing it when it exceeds the maximum', async () => {
    // Prepare
    const upload = await presign({ maxBytes: 1024 * 1024 });

    // Act
    const response = await postForm(upload, pdfBytes(6 * 1024 * 1024));

    // Assess
    expect(response.status).toBe(400);
    expect((await s3ErrorOf(response)).code).toBe('EntityTooLarge');
    await expectNothingStored();
  });

  it('accepts a file of exactly the maximum size', async () => {
    // Prepare
    const upload = await presign({ maxBytes: 1024 });

    // Act
    const response = await postForm(upload, pdfBytes(1024));

    // Assess
    expect(response.status).toBe(204);
    expect((await harness.store.head(KEY))?.size).toBe(1024);
  });

  it('answers 400 EntityTooSmall when the file is empty', async () => {
    // Prepare
    const upload = await presign();

    // Act
    const response = await postForm(upload, new Uint8Array(0));

    // Assess
    expect(response.status).toBe(400);
    expect((await s3ErrorOf(response)).code).toBe('EntityTooSmall');
    await expectNothingStored();
  });

  it('answers 400 InvalidArgument when the form has no file', async () => {
    // Prepare
    const upload = await presign();

    // Act
    const response = await postForm(upload, undefined);

    // Assess
    expect(response.status).toBe(400);
    expect((await s3ErrorOf(response)).code).toBe('InvalidArgument');
    await expectNothingStored();
  });

  it('answers 400 InvalidArgument when the file comes before the key field', async () => {
    // Prepare
    const upload = await presign();
    const form = new FormData();
    form.append('file', new Blob([pdfBytes()]), 'scan.pdf');
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);

    // Act
    const response = await fetch(upload.url, { method: 'POST', body: form });

    // Assess
    expect(response.status).toBe(400);
    expect((await s3ErrorOf(response)).message).toContain("field named 'key'");
    await expectNothingStored();
  });

  it('answers 400 MalformedPOSTRequest when the multipart body is cut off', async () => {
    // Prepare
    const upload = await presign();
    const boundary = 'untxt-boundary';
    const body =
      `--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\n${KEY}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-trunc`;

    // Act
    const response = await fetch(upload.url, {
      method: 'POST',
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      body,
    });

    // Assess
    expect(response.status).toBe(400);
    expect((await s3ErrorOf(response)).code).toBe('MalformedPOSTRequest');
    await expectNothingStored();
  });

  it('answers 412 PreconditionFailed when the body is not multipart/form-data', async () => {
    // Prepare
    const upload = await presign();

    // Act
    const response = await fetch(upload.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });

    // Assess
    expect(response.status).toBe(412);
    expect((await s3ErrorOf(response)).code).toBe('PreconditionFailed');
  });

  it('answers the CORS preflight so a browser page may POST', async () => {
    // Prepare
    const url = `${harness.publicUrl}/_s3/${BUCKET}`;

    // Act
    const response = await fetch(url, {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST' },
    });

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('answers 404 NoSuchBucket when the URL names another bucket', async () => {
    // Prepare
    const upload = await presign();

    // Act
    const response = await postForm({ ...upload, url: `${harness.publicUrl}/_s3/other-bucket` }, pdfBytes());

    // Assess
    expect(response.status).toBe(404);
    expect((await s3ErrorOf(response)).code).toBe('NoSuchBucket');
    await expectNothingStored();
  });

  it('replaces the object and emits again when the same key is uploaded twice', async () => {
    // Prepare
    const first = await presign();
    await postForm(first, pdfBytes(100));
    const second = await presign();

    // Act
    const response = await postForm(second, pdfBytes(200));

    // Assess
    expect(response.status).toBe(204);
    expect((await harness.store.head(KEY))?.size).toBe(200);
    expect(harness.events.map((event) => event.Records[0]?.s3.object.size)).toEqual([100, 200]);
  });
});
