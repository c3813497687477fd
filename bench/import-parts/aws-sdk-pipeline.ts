/** Import-cost part: every SDK package a pipeline function (recognize, admitter, …) imports, together. */
import { handler as ws } from './aws-sdk-ws.js';
import { handler as sfn } from './client-sfn.js';
import { handler as sqs } from './client-sqs.js';
import { handler as textract } from './client-textract.js';
import { handler as s3 } from './s3-presigners.js';

export const handler = async () =>
  (await ws()) + (await s3()) + (await sfn()) + (await sqs()) + (await textract());
