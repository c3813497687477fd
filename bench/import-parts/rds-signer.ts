/** Import-cost part: the RDS IAM token signer (with the default credential chain it pulls in). */
import { Signer } from '@aws-sdk/rds-signer';

export const handler = async () => [Signer].length;
