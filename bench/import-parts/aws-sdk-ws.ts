/** Import-cost part: the SDK packages of the ws function (and dbChange): @connections client and RDS signer. */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { Signer } from '@aws-sdk/rds-signer';

export const handler = async () =>
  [ApiGatewayManagementApiClient, DeleteConnectionCommand, PostToConnectionCommand, Signer].length;
