/**
 * Presigned POST policies and presigned GET URLs, signed with a local HMAC secret.
 *
 * The POST side follows S3's browser-upload rules (policy document, conditions, "extra input
 * fields"), so a form that works here is shaped like one that works against S3. The signature
 * itself is a plain HMAC-SHA256 of the base64 policy: there are no AWS credentials locally, and
 * the algorithm name `UNTXT-HMAC-SHA256` says so instead of pretending to be SigV4.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { s3Error } from './s3-errors.js';
import type { S3ErrorSpec } from './s3-errors.js';

export const SIGNING_ALGORITHM = 'UNTXT-HMAC-SHA256';

/** S3's ceiling for a POST upload when the policy sets no `content-length-range`. */
export const MAX_POST_BYTES = 5 * 1024 ** 3;

/** One policy condition: `{ field: value }` or `[operator, ...operands]`. */
export type PolicyCondition = Record<string, string> | [string, ...(string | number)[]];

export interface PolicyDocument {
  expiration: string;
  conditions: PolicyCondition[];
}

/** Serializes a policy document to the base64 form that travels in the `Policy` field. */
export function encodePolicy(policy: PolicyDocument): string {
  return Buffer.from(JSON.stringify(policy), 'utf8').toString('base64');
}

/** HMAC-SHA256 (hex) of the base64 policy: the `X-Amz-Signature` field. */
export function signPolicy(encodedPolicy: string, secret: string): string {
  return createHmac('sha256', secret).update(encodedPolicy, 'utf8').digest('hex');
}

/** Compares two signatures in constant time (for equal lengths), so timing leaks nothing. */
export function signaturesMatch(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(provided, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** What a verified upload form allows. */
export interface AuthorizedPost {
  key: string;
  contentType: string;
  minBytes: number;
  maxBytes: number;
}

const policySchema = z.object({
  expiration: z.string(),
  conditions: z.array(z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())])),
});

// Fields S3 never requires a condition for. `x-amz-algorithm` is exempt too (SigV4 forms must list
// it): untxt's policies list only bucket, key, type and size, and the algorithm is checked anyway.
const EXEMPT_FIELDS = new Set(['policy', 'x-amz-signature', 'x-amz-algorithm', 'file']);

/**
 * Verifies the fields of a browser POST (names lower-cased, those before `file` only) against
 * their signed policy, in S3's order: required fields, signature, policy syntax, expiration,
 * every condition, then fields no condition covers.
 *
 * @returns What the form may upload, or the S3 error to answer with.
 */
