import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { Workflow, WorkflowInput } from '../../core/ports.js';
import { executionName } from '../../core/keys.js';
import { isServiceError } from './sdk-errors.js';

export interface SfnWorkflowSettings {
  client: SFNClient;
  /** `arn:{partition}:states:{region}:{account}:stateMachine:{name}` */
  stateMachineArn: string;
}

/** Step Functions' limits on `SendTaskFailure`: `error` ≤ 256 and `cause` ≤ 32,768 characters. */
const MAX_ERROR_LENGTH = 256;
const MAX_CAUSE_LENGTH = 32_768;

/**
 * Creates the {@link Workflow} over one Step Functions state machine.
 *
 * @param settings - The SFN client (injected so tests can mock it) and the state machine's ARN.
 * @returns A workflow whose `start` is idempotent per (taskId, attempt) through the execution name.
 */
export function createSfnWorkflow(settings: SfnWorkflowSettings): Workflow {
  const { client, stateMachineArn } = settings;

  return {
    async start({ taskId, userId, key, attempt }: WorkflowInput) {
      // The execution name is the idempotency key: Step Functions refuses a second execution with the
      // same name (for 90 days), so a redelivered SQS message cannot OCR a document twice.
      const name = executionName(taskId, attempt);
      try {
        const output = await client.send(
          new StartExecutionCommand({
            stateMachineArn,
            name,
            input: JSON.stringify({ taskId, userId, key, attempt }),
          }),
        );
        return { executionArn: output.executionArn ?? executionArnFor(stateMachineArn, name), started: true };
      } catch (error) {
        if (isServiceError(error, ['ExecutionAlreadyExists'])) {
          return { executionArn: executionArnFor(stateMachineArn, name), started: false };
        }
        throw error;
      }
    },
  };
}

export { executionName };

/**
 * Derives an execution's ARN from its state machine's ARN and name, for when Step Functions did not
 * return one (`ExecutionAlreadyExists`).
 *
 * @param stateMachineArn - `arn:{partition}:states:{region}:{account}:stateMachine:{machine}`.
 * @param name - The execution name.
 * @returns `arn:{partition}:states:{region}:{account}:execution:{machine}:{name}`.
 */
export function executionArnFor(stateMachineArn: string, name: string): string {
  const parts = stateMachineArn.split(':');
  const [arn, partition, service, region, account, resourceType, machine] = parts;
  if (
    parts.length !== 7 ||
    arn !== 'arn' ||
    service !== 'states' ||
    resourceType !== 'stateMachine' ||
    !partition ||
    !region ||
    !account ||
    !machine
  ) {
    throw new Error(`Not a state machine ARN: ${stateMachineArn}`);
  }
  return `arn:${partition}:states:${region}:${account}:execution:${machine}:${name}`;
}

/**
 * Completes a `.waitForTaskToken` state (the async Textract callback) with `output` as its result.
 *
 * @param client - The SFN client.
 * @param token - The task token the state handed out.
 * @param output - Any JSON-serialisable value; becomes the state's output.
 * @returns `false` when the state no longer waits for this token (timed out, execution gone), so a
 *   late or redelivered callback can be dropped instead of retried forever; `true` otherwise.
 */
export async function sendTaskSuccess(client: SFNClient, token: string, output: unknown): Promise<boolean> {
  try {
    await client.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output ?? null) }),
    );
    return true;
  } catch (error) {
    if (isServiceError(error, ['TaskTimedOut', 'TaskDoesNotExist'])) return false;
    throw error;
  }
}

/**
 * Fails a `.waitForTaskToken` state; `error` is what the state machine's `Retry`/`Catch` match on.
 *
 * @param client - The SFN client.
 * @param token - The task token the state handed out.
 * @param error - The error name (cut to 256 characters).
 * @param cause - A human-readable cause (cut to 32,768 characters).
 * @returns `false` when the state no longer waits for this token; `true` otherwise.
 */
export async function sendTaskFailure(
  client: SFNClient,
  token: string,
  error: string,
  cause: string,
): Promise<boolean> {
  try {
    await client.send(
      new SendTaskFailureCommand({
        taskToken: token,
        // Step Functions rejects the whole call (ValidationException) when these are too long, which
        // would leave the state waiting until its timeout; cutting them keeps the failure visible.
        error: error.slice(0, MAX_ERROR_LENGTH),
        cause: cause.slice(0, MAX_CAUSE_LENGTH),
      }),
    );
    return true;
  } catch (sendError) {
    if (isServiceError(sendError, ['TaskTimedOut', 'TaskDoesNotExist'])) return false;
    throw sendError;
  }
}
