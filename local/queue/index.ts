/**
 * Local stand-in for SQS (the intake queue, its dead-letter queue and the Lambda event source
 * mapping that feeds the dispatcher). See `local-queue.ts` for semantics and restart behaviour.
 */
export { createLocalQueue, MAX_BODY_BYTES } from './local-queue.js';
export type { ConsumerOptions, LocalQueue, LocalQueueOptions, ReceivedMessage } from './local-queue.js';
export { createLocalQueueMonitor } from './queue-monitor.js';
