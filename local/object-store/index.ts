/**
 * Local stand-in for the S3 documents bucket. See `local-object-store.ts` for the store,
 * `keys.ts` for key rules and encodings, `s3-event.ts` for the notification shape.
 */
export { createLocalObjectStore } from './local-object-store.js';
export type { LocalObjectStore, LocalObjectStoreOptions } from './local-object-store.js';
export { decodeS3Key, encodeS3Key, validateObjectKey } from './keys.js';
export { attachmentDisposition, sanitizeFileName } from './content-disposition.js';
export { buildObjectCreatedRecord } from './s3-event.js';
export type { ObjectCreatedEventName, S3Notification } from './s3-event.js';
export { encodePolicy, signPolicy, SIGNING_ALGORITHM } from './signing.js';
export type { PolicyCondition, PolicyDocument } from './signing.js';
