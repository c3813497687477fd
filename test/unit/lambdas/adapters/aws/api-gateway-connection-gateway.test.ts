import {
  ApiGatewayManagementApiClient,
  ApiGatewayManagementApiServiceException,
  DeleteConnectionCommand,
  ForbiddenException,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createApiGatewayConnectionGateway,
  createManagementClient,
  MAX_MESSAGE_BYTES,
} from '../../../../../lambdas/adapters/aws/api-gateway-connection-gateway.js';
import { PayloadTooLargeError } from '../../../../../lambdas/core/errors.js';

const client = new ApiGatewayManagementApiClient({
  region: 'eu-central-1',
  endpoint: 'https://abc123.execute-api.eu-central-1.amazonaws.com/prod',
});
const apiMock = mockClient(client);

afterEach(() => {
  apiMock.reset();
});

describe('Function: post', () => {
  it('posts the message as UTF-8 JSON bytes to the connection', async () => {
    // Prepare
    apiMock.on(PostToConnectionCommand).resolves({});
    const gateway = createApiGatewayConnectionGateway({ client });
    const message = { type: 'task.updated', taskId: 'task-1', note: 'Größe' };

    // Act
    const delivered = await gateway.post('conn-1=', message);

    // Assess
    expect(delivered).toBe(true);
    expect(apiMock.commandCalls(PostToConnectionCommand)).toHaveLength(1);
    expect(apiMock.commandCalls(PostToConnectionCommand)[0]?.args[0].input).toEqual({
      ConnectionId: 'conn-1=',
      Data: new TextEncoder().encode(JSON.stringify(message)),
    });
  });

  it('returns false when the connection is gone', async () => {
    // Prepare
    apiMock.on(PostToConnectionCommand).rejects(new GoneException({ message: 'Gone', $metadata: {} }));
    const gateway = createApiGatewayConnectionGateway({ client });

    // Act
    const delivered = await gateway.post('conn-1=', { type: 'ping' });

    // Assess
    expect(delivered).toBe(false);
  });

  it('returns false when only the 410 status says the connection is gone', async () => {
    // Prepare
    apiMock.on(PostToConnectionCommand).rejects(
      new ApiGatewayManagementApiServiceException({
        name: 'UnknownError',
        $fault: 'client',
        message: 'Gone',
        $metadata: { httpStatusCode: 410 },
      }),
    );
    const gateway = createApiGatewayConnectionGateway({ client });

    // Act
    const delivered = await gateway.post('conn-1=', { type: 'ping' });

    // Assess
    expect(delivered).toBe(false);
  });

  it('rethrows other errors', async () => {
    // Prepare
    const forbidden = new ForbiddenException({ message: 'Forbidden', $metadata: { httpStatusCode: 403 } });
    apiMock.on(PostToConnectionCommand).rejects(forbidden);
    const gateway = createApiGatewayConnectionGateway({ client });

    // Act & Assess
    await expect(gateway.post('conn-1=', { type: 'ping' })).rejects.toBe(forbidden);
  });

  it('throws PayloadTooLargeError without posting when the message exceeds 128 KB', async () => {
    // Prepare
    const gateway = createApiGatewayConnectionGateway({ client });
    // JSON adds two quote bytes, so this string is one byte over the limit once encoded.
    const message = 'x'.repeat(MAX_MESSAGE_BYTES - 1);

    // Act & Assess
    await expect(gateway.post('conn-1=', message)).rejects.toThrow(PayloadTooLargeError);
    expect(apiMock.calls()).toHaveLength(0);
  });

  it('posts a message of exactly 128 KB', async () => {
    // Prepare
    apiMock.on(PostToConnectionCommand).resolves({});
    const gateway = createApiGatewayConnectionGateway({ client });

    // Act
    const delivered = await gateway.post('conn-1=', 'x'.repeat(MAX_MESSAGE_BYTES - 2));

    // Assess
    expect(delivered).toBe(true);
  });
});

describe('Function: remove', () => {
  it('deletes the connection', async () => {
    // Prepare
    apiMock.on(DeleteConnectionCommand).resolves({});
    const gateway = createApiGatewayConnectionGateway({ client });

    // Act
    await gateway.remove('conn-1=');

    // Assess
    expect(apiMock.commandCalls(DeleteConnectionCommand)[0]?.args[0].input).toEqual({
      ConnectionId: 'conn-1=',
    });
  });

  it('ignores a connection that is already gone', async () => {
    // Prepare
    apiMock.on(DeleteConnectionCommand).rejects(new GoneException({ message: 'Gone', $metadata: {} }));
    const gateway = createApiGatewayConnectionGateway({ client });

    // Act & Assess
    await expect(gateway.remove('conn-1=')).resolves.toBeUndefined();
  });

  it('rethrows other errors', async () => {
    // Prepare
    const forbidden = new ForbiddenException({ message: 'Forbidden', $metadata: {} });
    apiMock.on(DeleteConnectionCommand).rejects(forbidden);
    const gateway = createApiGatewayConnectionGateway({ client });

    // Act & Assess
    await expect(gateway.remove('conn-1=')).rejects.toBe(forbidden);
  });
});

describe('Function: createManagementClient', () => {
  it('targets the stage over HTTPS when given the wss:// URL', async () => {
    // Act
    const managementClient = createManagementClient(
      'wss://abc123.execute-api.eu-central-1.amazonaws.com/prod/',
      'eu-central-1',
    );

    // Assess
    const endpoint = await managementClient.config.endpoint?.();
    expect(endpoint).toMatchObject({
      protocol: 'https:',
      hostname: 'abc123.execute-api.eu-central-1.amazonaws.com',
      path: '/prod',
    });
    expect(await managementClient.config.region()).toBe('eu-central-1');
  });
});
