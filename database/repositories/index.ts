export type { Db } from './shared.js';
export { isUuid } from './shared.js';
export * from './users.js';
export * from './files.js';
export * from './tasks.js';
export * from './results.js';
export * from './connections.js';
export * from './text-jobs.js';
