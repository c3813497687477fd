import { GetQueueAttributesCommand, SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqsQueueMonitor } from '../../../../../lambdas/adapters/aws/sqs-queue-monitor.js';

const client = new SQSClient({ region: 'eu-central-1' });
const sqsMock = mockClient(client);
const settings = {
  client,
  intakeQueueUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/untxt-intake',
  intakeQueueArn: 'arn:aws:sqs:eu-central-1:123456789012:untxt-intake',
  deadLetterQueueUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/untxt-intake-dlq',
  deadLetterQueueArn: 'arn:aws:sqs:eu-central-1:123456789012:untxt-intake-dlq',
};
const attributeNames = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'];

afterEach(() => {
  sqsMock.reset();
});

describe('Function: intakeDepth', () => {
  it('reads visible and in-flight counts of the intake queue', async () => {
    // Prepare
    sqsMock.on(GetQueueAttributesCommand).resolves({
      Attributes: { ApproximateNumberOfMessages: '12', ApproximateNumberOfMessagesNotVisible: '3' },
    });
    const monitor = createSqsQueueMonitor(settings);

    // Act
    const depth = await monitor.intakeDepth();

    // Assess
    expect(depth).toEqual({ visible: 12, inFlight: 3 });
    expect(sqsMock.commandCalls(GetQueueAttributesCommand)[0]?.args[0].input).toEqual({
      QueueUrl: settings.intakeQueueUrl,
      AttributeNames: attributeNames,
    });
  });

  it('reports zero when SQS leaves attributes out', async () => {
    // Prepare
    sqsMock.on(GetQueueAttributesCommand).resolves({});
    const monitor = createSqsQueueMonitor(settings);

    // Act
    const depth = await monitor.intakeDepth();

    // Assess
    expect(depth).toEqual({ visible: 0, inFlight: 0 });
  });
});

describe('Function: deadLetterDepth', () => {
  it('reads the dead-letter queue', async () => {
    // Prepare
    sqsMock.on(GetQueueAttributesCommand).resolves({
      Attributes: { ApproximateNumberOfMessages: '4', ApproximateNumberOfMessagesNotVisible: '0' },
    });
    const monitor = createSqsQueueMonitor(settings);

    // Act
    const depth = await monitor.deadLetterDepth();

    // Assess
    expect(depth).toEqual({ visible: 4, inFlight: 0 });
    expect(sqsMock.commandCalls(GetQueueAttributesCommand)[0]?.args[0].input).toEqual({
      QueueUrl: settings.deadLetterQueueUrl,
      AttributeNames: attributeNames,
    });
  });
});

describe('Function: redriveDeadLetters', () => {
  it('moves dead letters back to intake and returns the depth read just before', async () => {
    // Prepare
    sqsMock.on(GetQueueAttributesCommand).resolves({
      Attributes: { ApproximateNumberOfMessages: '7', ApproximateNumberOfMessagesNotVisible: '1' },
    });
    sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'handle-1' });
    const monitor = createSqsQueueMonitor(settings);

    // Act
    const moved = await monitor.redriveDeadLetters();

    // Assess
    expect(moved).toBe(7);
    const calls = sqsMock.calls();
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0]).toBeInstanceOf(GetQueueAttributesCommand);
    expect(calls[1]?.args[0]).toBeInstanceOf(StartMessageMoveTaskCommand);
    expect(sqsMock.commandCalls(GetQueueAttributesCommand)[0]?.args[0].input).toEqual({
      QueueUrl: settings.deadLetterQueueUrl,
      AttributeNames: attributeNames,
    });
    expect(sqsMock.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: settings.deadLetterQueueArn,
      DestinationArn: settings.intakeQueueArn,
    });
  });

  it('propagates a failed move task start', async () => {
    // Prepare
    sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '2' } });
    const failure = Object.assign(new Error('A move task is already running'), {
      name: 'UnsupportedOperation',
    });
    sqsMock.on(StartMessageMoveTaskCommand).rejects(failure);
    const monitor = createSqsQueueMonitor(settings);

    // Act & Assess
    await expect(monitor.redriveDeadLetters()).rejects.toBe(failure);
  });
});
