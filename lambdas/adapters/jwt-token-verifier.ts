import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { tokenClaims } from '../core/claims.js';
import { UnauthorizedError } from '../core/errors.js';
import type { Identity, TokenVerifier } from '../core/ports.js';

export interface JwtTokenVerifierSettings {
  /** Exact `iss`: `https://cognito-idp.{region}.amazonaws.com/{userPoolId}` on AWS, the local issuer's URL locally. */
  issuer: string;
  /** The app client id: checked against `aud` (id tokens) or `client_id` (Cognito access tokens). */
  audience?: string;
  /** Where the signing keys come from: the issuer's JWKS endpoint, or a key set in hand (local, tests). */
  jwks: { url: string } | { keys: JSONWebKeySet };
}

/** Asymmetric algorithms only: Cognito signs with RS256, the local issuer with ES256; never `HS*` or `none`. */
const ALGORITHMS = ['RS256', 'ES256'];
/** Seconds of clock skew tolerated on `exp`/`nbf`/`iat` between the issuer and this host. */
const CLOCK_TOLERANCE_SECONDS = 5;

interface Claims extends JWTPayload {
  token_use?: unknown;
  client_id?: unknown;
}

/**
 * Creates a {@link TokenVerifier} for Cognito (AWS) or the local token issuer.
 *
 * Accepts Cognito id tokens (`token_use: 'id'`, `aud` = app client id), Cognito access tokens
 * (`token_use: 'access'`, no `aud`, `client_id` = app client id) and tokens without `token_use`
 * (checked like id tokens).
 *
 * @param settings - Issuer, optional audience and the key source.
 * @returns A verifier that throws `UnauthorizedError` with a short, safe message on any failure.
 */
export function createJwtTokenVerifier(settings: JwtTokenVerifierSettings): TokenVerifier {
  const { issuer, audience, jwks } = settings;
  // The remote set caches keys and refetches on an unknown `kid` (key rotation), with a cooldown.
  const keys: JWTVerifyGetKey =
    'url' in jwks ? createRemoteJWKSet(new URL(jwks.url)) : createLocalJWKSet(jwks.keys);

  return {
    async verify(token: string): Promise<Identity> {
      if (typeof token !== 'string' || token.length === 0) throw new UnauthorizedError();

      let claims: Claims;
      try {
        // `aud` is checked below rather than here: Cognito access tokens carry `client_id` instead.
        ({ payload: claims } = await jwtVerify<Claims>(token, keys, {
          issuer,
          algorithms: ALGORITHMS,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        }));
      } catch (error) {
        // The message stays generic: jose's says which check failed, useful to an attacker probing us.
        if (error instanceof errors.JWTExpired) throw new UnauthorizedError('Token expired');
        throw new UnauthorizedError('Invalid token');
      }

      if (!audienceMatches(claims, audience)) throw new UnauthorizedError('Invalid token');
      // A valid signature says who issued the token, not that its claims have the shapes we store.
      const parsed = tokenClaims.safeParse(claims);
      if (!parsed.success) throw new UnauthorizedError('Invalid token');
      const { sub, email, username, 'cognito:groups': groups } = parsed.data;
      return { userId: sub, email: email || username || '', groups: groups ?? [] };
    },
  };
}

/** Applies the token-type specific audience rule; with no audience configured, any client is accepted. */
function audienceMatches(claims: Claims, audience: string | undefined): boolean {
  const tokenUse = claims.token_use;
  if (tokenUse !== undefined && tokenUse !== 'id' && tokenUse !== 'access') return false;
  if (audience === undefined) return true;
  if (tokenUse === 'access') return claims.client_id === audience;
  const aud = claims.aud;
  return Array.isArray(aud) ? aud.includes(audience) : aud === audience;
}
