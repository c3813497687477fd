/**
 * Password hashing for the local token issuer (Cognito owns passwords on AWS). scrypt from node's
 * crypto: memory-hard, no native dependency, parameters stored in the hash so they can be raised
 * later without invalidating existing hashes.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** Cost parameters: N = 2^15, r = 8, p = 1 uses 32 MiB and tens of milliseconds per hash. */
const COST = { N: 32_768, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Upper bounds when reading a stored hash, so a tampered row cannot make verification eat the host. */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password.normalize('NFKC'), salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** scrypt needs 128·N·r bytes; node's default `maxmem` (32 MiB) is exactly too small for N = 2^15. */
const maxmemFor = (N: number, r: number): number => 128 * N * r + 1024 * 1024;

/**
 * Hashes a password with a fresh random salt.
 *
 * @param password - The plain password (NFKC-normalised, so equivalent Unicode spellings match).
 * @returns `scrypt$N$r$p$<salt base64>$<hash base64>`.
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, KEY_BYTES, { ...COST, maxmem: maxmemFor(COST.N, COST.r) });
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/**
 * Checks a password against a hash from {@link hashPassword}, in constant time.
 *
 * @returns `true` when it matches; `false` otherwise, including for a malformed or unsupported hash.
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (parsed === undefined) return false;
  const { N, r, p, salt, key } = parsed;
  let candidate: Buffer;
  try {
    candidate = await scrypt(password, salt, key.length, { N, r, p, maxmem: maxmemFor(N, r) });
  } catch {
    return false;
  }
  return timingSafeEqual(candidate, key);
}

function parseHash(hash: string): { N: number; r: number; p: number; salt: Buffer; key: Buffer } | undefined {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^\d+$/.test(part) ? Number(part) : NaN)) as [
    number,
    number,
    number,
  ];
  const isPowerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!isPowerOfTwo || N > MAX_N || !(r >= 1 && r <= MAX_R) || !(p >= 1 && p <= MAX_P)) return undefined;
  const salt = Buffer.from(parts[4] as string, 'base64');
  const key = Buffer.from(parts[5] as string, 'base64');
  if (salt.length < 8 || key.length < 16 || key.length > 128) return undefined;
  return { N, r, p, salt, key };
}
