import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  type IBucket,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Props of {@link DocumentStore}. */
export interface DocumentStoreProps {
  /** Customer-managed key for SSE-KMS (with an S3 bucket key). */
  readonly key: IKey;
  /** Target of the server access logs. */
  readonly logBucket: IBucket;
  /** Origins whose pages may POST uploads straight to the bucket (presigned POST). */
  readonly allowedOrigins: string[];
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** Days after soft deletion (tag `deleted=true`) before the object moves to Glacier Instant Retrieval. */
export const SOFT_DELETE_ARCHIVE_DAYS = 7;
/** Days after soft deletion before the object expires for good. */
export const SOFT_DELETE_EXPIRE_DAYS = 30;

/**
 * The one documents bucket: `uploads/{userId}/…` (browser POSTs) and `results/{userId}/…` (pipeline
 * output). SSE-KMS with a bucket key, TLS only, no public access, versioned, access-logged; soft
 * deleted objects (tag `deleted=true`) go to Glacier IR after 7 days and expire after 30.
 */
export class DocumentStore extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: DocumentStoreProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: props.logBucket,
      serverAccessLogsPrefix: 'documents/',
      cors: [
        {
          allowedMethods: [HttpMethods.POST],
          allowedOrigins: props.allowedOrigins,
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag', 'Location'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        {
          id: 'soft-deleted',
          tagFilters: { deleted: 'true' },
          transitions: [
            {
              storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(SOFT_DELETE_ARCHIVE_DAYS),
            },
          ],
          expiration: Duration.days(SOFT_DELETE_EXPIRE_DAYS),
          // The expired current version becomes noncurrent (versioning): remove it the next day too.
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          id: 'housekeeping',
          abortIncompleteMultipartUploadAfter: Duration.days(1),
          noncurrentVersionExpiration: Duration.days(30),
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy: props.removalPolicy,
    });

    Validations.of(this.bucket).acknowledge({
      id: 'HIPAA.Security-S3BucketReplicationEnabled',
      reason:
        'Documents are versioned and KMS-encrypted in one region; cross-region replication would double storage and key costs and is a disaster-recovery decision taken per deployment.',
    });
  }
}
