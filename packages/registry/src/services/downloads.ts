import { sql } from 'kysely';
import type { DownloadsDto } from '@flock/core';
import type { Db } from '../db/connect.js';
import type { Clock } from './clock.js';
import { TtlCache } from './ttl-cache.js';

export interface DownloadsDeps {
  db: Db;
  clock: Clock;
  /** How often this process writes its tally (FLOCK_DOWNLOAD_FLUSH_MS); also how long read counts are reused. */
  flushMs: number;
  /** Told when a flush fails; the tally is kept and written by the next one. */
  onFlushError?: (error: unknown) => void;
  /** True while the registry is read-only: the timer's flushes wait (close still tries to write). */
  paused?: () => Promise<boolean>;
}

/** Days in a package's daily series, today included. */
export const DAILY_DAYS = 90;
// Rows per upsert statement: well under SQLite's and PostgreSQL's bound parameter limits.
const CHUNK = 300;

/** "YYYY-MM-DD" (UTC) of `time`, and of the day `days` before it. */
export function dayOf(time: Date, days = 0): string {
  return new Date(time.getTime() - days * 86_400_000).toISOString().slice(0, 10);
}

type Tally = Map<string, Map<string, { packageId: string; count: number }>>;

// No string building or allocation per download once a version has been counted that day.
function add(tally: Tally, day: string, versionId: string, packageId: string, count: number): void {
  let byVersion = tally.get(day);
  if (byVersion === undefined) tally.set(day, (byVersion = new Map()));
  const counted = byVersion.get(versionId);
  if (counted === undefined) byVersion.set(versionId, { packageId, count });
  else counted.count += count;
}

/**
 * Download counts. A download only bumps a number in this process's memory (no query, no lock on the
 * hot path); every `flushMs`, and on close, the tally is added to the database with `count = count + n`
 * upserts in one transaction, so replicas sharing a database add up without lost updates. A failed
 * flush puts its tally back for the next one. Reads are reused for up to `flushMs` (they cannot be
 * fresher than the tallies of other replicas anyway); this process's own flush drops them at once.
 */
