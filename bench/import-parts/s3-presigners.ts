/** Import-cost part: client-s3 plus both presigners, as the S3 adapter imports them. */
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { handler as s3 } from './client-s3.js';

export const handler = async () => (await s3()) + [createPresignedPost, getSignedUrl].length;
