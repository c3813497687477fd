import { sql } from 'kysely';
import type { Db } from './shared.js';

/**
 * Claims a periodic job when it last ran more than `everyMs` ago (or never): only one of several
 * concurrent callers gets it, and the next claim comes a period later.
 *
 * @returns Whether the caller should run the job now.
 */
export async function claimMaintenance(db: Db, input: { name: string; everyMs: number }): Promise<boolean> {
  const { rows } = await sql<{ name: string }>`
    INSERT INTO maintenance_runs AS m (name, ran_at) VALUES (${input.name}, now())
    ON CONFLICT (name) DO UPDATE SET ran_at = now()
      WHERE m.ran_at < now() - make_interval(secs => ${input.everyMs / 1000})
    RETURNING m.name`.execute(db);
  return rows.length > 0;
}
