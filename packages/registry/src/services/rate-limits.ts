import { sql } from 'kysely';
import { FlockError } from '@flock/core';
import type { Db } from '../db/connect.js';
import type { Clock } from './clock.js';

export interface RateLimit {
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
}

/**
 * Fixed-window rate limits counted in the database, so replicas share one count.
 * One upsert per limited request: used on writes and sign-in, never on the read
 * hot path (index, downloads), where it would cost more than it protects.
 */
export function createRateLimitsService({ db, clock }: { db: Db; clock: Clock }) {
  /**
   * Counts a hit on `bucket`; throws rate_limited (429 with Retry-After) past the limit.
   * Returns the window it was counted in, for {@link forgive}.
   */
  async function hit(bucket: string, rule: RateLimit, what: string): Promise<number> {
    const now = Math.floor(clock().getTime() / 1000);
    const windowStart = now - (now % rule.windowSeconds);
    const row = await db
      .insertInto('rate_limits')
      .values({ bucket, window_start: windowStart, hits: 1 })
      .onConflict((oc) => oc.columns(['bucket', 'window_start']).doUpdateSet({ hits: sql`rate_limits.hits + 1` }))
      .returning('hits')
      .executeTakeFirstOrThrow();
    if (Number(row.hits) > rule.limit) {
      const retryAfterSeconds = windowStart + rule.windowSeconds - now;
      throw new FlockError('rate_limited', `Too many ${what}: try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
    return windowStart;
  }

  /**
   * Takes back one hit counted by {@link hit} in `windowStart`, for limits that count only
   * failures: counting first and forgiving on success keeps attempts in flight counted, so
   * parallel guesses cannot slip past the limit.
   */
  async function forgive(bucket: string, windowStart: number): Promise<void> {
    await db
      .updateTable('rate_limits')
      .set({ hits: sql`rate_limits.hits - 1` })
      .where('bucket', '=', bucket)
      .where('window_start', '=', windowStart)
      .where('hits', '>', 0)
      .execute();
  }

  /** Drops windows that ended long ago; cheap enough to run now and then. */
  async function prune(olderThanSeconds = 86_400): Promise<void> {
    const cutoff = Math.floor(clock().getTime() / 1000) - olderThanSeconds;
    await db.deleteFrom('rate_limits').where('window_start', '<', cutoff).execute();
  }

  return { hit, forgive, prune };
}

export type RateLimitsService = ReturnType<typeof createRateLimitsService>;
