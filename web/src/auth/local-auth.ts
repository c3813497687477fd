import { AuthError, type AuthProvider } from './auth-provider.js';
import { sessionFromToken } from './session.js';

interface LocalAuthAnswer {
  token: string;
  expiresIn: number;
  user: { id: string; email: string; groups: string[] };
}

/**
 * The local host's stand-in for Cognito: `POST {apiUrl}/auth/register|login` → an ID token with the
 * same claims. There is no refresh token; after an hour the user signs in again.
 */
export const createLocalAuth = (
  apiUrl: string,
  fetchImpl: typeof fetch = fetch.bind(globalThis),
): AuthProvider => {
  const call = async (route: 'register' | 'login', email: string, password: string) => {
    const res = await fetchImpl(`${apiUrl}/auth/${route}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    const body = (await res.json().catch(() => null)) as
      | (LocalAuthAnswer & {
          error?: { code: string; message: string; details?: Array<{ message: string }> };
        })
      | null;
    if (!res.ok || !body?.token) {
      const detail = body?.error?.details?.map((d) => d.message).join('; ');
      throw new AuthError(
        detail || body?.error?.message || `Sign-in failed (HTTP ${res.status})`,
        body?.error?.code ?? 'HTTP_ERROR',
      );
    }
    return sessionFromToken(body.token);
  };
  return {
    kind: 'local',
    signIn: (email, password) => call('login', email, password),
    signUp: async (email, password) => ({ session: await call('register', email, password) }),
    confirmSignUp: async () => undefined,
    refresh: async () => null,
  };
};
