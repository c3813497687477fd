import { SFNClient, StartExecutionCommand, StateMachineDoesNotExist } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createSfnWorkflow } from '../../../../../lambdas/adapters/aws/sfn-workflow.js';

const client = new SFNClient({ region: 'eu-central-1' });
const sfnMock = mockClient(client);
const stateMachineArn = 'arn:aws:states:eu-central-1:123456789012:stateMachine:untxt-ocr';
const input = { taskId: 'task-1', userId: 'user-1', key: 'uploads/user-1/task-1', attempt: 1 };
const expressArn = (name: string) =>
  `arn:aws:states:eu-central-1:123456789012:express:untxt-ocr:${name}:0c1d2e3f-0000-4000-8000-000000000000`;

afterEach(() => {
  sfnMock.reset();
});

describe('Function: start', () => {
  it('starts an execution named after the task on the first attempt', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: expressArn('task-1'), startDate: new Date() });
    const workflow = createSfnWorkflow({ client, stateMachineArn });

    // Act
    const result = await workflow.start(input);

    // Assess
    expect(result).toEqual({ executionArn: expressArn('task-1') });
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(1);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn,
      name: 'task-1',
      input: JSON.stringify({ taskId: 'task-1', userId: 'user-1', key: 'uploads/user-1/task-1', attempt: 1 }),
    });
  });

  it('suffixes the execution name with the attempt when retrying', async () => {
    // Prepare
    sfnMock
      .on(StartExecutionCommand)
      .resolves({ executionArn: expressArn('task-1-3'), startDate: new Date() });
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

  it('passes the job id and marks the name when a finished job hands its task back', async () => {
    // Prepare
    sfnMock
      .on(StartExecutionCommand)
      .resolves({ executionArn: expressArn('task-1-2-write'), startDate: new Date() });
    const workflow = createSfnWorkflow({ client, stateMachineArn });

    // Act
    const result = await workflow.start({ ...input, attempt: 2, jobId: 'job-9' });

    // Assess
    expect(result).toEqual({ executionArn: expressArn('task-1-2-write') });
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn,
      name: 'task-1-2-write',
      input: JSON.stringify({
        taskId: 'task-1',
        userId: 'user-1',
        key: 'uploads/user-1/task-1',
        attempt: 2,
        jobId: 'job-9',
      }),
    });
  });

  it('starts again when called again, because Express workflows do not de-duplicate names', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: expressArn('task-1'), startDate: new Date() });
    const workflow = createSfnWorkflow({ client, stateMachineArn });

    // Act
    await workflow.start(input);
    await workflow.start(input);

    // Assess
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(2);
  });

  it('propagates errors, so the caller can retry the start', async () => {
    // Prepare
    const missing = new StateMachineDoesNotExist({ message: 'nope', $metadata: {} });
    sfnMock.on(StartExecutionCommand).rejects(missing);
    const workflow = createSfnWorkflow({ client, stateMachineArn });

    // Act & Assess
    await expect(workflow.start(input)).rejects.toBe(missing);
  });
});
