import type { RuntimeConfig } from '../config';
import type { AuthProvider } from './auth-provider';
import { createCognitoAuth } from './cognito-auth';
import { createLocalAuth } from './local-auth';

export type { AuthProvider, SignUpResult } from './auth-provider';
export { AuthError } from './auth-provider';
export { isAdmin, sessionStore, type Session } from './session';

/** The provider the runtime config asks for. */
export const createAuth = (config: RuntimeConfig): AuthProvider =>
  config.auth.mode === 'cognito'
    ? createCognitoAuth({ region: config.auth.region, userPoolClientId: config.auth.userPoolClientId })
    : createLocalAuth(config.apiUrl);
