import type { Session } from './session.js';

export type SignUpResult = { session: Session } | { needsConfirmation: true; destination?: string };

/** Sign-in behind one interface: the local token endpoints on `npm start`, Cognito on AWS. */
export interface AuthProvider {
  readonly kind: 'local' | 'cognito';
  signIn(email: string, password: string): Promise<Session>;
  signUp(email: string, password: string): Promise<SignUpResult>;
  /** Cognito sends a code by email after sign-up; the local host signs the user in at once. */
  confirmSignUp(email: string, code: string): Promise<void>;
  /** A fresh session before the ID token expires, or `null` when the user must sign in again. */
  refresh(session: Session): Promise<Session | null>;
}

/** A failure the sign-in form shows as is. */
export class AuthError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}