export function createDownloadsService({ db, clock, flushMs, onFlushError, paused }: DownloadsDeps) {
  // day → version id → downloads not yet written (and the version's package).
  let pending: Tally = new Map();
  let today = '';
  let todayEnds = 0;
  let flushing: Promise<void> = Promise.resolve();
  const summaries = new TtlCache<string, DownloadsDto>(flushMs, 10_000, () => clock().getTime());

  function currentDay(): string {
    const now = clock().getTime();
    if (now >= todayEnds || now < todayEnds - 86_400_000) {
      today = dayOf(new Date(now));
      todayEnds = Date.parse(`${today}T00:00:00Z`) + 86_400_000;
    }
    return today;
  }

  /** Counts one download of a version (its ids from the sparse index's memory). */
  function record(packageId: string, versionId: string): void {
    add(pending, currentDay(), versionId, packageId, 1);
  }

  async function write(tally: Tally): Promise<void> {
    const versions: Array<{ version_id: string; day: string; count: number }> = [];
    const packages = new Map<string, number>();
    for (const [day, byVersion] of tally) {
      for (const [versionId, { packageId, count }] of byVersion) {
        versions.push({ version_id: versionId, day, count });
        packages.set(packageId, (packages.get(packageId) ?? 0) + count);
      }
    }
    const totals = [...packages].map(([package_id, count]) => ({ package_id, count }));
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < versions.length; i += CHUNK) {
        await trx.insertInto('version_downloads').values(versions.slice(i, i + CHUNK))
          .onConflict((oc) => oc.columns(['version_id', 'day']).doUpdateSet({ count: sql`version_downloads.count + excluded.count` }))
          .execute();
      }
      for (let i = 0; i < totals.length; i += CHUNK) {
        await trx.insertInto('package_downloads').values(totals.slice(i, i + CHUNK))
          .onConflict((oc) => oc.column('package_id').doUpdateSet({ count: sql`package_downloads.count + excluded.count` }))
          .execute();
      }
    });
    for (const packageId of packages.keys()) summaries.delete(packageId);
  }

  /** Writes this process's tally now (flushes run one at a time). */
  function flush(): Promise<void> {
    // After the previous flush, whether it wrote or failed (its caller heard of a failure).
    flushing = flushing.catch(() => {}).then(async () => {
      if (pending.size === 0) return;
      const tally = pending;
      pending = new Map();
      try {
        await write(tally);
      } catch (error) {
        // Kept, not lost: added back to what arrived meanwhile.
        for (const [day, byVersion] of tally) for (const [versionId, { packageId, count }] of byVersion) add(pending, day, versionId, packageId, count);
        throw error;
      }
    });
    return flushing;
  }

  // A paused() that fails (the database is down) lets the flush try, and fail, as it would have anyway.
  const tick = async () => {
    if (paused && (await paused().catch(() => false))) return;
    await flush();
  };
  const timer = setInterval(() => tick().catch((error: unknown) => onFlushError?.(error)), flushMs);
  timer.unref();

  /** Stops the timer and writes what is left (on server shutdown). */
  async function close(): Promise<void> {
    clearInterval(timer);
    await flush();
  }

  /** A package's total, per-version totals and last DAILY_DAYS days (zeros included), as last flushed. */
  async function summary(packageId: string): Promise<DownloadsDto> {
    const cached = summaries.get(packageId);
    if (cached) return cached;
    const since = dayOf(clock(), DAILY_DAYS - 1);
    const [byVersion, byDay] = await Promise.all([
      db.selectFrom('versions')
        .innerJoin('version_downloads as d', 'd.version_id', 'versions.id')
        .select(['versions.version', (eb) => eb.fn.sum<number | string>('d.count').as('n')])
        .where('versions.package_id', '=', packageId)
        .groupBy('versions.version')
        .execute(),
      db.selectFrom('versions')
        .innerJoin('version_downloads as d', 'd.version_id', 'versions.id')
        .select(['d.day', (eb) => eb.fn.sum<number | string>('d.count').as('n')])
        .where('versions.package_id', '=', packageId)
        .where('d.day', '>=', since)
        .groupBy('d.day')
        .execute(),
    ]);
    const versions: Record<string, number> = {};
    let total = 0;
    for (const row of byVersion) {
      versions[row.version] = Number(row.n);
      total += Number(row.n);
    }
    const counts = new Map(byDay.map((row) => [row.day, Number(row.n)]));
    const daily = Array.from({ length: DAILY_DAYS }, (_, i) => {
      const day = dayOf(clock(), DAILY_DAYS - 1 - i);
      return { day, count: counts.get(day) ?? 0 };
    });
    const result = { total, versions, daily };
    summaries.set(packageId, result);
    return result;
  }

  /** Totals of many packages (0 for none yet), for search hits and the API's PackageDto. */
  async function totals(packageIds: string[]): Promise<Map<string, number>> {
    if (packageIds.length === 0) return new Map();
    const rows = await db.selectFrom('package_downloads').select(['package_id', 'count']).where('package_id', 'in', packageIds).execute();
    return new Map(rows.map((row) => [row.package_id, Number(row.count)]));
  }

  /** Public packages, their versions and their downloads: the front page's numbers. */
  async function publicCounts(): Promise<{ packages: number; versions: number; downloads: number }> {
    const [packages, versions, downloads] = await Promise.all([
      db.selectFrom('packages').select((eb) => eb.fn.countAll<number | string>().as('n')).where('visibility', '=', 'public').executeTakeFirst(),
      db.selectFrom('versions').innerJoin('packages', 'packages.id', 'versions.package_id')
        .select((eb) => eb.fn.countAll<number | string>().as('n')).where('packages.visibility', '=', 'public').executeTakeFirst(),
      db.selectFrom('package_downloads').innerJoin('packages', 'packages.id', 'package_downloads.package_id')
        .select((eb) => eb.fn.sum<number | string | null>('package_downloads.count').as('n')).where('packages.visibility', '=', 'public').executeTakeFirst(),
    ]);
    return { packages: Number(packages?.n ?? 0), versions: Number(versions?.n ?? 0), downloads: Number(downloads?.n ?? 0) };
  }

  return { record, flush, close, summary, totals, publicCounts };
}

export type DownloadsService = ReturnType<typeof createDownloadsService>;
