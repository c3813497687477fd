/** Import-cost part, cumulative: the pipeline functions' SDK packages, kysely and pg, zod, the Powertools logger and middy: every library a pipeline function imports, without untxt's code. */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import {
  DetectDocumentTextCommand,
  GetDocumentTextDetectionCommand,
  StartDocumentTextDetectionCommand,
  TextractClient,
} from '@aws-sdk/client-textract';
import { Signer } from '@aws-sdk/rds-signer';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import * as z from 'zod';
const schema = z.object({
  id: z.string().uuid(),
  pages: z.number().int().positive(),
  kind: z.enum(['a', 'b']).default('a'),
});
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
const logger = new Logger();

export const handler = middy().handler(async (event: unknown) => {
  logger.info('hello');
  return (
    [
      ApiGatewayManagementApiClient,
      DeleteConnectionCommand,
      PostToConnectionCommand,
      S3Client,
      GetObjectCommand,
      HeadObjectCommand,
      PutObjectCommand,
      PutObjectTaggingCommand,
      SFNClient,
      StartExecutionCommand,
      SQSClient,
      SendMessageCommand,
      GetQueueAttributesCommand,
      StartMessageMoveTaskCommand,
      TextractClient,
      DetectDocumentTextCommand,
      GetDocumentTextDetectionCommand,
      StartDocumentTextDetectionCommand,
      Signer,
      createPresignedPost,
      getSignedUrl,
      Kysely,
      PostgresDialect,
      sql,
      pg.Pool,
    ].length + Number(schema.safeParse(event).success)
  );
});
