import {
  GetObjectCommand,
  HeadObjectCommand,
  NotFound,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  contentDisposition,
  createS3ObjectStore,
} from '../../../../../lambdas/adapters/aws/s3-object-store.js';

// Real signing with fixed fake credentials: presigning is local, so the policy and URL can be inspected.
const client = new S3Client({
  region: 'eu-central-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
});
const s3Mock = mockClient(client);
const bucket = 'untxt-documents';
const kmsKeyId = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** A stand-in for the SDK's streaming body; only `transformToByteArray` is used by the adapter. */
function body(bytes: Uint8Array) {
  return { transformToByteArray: async () => bytes } as never;
}

function decodePolicy(fields: Record<string, string>) {
  return JSON.parse(Buffer.from(fields.Policy ?? '', 'base64').toString('utf8')) as {
    expiration: string;
    conditions: unknown[];
  };
}

afterEach(() => {
  s3Mock.reset();
  vi.useRealTimers();
});

describe('Function: presignUpload', () => {
  it('limits the POST to the exact key, type, size and KMS key when a KMS key is set', async () => {
    // Prepare
    vi.useFakeTimers({ now: new Date('2025-01-01T00:00:00.000Z'), toFake: ['Date'] });
    const store = createS3ObjectStore({ client, bucket, kmsKeyId });

    // Act
    const upload = await store.presignUpload({
      key: 'uploads/user-1/task-1',
      contentType: 'application/pdf',
      maxBytes: 1000,
      expiresInSeconds: 900,
    });

    // Assess
    expect(upload.url).toBe('https://untxt-documents.s3.eu-central-1.amazonaws.com/');
    expect(upload.expiresAt).toBe('2025-01-01T00:15:00.000Z');
    expect(upload.fields).toMatchObject({
      key: 'uploads/user-1/task-1',
      'Content-Type': 'application/pdf',
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': kmsKeyId,
      bucket,
    });
    const policy = decodePolicy(upload.fields);
    expect(policy.expiration).toBe('2025-01-01T00:15:00Z');
    // Every form field is signed too, so the policy is exactly our conditions plus the fields.
    expect(policy.conditions).toEqual([
      ['content-length-range', 1, 1000],
      ['eq', '$Content-Type', 'application/pdf'],
      { 'x-amz-server-side-encryption': 'aws:kms' },
      { 'x-amz-server-side-encryption-aws-kms-key-id': kmsKeyId },
      { 'Content-Type': 'application/pdf' },
      { bucket },
      { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' },
      { 'X-Amz-Credential': 'AKIDEXAMPLE/20250101/eu-central-1/s3/aws4_request' },
      { 'X-Amz-Date': '20250101T000000Z' },
      { key: 'uploads/user-1/task-1' },
    ]);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('leaves out the encryption fields and conditions when no KMS key is set', async () => {
    // Prepare
    const store = createS3ObjectStore({ client, bucket });

    // Act
    const upload = await store.presignUpload({
      key: 'uploads/user-1/task-2',
      contentType: 'image/png',
      maxBytes: 50,
      expiresInSeconds: 60,
    });

    // Assess
    expect(Object.keys(upload.fields).filter((name) => name.startsWith('x-amz-server-side'))).toEqual([]);
    const policy = decodePolicy(upload.fields);
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['content-length-range', 1, 50],
        ['eq', '$Content-Type', 'image/png'],
      ]),
    );
    expect(JSON.stringify(policy.conditions)).not.toContain('server-side-encryption');
  });
});

describe('Function: presignDownload', () => {
  it('signs a GET with an attachment disposition and content type when a download name is given', async () => {
    // Prepare
    const store = createS3ObjectStore({ client, bucket });

    // Act
    const url = new URL(
      await store.presignDownload({
        key: 'results/user-1/2025-01/task-1/result.txt',
        expiresInSeconds: 300,
        downloadName: 'Bericht März.txt',
        contentType: 'text/plain; charset=utf-8',
      }),
    );

    // Assess
    expect(url.origin + url.pathname).toBe(
      'https://untxt-documents.s3.eu-central-1.amazonaws.com/results/user-1/2025-01/task-1/result.txt',
    );
    expect(url.searchParams.get('response-content-disposition')).toBe(
      `attachment; filename="Bericht M_rz.txt"; filename*=UTF-8''Bericht%20M%C3%A4rz.txt`,
    );
    expect(url.searchParams.get('response-content-type')).toBe('text/plain; charset=utf-8');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs a plain GET when no download name or type is given', async () => {
    // Prepare
    const store = createS3ObjectStore({ client, bucket });

    // Act
    const url = new URL(await store.presignDownload({ key: 'results/a.json', expiresInSeconds: 60 }));

    // Assess
    expect(url.searchParams.has('response-content-disposition')).toBe(false);
    expect(url.searchParams.has('response-content-type')).toBe(false);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
  });
});

describe('Function: contentDisposition', () => {
  it('escapes quotes, backslashes and RFC 5987 specials and drops control characters', () => {
    // Act
    const header = contentDisposition('a"b\\c\r\n(1)*\'.txt');

    // Assess
    expect(header).toBe(`attachment; filename="a_b_c(1)*'.txt"; filename*=UTF-8''a%22b%5Cc%281%29%2A%27.txt`);
  });

  it('falls back to "download" when the name is empty after cleaning', () => {
    // Act
    const header = contentDisposition('\n ');

    // Assess
    expect(header).toBe(`attachment; filename="download"; filename*=UTF-8''download`);
  });
});