export function verifyPostPolicy(input: {
  fields: ReadonlyMap<string, string>;
  bucket: string;
  secret: string;
  now: number;
}): { ok: true; value: AuthorizedPost } | { ok: false; error: S3ErrorSpec } {
  const { fields, bucket, secret, now } = input;
  const fail = (error: S3ErrorSpec) => ({ ok: false as const, error });
  const policyFailed = (message: string) =>
    fail(s3Error(403, 'AccessDenied', `Invalid according to Policy: ${message}`));

  const key = fields.get('key');
  if (key === undefined) {
    return fail(
      s3Error(
        400,
        'InvalidArgument',
        "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
        { ArgumentName: 'key', ArgumentValue: '' },
      ),
    );
  }
  const encodedPolicy = fields.get('policy');
  if (encodedPolicy === undefined) {
    return fail(s3Error(403, 'AccessDenied', 'Anonymous uploads are not allowed: the form has no Policy.'));
  }
  const signature = fields.get('x-amz-signature');
  if (signature === undefined) {
    return fail(
      s3Error(400, 'InvalidArgument', "Bucket POST must contain a field named 'X-Amz-Signature'.", {
        ArgumentName: 'X-Amz-Signature',
      }),
    );
  }
  const algorithm = fields.get('x-amz-algorithm');
  if (algorithm !== SIGNING_ALGORITHM) {
    return fail(
      s3Error(400, 'InvalidArgument', `X-Amz-Algorithm must be ${SIGNING_ALGORITHM}.`, {
        ArgumentName: 'X-Amz-Algorithm',
        ArgumentValue: algorithm ?? '',
      }),
    );
  }
  if (!signaturesMatch(signPolicy(encodedPolicy, secret), signature)) {
    return fail(
      s3Error(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      ),
    );
  }

  let policy: PolicyDocument;
  try {
    const decoded = policySchema.safeParse(JSON.parse(Buffer.from(encodedPolicy, 'base64').toString('utf8')));
    if (!decoded.success) throw new Error('shape');
    policy = decoded.data as PolicyDocument;
  } catch {
    return fail(s3Error(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.'));
  }
  const expiration = Date.parse(policy.expiration);
  if (Number.isNaN(expiration)) {
    return fail(s3Error(400, 'InvalidPolicyDocument', "Invalid Policy: Invalid 'expiration' value."));
  }
  if (now > expiration) return policyFailed('Policy expired.');

  const covered = new Set<string>();
  let minBytes = 0;
  let maxBytes = MAX_POST_BYTES;
  const valueOf = (name: string): string | undefined => (name === 'bucket' ? bucket : fields.get(name));

  for (const condition of policy.conditions) {
    const failed = () => policyFailed(`Policy Condition failed: ${JSON.stringify(condition)}`);
    if (!Array.isArray(condition)) {
      const entries = Object.entries(condition);
      const [entry] = entries;
      if (entries.length !== 1 || entry === undefined || typeof entry[1] !== 'string') {
        return fail(s3Error(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid Simple-Condition.'));
      }
      const name = entry[0].toLowerCase();
      covered.add(name);
      if (valueOf(name) !== entry[1]) return failed();
      continue;
    }
    const [operator, subject, operand] = condition;
    switch (typeof operator === 'string' ? operator.toLowerCase() : undefined) {
      case 'eq':
      case 'starts-with': {
        if (typeof subject !== 'string' || !subject.startsWith('$') || typeof operand !== 'string') {
          return fail(s3Error(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid Condition.'));
        }
        const name = subject.slice(1).toLowerCase();
        covered.add(name);
        const actual = valueOf(name);
        const matches =
          operator.toLowerCase() === 'eq'
            ? actual === operand
            : operand === '' || (actual !== undefined && actual.startsWith(operand));
        if (!matches) return failed();
        break;
      }
      case 'content-length-range': {
        if (!Number.isSafeInteger(subject) || !Number.isSafeInteger(operand)) {
          return fail(s3Error(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid content-length-range.'));
        }
        minBytes = subject as number;
        maxBytes = operand as number;
        break;
      }
      default:
        return fail(
          s3Error(
            400,
            'InvalidPolicyDocument',
            `Invalid Policy: Unknown condition ${JSON.stringify(operator)}.`,
          ),
        );
    }
  }

  // S3: every field of the form must be allowed by some condition (x-ignore-* excepted).
  for (const name of fields.keys()) {
    if (EXEMPT_FIELDS.has(name) || name.startsWith('x-ignore-') || covered.has(name)) continue;
    return policyFailed(`Extra input fields: ${name}`);
  }
  if (fields.has('bucket') && fields.get('bucket') !== bucket) {
    return policyFailed(`Policy Condition failed: ["eq", "$bucket", "${bucket}"]`);
  }

  // S3 stores `binary/octet-stream` when a form sets no Content-Type.
  const contentType = fields.get('content-type') ?? 'binary/octet-stream';
  return { ok: true, value: { key, contentType, minBytes, maxBytes } };
}

/** What a presigned GET URL commits to. */
export interface DownloadGrant {
  method: 'GET';
  bucket: string;
  key: string;
  /** Unix seconds. */
  expires: number;
  contentDisposition?: string;
  contentType?: string;
}

/**
 * HMAC-SHA256 (hex) of a download grant. The canonical string is a JSON array, so no value can
 * smuggle a separator and shift the others.
 */
export function signDownload(grant: DownloadGrant, secret: string): string {
  const canonical = JSON.stringify([
    grant.method,
    grant.bucket,
    grant.key,
    grant.expires,
    grant.contentDisposition ?? '',
    grant.contentType ?? '',
  ]);
  return createHmac('sha256', secret).update(canonical, 'utf8').digest('hex');
}
