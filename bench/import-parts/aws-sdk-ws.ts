/** Import-cost part: the SDK packages of the ws function (and dbChange): @connections client and RDS signer. */
import { handler as connections } from './client-apigatewaymanagementapi.js';
import { handler as signer } from './rds-signer.js';

export const handler = async () => (await connections()) + (await signer());
