import { performance } from 'node:perf_hooks';
import { FlockError } from '@flock/core';
import type { Db } from '../db/connect.js';
import { isoNow, type Clock } from './clock.js';

/** Why writes are refused, and since when (null when set by FLOCK_READ_ONLY, which has no start). */
export interface ReadOnlyState {
  message: string;
  since: string | null;
  /** FLOCK_READ_ONLY on this server, or the toggle in the database every replica reads. */
  source: 'environment' | 'database';
}

export const DEFAULT_READ_ONLY_MESSAGE = 'maintenance is under way; reads and downloads still work, writes will be back shortly';
/** What a refused write's Retry-After says: a maintenance window is minutes, not seconds. */
export const READ_ONLY_RETRY_AFTER_SECONDS = 300;
/** How long a server reuses what it read of the toggle: an operator's switch reaches every replica within this. */
const CACHE_MS = 2000;
const MAX_MESSAGE = 300;
const READ_ONLY_KEY = 'read_only';

/** An operator's message: one line, bounded (it is shown on pages and in every refused write's error). */
export function parseReadOnlyMessage(raw: string, what = '--message'): string {
  const message = raw.trim();
  if (message === '' || message.length > MAX_MESSAGE || /\p{Cc}/u.test(message)) {
    throw new FlockError('bad_request', `Invalid ${what}: expected one line of 1 to ${MAX_MESSAGE} characters`);
  }
  return message;
}

/**
 * Registry-wide settings kept in the database (registry_settings), so every replica sees
 * an operator's change without a restart. Today: the read-only switch. Reads are cached
 * for a couple of seconds and only writes ask, so the read path never queries for it.
 */
export function createRegistrySettingsService({ db, clock, environmentReadOnly }: { db: Db; clock: Clock; environmentReadOnly?: { message: string } | undefined }) {
  let cached: { state: ReadOnlyState | null; until: number } | null = null;

  async function stored(): Promise<ReadOnlyState | null> {
    const row = await db.selectFrom('registry_settings').select(['value']).where('key', '=', READ_ONLY_KEY).executeTakeFirst();
    if (!row) return null;
    const value = JSON.parse(row.value) as { message?: unknown; since?: unknown };
    return {
      message: typeof value.message === 'string' ? value.message : DEFAULT_READ_ONLY_MESSAGE,
      since: typeof value.since === 'string' ? value.since : null,
      source: 'database',
    };
  }

  /** Whether writes are refused now: FLOCK_READ_ONLY first, else the toggle (as read at most CACHE_MS ago). */
  async function readOnly(): Promise<ReadOnlyState | null> {
    if (environmentReadOnly) return { message: environmentReadOnly.message, since: null, source: 'environment' };
    // Monotonic time, not the registry's clock: tests run that clock fixed, and this is about freshness.
    const now = performance.now();
    if (cached && cached.until > now) return cached.state;
    const state = await stored();
    cached = { state, until: now + CACHE_MS };
    return state;
  }

  /** The operator's switch (`flock-registry read-only on|off`); returns the stored state. */
  async function setReadOnly(on: boolean, message?: string): Promise<ReadOnlyState | null> {
    if (!on) {
      await db.deleteFrom('registry_settings').where('key', '=', READ_ONLY_KEY).execute();
    } else {
      const now = isoNow(clock);
      const value = JSON.stringify({ message: message ?? DEFAULT_READ_ONLY_MESSAGE, since: now });
      await db.insertInto('registry_settings').values({ key: READ_ONLY_KEY, value, updated_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
        .execute();
    }
    cached = null;
    return stored();
  }

  return { readOnly, stored, setReadOnly };
}

export type RegistrySettingsService = ReturnType<typeof createRegistrySettingsService>;
