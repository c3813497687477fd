/** Import-cost part: client-s3 plus both presigners, as the S3 adapter imports them. */
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export const handler = async () =>
  [
    S3Client,
    GetObjectCommand,
    HeadObjectCommand,
    PutObjectCommand,
    PutObjectTaggingCommand,
    createPresignedPost,
    getSignedUrl,
  ].length;
