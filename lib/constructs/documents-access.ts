import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';

/** What a function may do under which key prefixes (`uploads/`, `results/`). */
export interface DocumentsGrant {
  /** GetObject (and HeadObject), ListBucket limited to these prefixes so a missing key is a 404, kms:Decrypt. */
  readonly read?: readonly string[];
  /** PutObject (SSE-KMS: kms:GenerateDataKey), also what a presigned POST is signed with. */
  readonly write?: readonly string[];
  /** Get/PutObjectTagging (soft delete and restore). */
  readonly tag?: readonly string[];
}

/**
 * Least-privilege access to the documents bucket by key prefix. Unlike `bucket.grantRead/grantPut`
 * (which add `s3:GetBucket*`, `s3:List*` on every key, object-lock and legal-hold actions and
 * `kms:ReEncrypt*`), it grants exactly the S3 and KMS actions the adapters call.
 */
export class DocumentsAccess {
  constructor(
    private readonly bucket: IBucket,
    private readonly key: IKey,
  ) {}

  grant(grantee: IGrantable, access: DocumentsGrant): void {
    const policy = (statement: PolicyStatement) => grantee.grantPrincipal.addToPrincipalPolicy(statement);
    const objects = (prefixes: readonly string[]) =>
      prefixes.map((prefix) => this.bucket.arnForObjects(`${prefix}*`));
    if (access.read?.length) {
      policy(new PolicyStatement({ actions: ['s3:GetObject'], resources: objects(access.read) }));
      policy(
        new PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [this.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': access.read.map((prefix) => `${prefix}*`) } },
        }),
      );
      this.key.grant(grantee, 'kms:Decrypt');
    }
    if (access.write?.length) {
      policy(new PolicyStatement({ actions: ['s3:PutObject'], resources: objects(access.write) }));
      this.key.grant(grantee, 'kms:GenerateDataKey');
    }
    if (access.tag?.length) {
      policy(
        new PolicyStatement({
          actions: ['s3:GetObjectTagging', 's3:PutObjectTagging'],
          resources: objects(access.tag),
        }),
      );
    }
  }
}
