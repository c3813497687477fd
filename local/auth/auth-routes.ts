/**
 * Local-only sign-up and sign-in routes. On AWS the Cognito hosted endpoints do this and these
 * routes do not exist; locally they store users in the app database and hand out tokens from the
 * local issuer, which the API gateway stand-in then verifies like Cognito's.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import * as z from 'zod';
import {
  ConflictError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  UntxtError,
  ValidationError,
} from '../../lambdas/core/errors.js';
import { createUser, findUserByEmail } from '../../database/repositories/users.js';
import type { Database, User } from '../../database/schema.js';
import { BodyTooLargeError, readBody, requestUrl, sendJson } from '../gateway/http-io.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { IssuedToken, TokenIssuer } from './token-issuer.js';

export interface AuthRoutesOptions {
  db: Kysely<Database>;
  issuer: Pick<TokenIssuer, 'issue'>;
  /** Emails that are admins: on registration, and at every login (promotion without a database edit). */
  adminEmails?: string[];
}

export interface AuthRoutes {
  /** Serves `POST /api/auth/register` and `POST /api/auth/login`; `false` for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

export interface AuthResponse extends IssuedToken {
  user: { id: string; email: string; groups: string[] };
}

const ROUTES = { '/api/auth/register': 'register', '/api/auth/login': 'login' } as const;
const MAX_BODY_BYTES = 16 * 1024;
const ADMIN_GROUP = 'admins';

const email = z
  .string({ error: 'Email is required' })
  .trim()
  .toLowerCase()
  .max(254, 'Email must be at most 254 characters')
  .pipe(z.email({ error: 'Enter a valid email address' }));
const password = z
  .string({ error: 'Password is required' })
  .min(8, 'Password must be between 8 and 256 characters')
  .max(256, 'Password must be between 8 and 256 characters');

/** Unknown fields are refused, not ignored: a typo (`pasword`) should fail loudly. */
export const credentialsSchema = z.strictObject({ email, password });
export type Credentials = z.infer<typeof credentialsSchema>;

/**
 * A real scrypt hash of a random password: logins for unknown emails verify against it, so they
 * take as long as logins with a wrong password and the answer does not reveal which emails exist.
 */
let dummyHash: Promise<string> | undefined;
const getDummyHash = (): Promise<string> => (dummyHash ??= hashPassword(randomUUID()));

/**
 * Creates the local auth routes.
 *
 * - `POST /api/auth/register {email, password}` → 201 `{ token, expiresIn, user }`; 409 when the
 *   email is taken.
 * - `POST /api/auth/login {email, password}` → 200 `{ token, expiresIn, user }`; 401 with the same
 *   message for an unknown email and a wrong password.
 *
 * Bodies must be JSON (415) of at most 16 KB (413) and match {@link credentialsSchema} (400
 * `VALIDATION_ERROR`, also for malformed JSON). Errors are `{ error: { code, message, details? } }`.
 *
 * @param options - Database, token issuer and the admin emails.
 * @returns The routes; wire `handle` into the local HTTP server before the API gateway.
 */
export function createAuthRoutes(options: AuthRoutesOptions): AuthRoutes {
  const { db, issuer } = options;
  const adminEmails = new Set((options.adminEmails ?? []).map((address) => address.trim().toLowerCase()));

  const respond = async (user: User): Promise<AuthResponse> => {
    const groups = user.is_admin || adminEmails.has(user.email) ? [ADMIN_GROUP] : [];
    const issued = await issuer.issue({ userId: user.id, email: user.email, groups });
    return { ...issued, user: { id: user.id, email: user.email, groups } };
  };

  const register = async (credentials: Credentials): Promise<AuthResponse> => {
    const user = await createUser(db, {
      email: credentials.email,
      passwordHash: await hashPassword(credentials.password),
      isAdmin: adminEmails.has(credentials.email),
    });
    return respond(user);
  };

  const login = async (credentials: Credentials): Promise<AuthResponse> => {
    const user = await findUserByEmail(db, credentials.email);
    // Always run one scrypt verification, whether or not the user exists or has a local password.
    const matches = await verifyPassword(credentials.password, user?.password_hash ?? (await getDummyHash()));
    if (user === undefined || user.password_hash === null || !matches) {
      throw new UnauthorizedError('Invalid email or password');
    }
    return respond(user);
  };

  return {
    async handle(req, res) {
      const route = ROUTES[requestUrl(req).pathname as keyof typeof ROUTES];
      if (route === undefined) return false;
      const headers = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
      try {
        if (req.method !== 'POST') {
          req.resume();
          sendJson(
            res,
            405,
            { error: { code: 'METHOD_NOT_ALLOWED', message: 'Use POST' } },
            { ...headers, Allow: 'POST' },
          );
          return true;
        }
        const credentials = await readCredentials(req);
        const body = route === 'register' ? await register(credentials) : await login(credentials);
        sendJson(res, route === 'register' ? 201 : 200, body, headers);
      } catch (error) {
        const { status, body } = toErrorResponse(error);
        sendJson(res, status, body, status === 413 ? { ...headers, Connection: 'close' } : headers);
      }
      return true;
    },
  };
}

/**
 * Creates the admin user when no user has this email; an existing user is left as it is (its
 * password is never reset, so changing the configured password later has no effect).
 *
 * @returns `created: true` when the user was created by this call.
 * @throws ValidationError when the email or password does not meet the registration rules.
 */
export async function seedAdmin(
  db: Kysely<Database>,
  admin: { email: string; password: string },
): Promise<{ created: boolean }> {
  const parsed = credentialsSchema.safeParse(admin);
  if (!parsed.success) {
    throw new ValidationError('Invalid admin credentials', { details: issueDetails(parsed.error) });
  }
  if ((await findUserByEmail(db, parsed.data.email)) !== undefined) return { created: false };
  try {
    await createUser(db, {
      email: parsed.data.email,
      passwordHash: await hashPassword(parsed.data.password),
      isAdmin: true,
    });
  } catch (error) {
    // Another process seeded it between the lookup and the insert.
    if (error instanceof ConflictError) return { created: false };
    throw error;
  }
  return { created: true };
}

async function readCredentials(req: IncomingMessage): Promise<Credentials> {
  const contentType = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    req.resume();
    throw new UnsupportedMediaTypeError('Send the body as application/json', {
      details: { contentType: contentType ?? null },
    });
  }
  let raw: Buffer;
  try {
    raw = await readBody(req, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      throw new PayloadTooLargeError(`Request body must be at most ${MAX_BODY_BYTES / 1024} KB`);
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ValidationError('Request body is not valid JSON');
  }
  const parsed = credentialsSchema.safeParse(json);
  if (!parsed.success)
    throw new ValidationError('Invalid request body', { details: issueDetails(parsed.error) });
  return parsed.data;
}

function issueDetails(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

const STATUS_BY_CODE: Record<string, number> = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

function toErrorResponse(error: unknown): {
  status: number;
  body: { error: { code: string; message: string; details?: unknown } };
} {
  const status = error instanceof UntxtError ? STATUS_BY_CODE[error.code] : undefined;
  if (error instanceof UntxtError && status !== undefined) {
    return {
      status,
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details !== undefined && { details: error.details }),
        },
      },
    };
  }
  console.error('[auth-routes] request failed', error);
  return {
    status: 500,
    body: {
      error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side. Please retry later.' },
    },
  };
}
