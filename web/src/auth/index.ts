import type { RuntimeConfig } from '../config.js';
import type { AuthProvider } from './auth-provider.js';
import { createCognitoAuth } from './cognito-auth.js';
import { createLocalAuth } from './local-auth.js';

export type { AuthProvider, SignUpResult } from './auth-provider.js';
export { AuthError } from './auth-provider.js';
export { isAdmin, sessionStore, type Session } from './session.js';

/** The provider the runtime config asks for. */
export const createAuth = (config: RuntimeConfig): AuthProvider =>
  config.auth.mode === 'cognito'
    ? createCognitoAuth({ region: config.auth.region, userPoolClientId: config.auth.userPoolClientId })
    : createLocalAuth(config.apiUrl);
