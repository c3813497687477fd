import {
  ExecutionAlreadyExists,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSfnWorkflow,
  executionArnFor,
  sendTaskFailure,
  sendTaskSuccess,
} from '../../../../../lambdas/adapters/aws/sfn-workflow.js';

const client = new SFNClient({ region: 'eu-central-1' });
const sfnMock = mockClient(client);
const stateMachineArn = 'arn:aws:states:eu-central-1:123456789012:stateMachine:untxt-ocr';
const input = { taskId: 'task-1', userId: 'user-1', key: 'uploads/user-1/task-1', attempt: 1 };

afterEach(() => {
  sfnMock.reset();
});

describe('Function: start', () => {
  it('starts an execution named after the task on the first attempt', async () => {
    // Prepare
    const executionArn = 'arn:aws:states:eu-central-1:123456789012:execution:untxt-ocr:task-1';
    sfnMock.on(StartExecutionCommand).resolves({ executionArn, startDate: new Date() });
    const workflow = createSfnWorkflow({ client, stateMachineArn });

    // Act
    const result = await workflow.start(input);

    // Assess
    expect(result).toEqual({ executionArn, started: true });
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(1);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn,
      name: 'task-1',
      input: JSON.stringify({ taskId: 'task-1', userId: 'user-1', key: 'uploads/user-1/task-1', attempt: 1 }),
    });
  });

  it('suffixes the execution name with the attempt when retrying', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:x', startDate: new Date() });
    const workflow = createSfnWorkflow({ client, stateMachineArn });

    // Act
    await workflow.start({ ...input, attempt: 3 });

    // Assess
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn,
      name: 'task-1-3',
      input: JSON.stringify({ taskId: 'task-1', userId: 'user-1', key: 'uploads/user-1/task-1', attempt: 3 }),
    });
  });

  it('reports started: false with the derived ARN when the execution already exists', async () => {
    // Prepare
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    const workflow = createSfnWorkflow({ client, stateMachineArn });

    // Act
    const result = await workflow.start({ ...input, attempt: 2 });

    // Assess
    expect(result).toEqual({
      executionArn: 'arn:aws:states:eu-central-1:123456789012:execution:untxt-ocr:task-1-2',
      started: false,
    });
  });

  it('propagates other errors', async () => {
    // Prepare
    const missing = new StateMachineDoesNotExist({ message: 'nope', $metadata: {} });
    sfnMock.on(StartExecutionCommand).rejects(missing);
    const workflow = createSfnWorkflow({ client, stateMachineArn });

    // Act & Assess
    await expect(workflow.start(input)).rejects.toBe(missing);
  });
});

describe('Function: executionArnFor', () => {
  it('keeps the partition, region and account of the state machine', () => {
    // Act
    const arn = executionArnFor('arn:aws-cn:states:cn-north-1:123456789012:stateMachine:m', 'e');

    // Assess
    expect(arn).toBe('arn:aws-cn:states:cn-north-1:123456789012:execution:m:e');
  });

  it('throws when the ARN is not a state machine ARN', () => {
    // Act & Assess
    expect(() => executionArnFor('arn:aws:lambda:eu-central-1:123456789012:function:f', 'e')).toThrow(
      /Not a state machine ARN/,
    );
  });
});

describe('Function: sendTaskSuccess', () => {
  it('sends the output as JSON for the token', async () => {
    // Prepare
    sfnMock.on(SendTaskSuccessCommand).resolves({});

    // Act
    const sent = await sendTaskSuccess(client, 'token-1', { jobId: 'job-1', status: 'SUCCEEDED' });

    // Assess
    expect(sent).toBe(true);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: 'token-1',
      output: '{"jobId":"job-1","status":"SUCCEEDED"}',
    });
  });

  it('returns false when the task already timed out', async () => {
    // Prepare
    sfnMock.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'timed out', $metadata: {} }));

    // Act
    const sent = await sendTaskSuccess(client, 'token-1', {});

    // Assess
    expect(sent).toBe(false);
  });

  it('propagates an invalid token', async () => {
    // Prepare
    const invalid = new InvalidToken({ message: 'bad token', $metadata: {} });
    sfnMock.on(SendTaskSuccessCommand).rejects(invalid);

    // Act & Assess
    await expect(sendTaskSuccess(client, 'garbage', {})).rejects.toBe(invalid);
  });
});

describe('Function: sendTaskFailure', () => {
  it('sends the error name and cause for the token', async () => {
    // Prepare
    sfnMock.on(SendTaskFailureCommand).resolves({});

    // Act
    const sent = await sendTaskFailure(client, 'token-1', 'TextDetectionFailedError', 'Unsupported document');

    // Assess
    expect(sent).toBe(true);
    expect(sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toEqual({
      taskToken: 'token-1',
      error: 'TextDetectionFailedError',
      cause: 'Unsupported document',
    });
  });

  it('cuts error and cause to the Step Functions limits when they are too long', async () => {
    // Prepare
    sfnMock.on(SendTaskFailureCommand).resolves({});

    // Act
    await sendTaskFailure(client, 'token-1', 'E'.repeat(300), 'c'.repeat(40_000));

    // Assess
    expect(sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toEqual({
      taskToken: 'token-1',
      error: 'E'.repeat(256),
      cause: 'c'.repeat(32_768),
    });
  });
});
