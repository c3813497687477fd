/** Import-cost part: jose, as the token verifier imports it. */
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';

export const handler = async () => [createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify].length;
