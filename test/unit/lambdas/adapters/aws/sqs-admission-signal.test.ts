import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqsAdmissionSignal } from '../../../../../lambdas/adapters/aws/sqs-admission-signal.js';

const client = new SQSClient({ region: 'eu-central-1' });
const sqsMock = mockClient(client);
const queueUrl = 'https://sqs.eu-central-1.amazonaws.com/123456789012/untxt-admission';

afterEach(() => {
  sqsMock.reset();
});

describe('Function: poke', () => {
  it('sends one message to the admission queue whose body says why', async () => {
    // Prepare
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    const signal = createSqsAdmissionSignal({ client, queueUrl });

    // Act
    await signal.poke('task waiting');

    // Assess
    expect(sqsMock.calls()).toHaveLength(1);
    expect(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: queueUrl,
      MessageBody: '{"reason":"task waiting"}',
    });
  });

  it('lets a failed send reach the caller, so the step fails and is retried', async () => {
    // Prepare
    sqsMock
      .on(SendMessageCommand)
      .rejects(Object.assign(new Error('Access to the resource is denied'), { name: 'AccessDenied' }));
    const signal = createSqsAdmissionSignal({ client, queueUrl });

    // Act
    const poke = signal.poke('job finished');

    // Assess
    await expect(poke).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
