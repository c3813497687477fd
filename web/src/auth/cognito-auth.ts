import { AuthError, type AuthProvider } from './auth-provider.js';
import { sessionFromToken } from './session.js';

interface CognitoOptions {
  region: string;
  userPoolClientId: string;
  fetchImpl?: typeof fetch;
}

interface AuthenticationResult {
  IdToken: string;
  AccessToken: string;
  RefreshToken?: string;
  ExpiresIn: number;
}

/**
 * Cognito user pools over their public JSON API (no SDK: it would triple the bundle), the calls the
 * hosted UI makes too. Needs an app client **without a secret** that allows `USER_PASSWORD_AUTH` and
 * `REFRESH_TOKEN_AUTH`; these calls are unauthenticated by design (the client id is public).
 *
 * - sign in: `InitiateAuth` with `USER_PASSWORD_AUTH` → ID token (sent to the API, carries
 *   `cognito:groups`) + refresh token.
 * - sign up: `SignUp` (email as username) → a code by email → `ConfirmSignUp` → sign in.
 * - refresh: `InitiateAuth` with `REFRESH_TOKEN_AUTH`.
 *
 * Not handled (no account to test against yet): challenges such as `NEW_PASSWORD_REQUIRED` (users
 * created by an admin) and MFA — they surface as a clear error, and the hosted UI remains an option.
 */
export const createCognitoAuth = (options: CognitoOptions): AuthProvider => {
  const endpoint = `https://cognito-idp.${options.region}.amazonaws.com/`;
  const fetchImpl = options.fetchImpl ?? fetch.bind(globalThis);

  const call = async <T>(action: string, body: Record<string, unknown>): Promise<T> => {
    const res = await fetchImpl(endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `AWSCognitoIdentityProviderService.${action}`,
      },
      body: JSON.stringify(body),
    });
    const answer = (await res.json().catch(() => ({}))) as T & { __type?: string; message?: string };
    if (!res.ok) {
      const code = (answer.__type ?? 'CognitoError').split('#').pop()!;
      throw new AuthError(answer.message ?? `Cognito ${action} failed (HTTP ${res.status})`, code);
    }
    return answer;
  };

  const signIn = async (email: string, password: string) => {
    const answer = await call<{ AuthenticationResult?: AuthenticationResult; ChallengeName?: string }>(
      'InitiateAuth',
      {
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: options.userPoolClientId,
        AuthParameters: { USERNAME: email, PASSWORD: password },
      },
    );
    if (!answer.AuthenticationResult)
      throw new AuthError(
        `Cognito asks for ${answer.ChallengeName ?? 'another step'}, which this console does not support yet`,
        'CHALLENGE',
      );
    return sessionFromToken(answer.AuthenticationResult.IdToken, answer.AuthenticationResult.RefreshToken);
  };

  return {
    kind: 'cognito',
    signIn,
    async signUp(email, password) {
      const answer = await call<{ UserConfirmed: boolean; CodeDeliveryDetails?: { Destination?: string } }>(
        'SignUp',
        {
          ClientId: options.userPoolClientId,
          Username: email,
          Password: password,
          UserAttributes: [{ Name: 'email', Value: email }],
        },
      );
      if (answer.UserConfirmed) return { session: await signIn(email, password) };
      return {
        needsConfirmation: true,
        ...(answer.CodeDeliveryDetails?.Destination
          ? { destination: answer.CodeDeliveryDetails.Destination }
          : {}),
      };
    },
    async confirmSignUp(email, code) {
      await call('ConfirmSignUp', {
        ClientId: options.userPoolClientId,
        Username: email,
        ConfirmationCode: code,
      });
    },
    async refresh(session) {
      if (!session.refreshToken) return null;
      try {
        const answer = await call<{ AuthenticationResult?: AuthenticationResult }>('InitiateAuth', {
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          ClientId: options.userPoolClientId,
          AuthParameters: { REFRESH_TOKEN: session.refreshToken },
        });
        // Cognito does not rotate the refresh token on this flow: keep the one we have.
        return answer.AuthenticationResult
          ? sessionFromToken(answer.AuthenticationResult.IdToken, session.refreshToken)
          : null;
      } catch {
        return null;
      }
    },
  };
};