describe('Function: head', () => {
  it('returns size, type and date when the object exists', async () => {
    // Prepare
    const lastModified = new Date('2025-01-01T00:00:00Z');
    s3Mock
      .on(HeadObjectCommand)
      .resolves({ ContentLength: 42, ContentType: 'application/pdf', LastModified: lastModified });
    const store = createS3ObjectStore({ client, bucket });

    // Act
    const head = await store.head('uploads/user-1/task-1');

    // Assess
    expect(head).toEqual({ size: 42, contentType: 'application/pdf', lastModified });
    expect(s3Mock.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: bucket,
      Key: 'uploads/user-1/task-1',
    });
  });

  it('returns undefined when S3 answers NotFound', async () => {
    // Prepare
    s3Mock
      .on(HeadObjectCommand)
      .rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    const store = createS3ObjectStore({ client, bucket });

    // Act
    const head = await store.head('uploads/missing');

    // Assess
    expect(head).toBeUndefined();
  });

  it('returns undefined when only the 404 status identifies the miss', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand).rejects(
      new S3ServiceException({
        name: 'UnknownError',
        $fault: 'client',
        message: 'Not Found',
        $metadata: { httpStatusCode: 404 },
      }),
    );
    const store = createS3ObjectStore({ client, bucket });

    // Act
    const head = await store.head('uploads/missing');

    // Assess
    expect(head).toBeUndefined();
  });

  it('rethrows when access is denied', async () => {
    // Prepare
    const denied = new S3ServiceException({
      name: 'Forbidden',
      $fault: 'client',
      message: 'Forbidden',
      $metadata: { httpStatusCode: 403 },
    });
    s3Mock.on(HeadObjectCommand).rejects(denied);
    const store = createS3ObjectStore({ client, bucket });

    // Act & Assess
    await expect(store.head('uploads/secret')).rejects.toBe(denied);
  });
});

describe('Function: readRange', () => {
  it('requests the inclusive byte range and returns the bytes', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).resolves({ Body: body(new Uint8Array([1, 2, 3, 4])) });
    const store = createS3ObjectStore({ client, bucket });

    // Act
    const bytes = await store.readRange('uploads/user-1/task-1', 0, 3);

    // Assess
    expect(bytes).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: bucket,
      Key: 'uploads/user-1/task-1',
      Range: 'bytes=0-3',
    });
  });

  it('returns no bytes when the start lies past the end of the object', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(
      new S3ServiceException({
        name: 'InvalidRange',
        $fault: 'client',
        message: 'The requested range is not satisfiable',
        $metadata: { httpStatusCode: 416 },
      }),
    );
    const store = createS3ObjectStore({ client, bucket });

    // Act
    const bytes = await store.readRange('uploads/tiny', 100, 199);

    // Assess
    expect(bytes).toEqual(new Uint8Array(0));
  });

  it('throws without calling S3 when the range is inverted', async () => {
    // Prepare
    const store = createS3ObjectStore({ client, bucket });

    // Act & Assess
    await expect(store.readRange('uploads/x', 5, 4)).rejects.toThrow(RangeError);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe('Function: read', () => {
  it('gets the whole object', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).resolves({ Body: body(new Uint8Array([9, 8])) });
    const store = createS3ObjectStore({ client, bucket });

    // Act
    const bytes = await store.read('results/a.txt');

    // Assess
    expect(bytes).toEqual(new Uint8Array([9, 8]));
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: bucket,
      Key: 'results/a.txt',
    });
  });
});

describe('Function: write', () => {
  it('puts the object encrypted with the KMS key when one is set', async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).resolves({});
    const store = createS3ObjectStore({ client, bucket, kmsKeyId });

    // Act
    await store.write('results/a.txt', 'hello', 'text/plain; charset=utf-8');

    // Assess
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: bucket,
      Key: 'results/a.txt',
      Body: 'hello',
      ContentType: 'text/plain; charset=utf-8',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: kmsKeyId,
    });
  });

  it('puts the object without encryption settings when no KMS key is set', async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).resolves({});
    const store = createS3ObjectStore({ client, bucket });
    const bytes = new Uint8Array([1]);

    // Act
    await store.write('results/a.bin', bytes, 'application/octet-stream');

    // Assess
    expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: bucket,
      Key: 'results/a.bin',
      Body: bytes,
      ContentType: 'application/octet-stream',
    });
  });
});

describe('Function: setTags', () => {
  it('replaces the tag set with the given tags', async () => {
    // Prepare
    s3Mock.on(PutObjectTaggingCommand).resolves({});
    const store = createS3ObjectStore({ client, bucket });

    // Act
    await store.setTags('uploads/user-1/task-1', { status: 'deleted', owner: 'user-1' });

    // Assess
    expect(s3Mock.commandCalls(PutObjectTaggingCommand)[0]?.args[0].input).toEqual({
      Bucket: bucket,
      Key: 'uploads/user-1/task-1',
      Tagging: {
        TagSet: [
          { Key: 'status', Value: 'deleted' },
          { Key: 'owner', Value: 'user-1' },
        ],
      },
    });
  });
});
