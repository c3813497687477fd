/** Import-cost part: the @connections client as the connection gateway imports it. */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';

export const handler = async () =>
  [ApiGatewayManagementApiClient, DeleteConnectionCommand, PostToConnectionCommand].length;
