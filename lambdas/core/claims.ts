import * as z from 'zod';
import { isUuid } from './keys.js';
import { hasControlCharacters } from './text.js';

/** Text from a claim that untxt stores or shows: bounded, without control characters. */
const claimText = (maxLength: number) =>
  z
    .string()
    .max(maxLength)
    .refine((value) => !hasControlCharacters(value), 'must not contain control characters');

/** Cognito's `sub` is a UUID and becomes `users.id` (a uuid column): anything else is nobody of ours. */
const subject = z
  .string()
  .refine(isUuid, 'must be a UUID')
  .transform((value) => value.toLowerCase());
/** An address is at most 320 characters (RFC 5321: 64 + @ + 255). */
const email = claimText(320);
/** Cognito group names are at most 128 characters. */
const group = claimText(128);

/**
 * The claims untxt reads from a verified JWT (a Cognito id or access token, or the local issuer's),
 * with the types Cognito gives them. Other claims pass through untouched; a claim of the wrong shape
 * fails the whole token, since a signature vouches for who sent it, not for what it holds.
 */
export const tokenClaims = z.looseObject({
  sub: subject,
  email: email.optional(),
  /** Cognito access tokens carry `username` instead of `email`. */
  username: claimText(128).optional(),
  'cognito:groups': z.array(group).max(100).optional(),
});

/**
 * The same claims as API Gateway's Cognito authorizer hands them to the integration: every value a
 * string, `cognito:groups` joined as `a,b` or `[a b]` (an array is accepted too, for other callers).
 */
export const authorizerClaims = z.looseObject({
  sub: subject,
  email: email.optional(),
  'cognito:groups': z.union([claimText(100 * 129), z.array(group).max(100)]).optional(),
});
