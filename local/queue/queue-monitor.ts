/**
 * The admin view of the intake queue and its dead-letter queue, backed by the local queues.
 */
import type { QueueMonitor } from '../../lambdas/core/ports.js';
import type { LocalQueue } from './local-queue.js';

/**
 * Builds the {@link QueueMonitor} port over the local intake queue and its dead-letter queue.
 * Redrive moves every available dead-lettered message back to intake with a fresh receive count.
 */
export function createLocalQueueMonitor(intake: LocalQueue, deadLetter: LocalQueue): QueueMonitor {
  return {
    intakeDepth: () => intake.depth(),
    deadLetterDepth: () => deadLetter.depth(),
    redriveDeadLetters: () => deadLetter.moveAllTo(intake),
  };
}
