import { sql } from 'kysely';
import { ConflictError } from '../../lambdas/core/errors.js';
import type { User } from '../schema.js';
import { constraintName, inTransaction, isUuid, sqlState, type Db } from './shared.js';

export interface CreateUserInput {
  /** Omit to let the database generate one (local registration). */
  id?: string;
  email: string;
  passwordHash: string | null;
  isAdmin?: boolean;
}

export type UserWithCounts = User & { taskCount: number; completedCount: number; failedCount: number };

/** Emails are compared case-insensitively by storing them in one canonical form. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Creates a user.
 *
 * @throws ConflictError when the email (or the given id) is already taken.
 */
export async function createUser(db: Db, input: CreateUserInput): Promise<User> {
  try {
    return await db
      .insertInto('users')
      .values({
        // users.id is not Generated in schema.ts (Cognito supplies it), but the column has a default.
        id: input.id ?? sql<string>`DEFAULT`,
        email: normalizeEmail(input.email),
        password_hash: input.passwordHash,
        is_admin: input.isAdmin ?? false,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    throw toUserConflict(error);
  }
}

/** Finds a user by email, case-insensitively. */
export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
}

/** Finds a user by id; a malformed id finds nobody. */
export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Makes sure a user known to the identity provider exists, refreshing its email, admin flag and
 * `last_seen_at` (Cognito is the source of truth for both on AWS).
 *
 * The identity provider keeps an email on one identity at a time (the user pool signs in by email).
 * So a new identity with an email that an older identity-provider row still holds means the older
 * identity was deleted or moved to another email there: that row lets the email go
 * (`<id>@released.invalid`) and keeps its documents, which are not handed to the newcomer. Rows
 * with a password (local accounts) never give their email away.
 *
 * @throws ConflictError when a local account already has this email.
 */
export async function ensureUser(
  db: Db,
  input: { id: string; email: string; isAdmin: boolean },
): Promise<User> {
  const email = normalizeEmail(input.email);
  const upsert = (executor: Db) =>
    executor
      .insertInto('users')
      .values({ id: input.id, email, password_hash: null, is_admin: input.isAdmin, last_seen_at: sql`now()` })
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet({ email, is_admin: input.isAdmin, last_seen_at: sql`now()` }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  try {
    return await upsert(db);
  } catch (error) {
    // Only the email being taken is worth a second try; anything else is answered as before.
    if (sqlState(error) !== '23505' || constraintName(error) !== 'users_email_unique')
      throw toUserConflict(error);
  }
  try {
    return await inTransaction(db, async (trx) => {
      await trx
        .updateTable('users')
        .set({ email: sql<string>`id::text || ${RELEASED_EMAIL_SUFFIX}` })
        .where('email', '=', email)
        .where('id', '<>', input.id)
        .where('password_hash', 'is', null)
        .execute();
      return upsert(trx);
    });
  } catch (error) {
    throw toUserConflict(error);
  }
}

/** What a user row's email becomes when a newer identity takes the address over. */
export const RELEASED_EMAIL_SUFFIX = '@released.invalid';

/**
 * Lists users, newest first, with counts of their live (not soft-deleted) tasks.
 */
export async function listUsersWithCounts(
  db: Db,
  options: { limit: number; offset: number },
): Promise<UserWithCounts[]> {
  // The page of users first, then their kept counts (task_counts): a few rows per user, whatever
  // their number of tasks.
  const page = db
    .selectFrom('users')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit)
    .offset(options.offset)
    .as('u');
  const rows = await db
    .selectFrom(page)
    .leftJoin('task_counts as c', (join) => join.onRef('c.user_id', '=', 'u.id').on('c.deleted', '=', false))
    .selectAll('u')
    .select([
      sql<number>`coalesce(sum(c.n), 0)::int`.as('taskCount'),
      sql<number>`coalesce(sum(c.n) FILTER (WHERE c.status = 'completed'), 0)::int`.as('completedCount'),
      sql<number>`coalesce(sum(c.n) FILTER (WHERE c.status = 'failed'), 0)::int`.as('failedCount'),
    ])
    .groupBy(['u.id', 'u.email', 'u.password_hash', 'u.is_admin', 'u.created_at', 'u.last_seen_at'])
    .orderBy('u.created_at', 'desc')
    .orderBy('u.id', 'desc')
    .execute();
  return rows as UserWithCounts[];
}

function toUserConflict(error: unknown): unknown {
  if (sqlState(error) !== '23505') return error;
  const constraint = constraintName(error);
  if (constraint !== undefined && constraint !== 'users_email_unique') {
    return new ConflictError('A user with this id already exists', { cause: error });
  }
  return new ConflictError('An account with this email already exists', { cause: error });
}
