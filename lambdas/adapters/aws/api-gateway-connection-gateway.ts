import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { PayloadTooLargeError } from '../../core/errors.js';
import type { ConnectionGateway } from '../../core/ports.js';
import { isServiceError } from './sdk-errors.js';

export interface ApiGatewayConnectionGatewaySettings {
  client: ApiGatewayManagementApiClient;
}

/** The WebSocket connection gateway, plus closing a connection from the server side. */
export interface ApiGatewayConnectionGateway extends ConnectionGateway {
  /** Closes the connection; a connection that is already gone is not an error. */
  remove(connectionId: string): Promise<void>;
}

/** API Gateway's WebSocket message limit; larger posts are refused by the service. */
export const MAX_MESSAGE_BYTES = 128 * 1024;

/**
 * Creates the {@link ConnectionGateway} over API Gateway's management API.
 *
 * @param settings - The management client (see {@link createManagementClient}); injected so tests can mock it.
 * @returns A gateway that reports gone connections as `false` instead of throwing.
 */
export function createApiGatewayConnectionGateway(
  settings: ApiGatewayConnectionGatewaySettings,
): ApiGatewayConnectionGateway {
  const { client } = settings;

  return {
    async post(connectionId, message): Promise<boolean> {
      const data = new TextEncoder().encode(JSON.stringify(message));
      if (data.byteLength > MAX_MESSAGE_BYTES) {
        // Refused here rather than by the service after a round trip, with sizes in the message: the
        // caller should send a pointer (e.g. a task id to fetch) instead of the payload.
        throw new PayloadTooLargeError(
          `WebSocket message of ${data.byteLength} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit`,
        );
      }
      try {
        await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
        return true;
      } catch (error) {
        if (isGone(error)) return false;
        throw error;
      }
    },

    async remove(connectionId): Promise<void> {
      try {
        await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
      } catch (error) {
        if (!isGone(error)) throw error;
      }
    },
  };
}

/**
 * Creates a management API client for one WebSocket stage.
 *
 * @param endpoint - `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}` (a `wss://` URL, as
 *   clients see it, is accepted and rewritten) or a custom domain's equivalent.
 * @param region - The API's region; defaults to the SDK's own resolution (`AWS_REGION`).
 * @returns A client whose calls target that stage's `@connections` API.
 */
export function createManagementClient(endpoint: string, region?: string): ApiGatewayManagementApiClient {
  // The management API is plain HTTPS even though the stage URL clients use is `wss://`.
  const url = endpoint.replace(/^wss:\/\//i, 'https://').replace(/\/+$/, '');
  return new ApiGatewayManagementApiClient({ endpoint: url, ...(region !== undefined && { region }) });
}

/** A connection the client already closed: `GoneException` by name, or 410 when only the status survived. */
function isGone(error: unknown): boolean {
  return isServiceError(error, ['GoneException'], 410);
}
