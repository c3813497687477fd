/**
 * Local stand-in for the Cognito user pool's token endpoint: signs id tokens with the claims Cognito
 * puts in them, with one ES256 key persisted on disk so tokens survive restarts, and publishes the
 * public half as a JWKS for the (production) JWT verifier.
 */
import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  randomUUID,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import type { Identity } from '../../lambdas/core/ports.js';

export interface TokenIssuerOptions {
  /** Where the private JWK lives; created (mode 0600) on first use. */
  keyFile: string;
  /** `iss` of every token: the URL the verifier is configured with. */
  issuer: string;
  /** `aud` of every token (Cognito's app client id): `untxt-local`. */
  audience: string;
  /** Token lifetime; Cognito's id token default is one hour. */
  ttlSeconds?: number;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface IssuedToken {
  token: string;
  /** Seconds until the token expires, as Cognito's `ExpiresIn`. */
  expiresIn: number;
}

export interface TokenIssuer {
  issue(identity: Identity): Promise<IssuedToken>;
  /** The public signing key(s), for `/.well-known/jwks.json`. */
  jwks(): JSONWebKeySet;
  readonly issuer: string;
  readonly audience: string;
}

const ALG = 'ES256';

interface StoredKey {
  privateKey: KeyObject;
  publicJwk: JWK;
  kid: string;
}

/**
 * Creates the local token issuer, loading the signing key from `keyFile` or generating it there.
 *
 * Tokens look like Cognito id tokens: `sub`, `email`, `cognito:groups` (always an array, possibly
 * empty), `cognito:username`, `token_use: 'id'`, `aud`, `iss`, `iat`, `exp`, `auth_time`, `jti`, and
 * a `kid` header matching the JWKS.
 *
 * @param options - Key file, issuer, audience and lifetime.
 * @returns The issuer.
 * @throws Error when the key file exists but does not hold an EC P-256 private JWK.
 */
export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const { keyFile, issuer, audience, ttlSeconds = 3600, now = () => new Date() } = options;
  const key = loadOrCreateKey(keyFile);

  return {
    issuer,
    audience,

    async issue(identity) {
      const issuedAt = Math.floor(now().getTime() / 1000);
      const token = await new SignJWT({
        email: identity.email,
        'cognito:groups': [...identity.groups],
        'cognito:username': identity.userId,
        token_use: 'id',
        auth_time: issuedAt,
      })
        .setProtectedHeader({ alg: ALG, kid: key.kid })
        .setSubject(identity.userId)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .setJti(randomUUID())
        .sign(key.privateKey);
      return { token, expiresIn: ttlSeconds };
    },

    jwks() {
      return { keys: [{ ...key.publicJwk }] };
    },
  };
}

function loadOrCreateKey(keyFile: string): StoredKey {
  const existing = readKeyFile(keyFile);
  if (existing !== undefined) return existing;

  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const stored = { ...jwk, kid: thumbprint(jwk), alg: ALG, use: 'sig' };
  mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
  try {
    // `wx`: if another process created the file meanwhile, use its key rather than overwrite it.
    writeFileSync(keyFile, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = readKeyFile(keyFile);
    if (raced !== undefined) return raced;
  }
  return toStoredKey(stored, keyFile);
}

function readKeyFile(keyFile: string): StoredKey | undefined {
  let text: string;
  try {
    text = readFileSync(keyFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // A private key others can read lets them mint admin tokens: tighten it.
  if ((statSync(keyFile).mode & 0o077) !== 0) chmodSync(keyFile, 0o600);
  let jwk: JsonWebKey;
  try {
    jwk = JSON.parse(text) as JsonWebKey;
  } catch (error) {
    throw new Error(`Token signing key ${keyFile} is not valid JSON; delete it to create a new key`, {
      cause: error,
    });
  }
  return toStoredKey(jwk, keyFile);
}

function toStoredKey(jwk: JsonWebKey, keyFile: string): StoredKey {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') {
    throw new Error(
      `Token signing key ${keyFile} is not an EC P-256 private JWK; delete it to create a new key`,
    );
  }
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  const kid = typeof jwk.kid === 'string' && jwk.kid.length > 0 ? jwk.kid : thumbprint(jwk);
  const publicJwk: JWK = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, alg: ALG, use: 'sig' };
  return { privateKey, publicJwk, kid };
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of an EC key: a stable, content-derived `kid`. */
function thumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}
