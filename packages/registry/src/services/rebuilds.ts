import type { RebuildDetail, RebuildStatus } from '@flock/core';
import type { Db } from '../db/connect.js';
import type { VersionRow } from '../db/schema.js';
import { isoNow, type Clock } from './clock.js';
import type { PackageEvents } from './package-events.js';

/** A claim older than this is taken to be a worker that died: another worker takes the version over. */
export const STALE_CLAIM_MS = 30 * 60 * 1000;

/** How many unclaimed versions one look fetches: a claim lost to another worker moves on to the next. */
const CANDIDATES = 20;

/** A version a worker holds: what it needs to rebuild it and to report the outcome. */
export interface ClaimedVersion {
  id: string;
  packageId: string;
  org: string;
  orgId: string;
  name: string;
  version: string;
  /** The claim's time: the outcome is written only while the claim is still this one. */
  claimedAt: string;
  row: Pick<VersionRow, 'blob_key' | 'store' | 'checksum' | 'source_repository' | 'source_commit' | 'source_path' | 'source_dirty'>;
}

export interface RebuildsDeps {
  db: Db;
  clock: Clock;
  events: PackageEvents;
}

export type FinalStatus = Exclude<RebuildStatus, 'running'>;

/**
 * The rebuild worker's side of the database: claim a version, record its
 * outcome, or give the claim back. Several workers may run on one database:
 * a claim is a compare-and-set UPDATE on one row (status null, or a stale
 * 'running'), so exactly one of them gets each version, on SQLite and
 * PostgreSQL alike.
 */
export function createRebuildsService({ db, clock, events }: RebuildsDeps) {
  function claimable(now: Date) {
    const stale = new Date(now.getTime() - STALE_CLAIM_MS).toISOString();
    return db
      .selectFrom('versions')
      .select('versions.id')
      .where((eb) => eb.or([eb('rebuild_status', 'is', null), eb.and([eb('rebuild_status', '=', 'running'), eb('rebuild_claimed_at', '<', stale)])]));
  }

  /** Takes one version that needs a rebuild, oldest first; null when there is none. */
  async function claim(): Promise<ClaimedVersion | null> {
    const now = clock();
    const stale = new Date(now.getTime() - STALE_CLAIM_MS).toISOString();
    const candidates = await claimable(now).orderBy('versions.published_at').orderBy('versions.id').limit(CANDIDATES).execute();
    for (const { id } of candidates) {
      const claimedAt = now.toISOString();
      const taken = await db
        .updateTable('versions')
        .set({ rebuild_status: 'running', rebuild_claimed_at: claimedAt })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('rebuild_status', 'is', null), eb.and([eb('rebuild_status', '=', 'running'), eb('rebuild_claimed_at', '<', stale)])]))
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) !== 1) continue;
      return load(id, claimedAt);
    }
    return null;
  }

  async function load(id: string, claimedAt: string): Promise<ClaimedVersion> {
    const row = await db
      .selectFrom('versions')
      .innerJoin('packages', 'packages.id', 'versions.package_id')
      .innerJoin('orgs', 'orgs.id', 'packages.org_id')
      .select([
        'versions.id', 'versions.package_id', 'versions.version', 'packages.name', 'orgs.name as org', 'orgs.id as org_id',
        'versions.blob_key', 'versions.store', 'versions.checksum',
        'versions.source_repository', 'versions.source_commit', 'versions.source_path', 'versions.source_dirty',
      ])
      .where('versions.id', '=', id)
      .executeTakeFirstOrThrow();
    const { package_id, org, org_id, name, version, ...rest } = row;
    return { id, packageId: package_id, org, orgId: org_id, name, version, claimedAt, row: rest };
  }

  /**
   * Records the outcome while the claim is still ours (a worker that outlived its claim
   * records nothing), then tells the caches: the index line and the page show it.
   */
  async function finish(claimed: ClaimedVersion, status: FinalStatus, detail: RebuildDetail | null): Promise<boolean> {
    const done = await db
      .updateTable('versions')
      .set({ rebuild_status: status, rebuild_detail: detail === null ? null : JSON.stringify(detail), rebuild_at: isoNow(clock) })
      .where('id', '=', claimed.id)
      .where('rebuild_status', '=', 'running')
      .where('rebuild_claimed_at', '=', claimed.claimedAt)
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) return false;
    await events.changed({ org: claimed.org, name: claimed.name, packageId: claimed.packageId });
    return true;
  }

  /** Gives the version back (a worker told to stop): the next worker starts it afresh. */
  async function release(claimed: ClaimedVersion): Promise<void> {
    await db
      .updateTable('versions')
      .set({ rebuild_status: null, rebuild_claimed_at: null })
      .where('id', '=', claimed.id)
      .where('rebuild_status', '=', 'running')
      .where('rebuild_claimed_at', '=', claimed.claimedAt)
      .execute();
  }

  return { claim, finish, release };
}

export type RebuildsService = ReturnType<typeof createRebuildsService>;
