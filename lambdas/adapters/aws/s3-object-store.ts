import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPostOptions } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ObjectHead, ObjectStore, PresignedUpload } from '../../core/ports.js';
import { isServiceError } from './sdk-errors.js';

export interface S3ObjectStoreSettings {
  client: S3Client;
  bucket: string;
  /** Customer-managed KMS key; when set, uploads and writes must be encrypted with exactly this key. */
  kmsKeyId?: string;
}

type PolicyCondition = NonNullable<PresignedPostOptions['Conditions']>[number];

/**
 * Creates the {@link ObjectStore} over one S3 bucket.
 *
 * @param settings - The S3 client (injected so tests can mock it), the bucket and the optional KMS key.
 * @returns An object store whose uploads and writes are SSE-KMS encrypted when `kmsKeyId` is set.
 */
export function createS3ObjectStore(settings: S3ObjectStoreSettings): ObjectStore {
  const { client, bucket, kmsKeyId } = settings;

  return {
    async presignUpload({ key, contentType, maxBytes, expiresInSeconds }): Promise<PresignedUpload> {
      // Content-Type travels as a form field so the browser only has to replay `fields`; the matching
      // `eq` condition stops it from being swapped for another type after signing.
      const fields: Record<string, string> = { 'Content-Type': contentType };
      const conditions: PolicyCondition[] = [
        ['content-length-range', 1, maxBytes],
        ['eq', '$Content-Type', contentType],
      ];
      if (kmsKeyId !== undefined) {
        // Both a field and a condition: the field makes S3 encrypt with our key, the condition makes
        // the signature invalid for a form that drops or changes it (the bucket default may differ).
        const sse = { 'x-amz-server-side-encryption': 'aws:kms' };
        const sseKey = { 'x-amz-server-side-encryption-aws-kms-key-id': kmsKeyId };
        Object.assign(fields, sse, sseKey);
        conditions.push(sse, sseKey);
      }
      const expiresAt = new Date(Date.now() + expiresInSeconds * 1000).toISOString();
      const post = await createPresignedPost(client, {
        Bucket: bucket,
        Key: key,
        Conditions: conditions,
        Fields: fields,
        Expires: expiresInSeconds,
      });
      return { url: post.url, fields: post.fields, expiresAt };
    },

    async presignDownload({ key, expiresInSeconds, downloadName, contentType }): Promise<string> {
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(downloadName !== undefined && { ResponseContentDisposition: contentDisposition(downloadName) }),
        ...(contentType !== undefined && { ResponseContentType: contentType }),
      });
      return getSignedUrl(client, command, { expiresIn: expiresInSeconds });
    },

    async head(key): Promise<ObjectHead | undefined> {
      try {
        const output = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return {
          size: output.ContentLength ?? 0,
          ...(output.ContentType !== undefined && { contentType: output.ContentType }),
          ...(output.LastModified !== undefined && { lastModified: output.LastModified }),
        };
      } catch (error) {
        // HEAD has no body, so S3 can only say `NotFound`/404. A 403 (no s3:ListBucket) stays an error:
        // treating it as "missing" would hide a permissions bug.
        if (isServiceError(error, ['NotFound', 'NoSuchKey'], 404)) return undefined;
        throw error;
      }
    },

    async readRange(key, start, endInclusive): Promise<Uint8Array> {
      if (!Number.isInteger(start) || !Number.isInteger(endInclusive) || start < 0 || endInclusive < start) {
        throw new RangeError(`Invalid byte range ${start}-${endInclusive}`);
      }
      try {
        // S3 clamps an end past the object's size by itself.
        const output = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${endInclusive}` }),
        );
        return (await output.Body?.transformToByteArray()) ?? new Uint8Array(0);
      } catch (error) {
        // A start at or past the end is a 416 on S3; the port promises clamping, so that is "no bytes".
        if (isServiceError(error, ['InvalidRange'], 416)) return new Uint8Array(0);
        throw error;
      }
    },

    async read(key): Promise<Uint8Array> {
      const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await output.Body?.transformToByteArray()) ?? new Uint8Array(0);
    },

    async write(key, body, contentType): Promise<void> {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ...(kmsKeyId !== undefined && { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId }),
        }),
      );
    },

    async setTags(key, tags): Promise<void> {
      await client.send(
        new PutObjectTaggingCommand({
          Bucket: bucket,
          Key: key,
          Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        }),
      );
    },
  };
}

/**
 * Builds `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): the quoted ASCII fallback for old
 * clients, the RFC 5987 form for the real (possibly non-ASCII) name.
 *
 * @param name - The file name the browser should save as.
 * @returns The Content-Disposition header value.
 */
export function contentDisposition(name: string): string {
  // Control characters (CR/LF above all) would let a name inject headers into the signed response.
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, '').trim() || 'download';
  // The quoted form allows only printable ASCII without `"` and `\`.
  const fallback = clean.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(clean).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
