/** Import-cost part: client-sfn as the workflow adapter imports it. */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

export const handler = async () => [SFNClient, StartExecutionCommand].length;
