import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { executionInput, executionPhase, type Workflow, type WorkflowInput } from '../../core/ports.js';
import { executionName } from '../../core/keys.js';

export interface SfnWorkflowSettings {
  client: SFNClient;
  /** `arn:{partition}:states:{region}:{account}:stateMachine:{name}` */
  stateMachineArn: string;
}

/**
 * Creates the {@link Workflow} over one Step Functions state machine (an Express workflow).
 *
 * Express workflows do not de-duplicate execution names: a repeated start runs again. The name still
 * says which task, attempt and phase an execution is for (it is what the execution logs show), and
 * the steps claim the task per attempt, so a duplicate run finds nothing to do.
 *
 * @param settings - The SFN client (injected so tests can mock it) and the state machine's ARN.
 * @returns The workflow.
 */
export function createSfnWorkflow(settings: SfnWorkflowSettings): Workflow {
  const { client, stateMachineArn } = settings;

  return {
    async start(input: WorkflowInput) {
      const output = await client.send(
        new StartExecutionCommand({
          stateMachineArn,
          name: executionName(input.taskId, input.attempt, executionPhase(input)),
          input: JSON.stringify(executionInput(input)),
        }),
      );
      if (!output.executionArn) throw new Error('Step Functions started no execution (no executionArn)');
      return { executionArn: output.executionArn };
    },
  };
}
