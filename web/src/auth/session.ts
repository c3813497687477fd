/** A signed-in user, whichever provider issued the token. */
export interface Session {
  /** Sent as `Authorization: Bearer` and as the WebSocket `token`: a Cognito-shaped ID token. */
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  user: { id: string; email: string; groups: string[] };
  /** Cognito only: exchanged for a new ID token before this one expires. */
  refreshToken?: string;
}

interface JwtClaims {
  sub?: string;
  email?: string;
  exp?: number;
  'cognito:groups'?: unknown;
}

/**
 * Reads (never verifies) a JWT's claims: the browser only uses them to show the right screens; the
 * API verifies every request and refuses what the claims do not allow.
 */
export const decodeClaims = (token: string): JwtClaims => {
  const part = token.split('.')[1];
  if (!part) throw new Error('Malformed token');
  const base64 = part
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as JwtClaims;
};

/** Builds a session from an ID token alone (both providers hand one out). */
export const sessionFromToken = (token: string, refreshToken?: string): Session => {
  const claims = decodeClaims(token);
  const groups = Array.isArray(claims['cognito:groups'])
    ? claims['cognito:groups'].filter((g): g is string => typeof g === 'string')
    : [];
  return {
    token,
    expiresAt: (claims.exp ?? 0) * 1000,
    user: { id: claims.sub ?? '', email: claims.email ?? '', groups },
    ...(refreshToken ? { refreshToken } : {}),
  };
};

export const isAdmin = (session: Session | null): boolean => session?.user.groups.includes('admins') ?? false;

const KEY = 'untxt.session';

/**
 * Sessions live in localStorage so every tab shares one sign-in. (An XSS bug could read it; the CSP
 * of the deployment and React's escaping are the defence, as for any SPA holding a bearer token.)
 */
export const sessionStore = {
  load(storage: Storage = localStorage): Session | null {
    try {
      const raw = storage.getItem(KEY);
      if (!raw) return null;
      const session = JSON.parse(raw) as Session;
      return typeof session.token === 'string' && session.expiresAt > Date.now() ? session : null;
    } catch {
      return null;
    }
  },
  save(session: Session | null, storage: Storage = localStorage): void {
    if (session) storage.setItem(KEY, JSON.stringify(session));
    else storage.removeItem(KEY);
  },
};
