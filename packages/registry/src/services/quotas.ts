import { sql } from 'kysely';
import { FlockError } from '@flock/core';
import type { Db } from '../db/connect.js';
import { isSqlite } from '../db/dialect.js';
import type { OrgRow } from '../db/schema.js';
import type { AccountsService } from './accounts.js';
import type { Clock } from './clock.js';

/**
 * Per-org quotas (issue 16): stored bytes (archives + docs of every version, held and
 * rejected ones too, since their blobs are stored), versions published in any 24 hours
 * (a rolling window, so there is no midnight burst), and packages. Null is unlimited.
 * Publishes check them twice: once before the archive is stored (a cheap early refusal)
 * and once inside the publish's transaction with the org's row locked, so two concurrent
 * publishes cannot both take the last slot (SQLite's writes are serial anyway).
 */
export interface Quotas {
  maxBytes: number | null;
  maxVersionsPerDay: number | null;
  maxPackages: number | null;
}

export interface OrgUsage {
  bytes: number;
  versionsLastDay: number;
  packages: number;
}

type QuotaOrg = Pick<OrgRow, 'id' | 'name' | 'max_bytes' | 'max_versions_per_day' | 'max_packages'>;

const DAY_MS = 86_400_000;
const UNITS: Record<string, number> = {
  '': 1, b: 1, byte: 1, bytes: 1,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};

const nullableNumber = (value: number | string | null): number | null => (value === null ? null : Number(value));

export function quotasOf(org: Pick<OrgRow, 'max_bytes' | 'max_versions_per_day' | 'max_packages'>): Quotas {
  return { maxBytes: nullableNumber(org.max_bytes), maxVersionsPerDay: nullableNumber(org.max_versions_per_day), maxPackages: nullableNumber(org.max_packages) };
}

/** "950 bytes", "1.3 kB", "10.2 MB": decimal units, one decimal at most. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}

/** "10.2 MB used of 10 MB"; exact bytes when rounding would make the two look equal. */
export function usedOf(used: number, limit: number): string {
  const [a, b] = formatBytes(used) === formatBytes(limit) && used !== limit ? [`${used} bytes`, `${limit} bytes`] : [formatBytes(used), formatBytes(limit)];
  return `${a} used of ${b}`;
}

/** An operator's `--bytes`: "100MB", "1.5 GiB", "5000", or "none" (unlimited). */
export function parseByteQuota(raw: string): number | null {
  if (raw.trim().toLowerCase() === 'none') return null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  const value = match && unit !== undefined ? Math.round(Number(match[1]) * unit) : NaN;
  if (!Number.isSafeInteger(value)) throw new FlockError('bad_request', `Invalid byte quota "${raw}": expected e.g. 500MB, 2GiB, 100000 or none`);
  return value;
}

/** An operator's `--versions-per-day` or `--packages`: a whole number, or "none" (unlimited). */
export function parseCountQuota(raw: string, what: string): number | null {
  if (raw.trim().toLowerCase() === 'none') return null;
  if (!/^\s*\d{1,9}\s*$/.test(raw)) throw new FlockError('bad_request', `Invalid ${what} "${raw}": expected a whole number or none`);
  return Number(raw);
}

async function usedBytes(db: Db, orgId: string): Promise<number> {
  const [versions, held] = await Promise.all([
    db.selectFrom('versions').innerJoin('packages', 'packages.id', 'versions.package_id')
      .select(sql<number | string | null>`sum(versions.size + coalesce(versions.docs_size, 0))`.as('n'))
      .where('packages.org_id', '=', orgId).executeTakeFirst(),
    db.selectFrom('held_versions').innerJoin('packages', 'packages.id', 'held_versions.package_id')
      .select((eb) => eb.fn.sum<number | string | null>('held_versions.bytes').as('n'))
      .where('packages.org_id', '=', orgId).executeTakeFirst(),
  ]);
  return Number(versions?.n ?? 0) + Number(held?.n ?? 0);
}

/** Publishes (visible or held) in the 24 hours before `now`, and when the oldest of them leaves the window. */
async function recentPublishes(db: Db, orgId: string, now: Date): Promise<{ count: number; oldest: string | null }> {
  const since = new Date(now.getTime() - DAY_MS).toISOString();
  const [versions, held] = await Promise.all([
    db.selectFrom('versions').innerJoin('packages', 'packages.id', 'versions.package_id')
      .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min<string | null>('versions.published_at').as('oldest')])
      .where('packages.org_id', '=', orgId).where('versions.published_at', '>', since).executeTakeFirst(),
    db.selectFrom('held_versions').innerJoin('packages', 'packages.id', 'held_versions.package_id')
      .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min<string | null>('held_versions.held_at').as('oldest')])
      .where('packages.org_id', '=', orgId).where('held_versions.held_at', '>', since).executeTakeFirst(),
  ]);
  const oldest = [versions?.oldest, held?.oldest].filter((t): t is string => typeof t === 'string').sort()[0] ?? null;
  return { count: Number(versions?.n ?? 0) + Number(held?.n ?? 0), oldest };
}

async function packageCount(db: Db, orgId: string): Promise<number> {
  const row = await db.selectFrom('packages').select((eb) => eb.fn.countAll<number | string>().as('n')).where('org_id', '=', orgId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function orgUsage(db: Db, orgId: string, now: Date): Promise<OrgUsage> {
  const [bytes, recent, packages] = await Promise.all([usedBytes(db, orgId), recentPublishes(db, orgId, now), packageCount(db, orgId)]);
  return { bytes, versionsLastDay: recent.count, packages };
}

/**
 * Inside a publish's or docs upload's transaction, first: the org's quotas as they are now,
 * with its row locked on PostgreSQL until the transaction ends (NO KEY UPDATE, so inserts
 * that only reference the org are not blocked). SQLite runs one write transaction at a time.
 */
export async function lockOrgQuotas(trx: Db, org: Pick<OrgRow, 'id' | 'name'>): Promise<QuotaOrg> {
  const query = trx.selectFrom('orgs').select(['id', 'name', 'max_bytes', 'max_versions_per_day', 'max_packages']).where('id', '=', org.id);
  return (isSqlite(trx) ? query : query.forNoKeyUpdate()).executeTakeFirstOrThrow();
}

export interface QuotaAddition {
  /** Bytes this write stores. */
  bytes: number;
  /** 'archive' for a publish, 'documentation' for a docs upload. */
  what: 'archive' | 'documentation';
  /** A publish adds a version; a new package name adds a package. */
  version?: boolean;
  newPackage?: boolean;
  now: Date;
}

/** Throws 429 (packages, versions per day) or 413 (bytes) with the numbers, when the addition would pass a quota. */
export async function requireWithinQuota(db: Db, org: QuotaOrg, add: QuotaAddition): Promise<void> {
  const quotas = quotasOf(org);
  if (add.newPackage && quotas.maxPackages !== null) {
    const count = await packageCount(db, org.id);
    if (count + 1 > quotas.maxPackages) {
      throw new FlockError('rate_limited', `Org ${org.name} is at its quota of ${quotas.maxPackages} packages (it has ${count}): no new package can be published`);
    }
  }
  if (add.version && quotas.maxVersionsPerDay !== null) {
    const recent = await recentPublishes(db, org.id, add.now);
    if (recent.count + 1 > quotas.maxVersionsPerDay) {
      const freeAt = recent.oldest === null ? add.now.getTime() + DAY_MS : Date.parse(recent.oldest) + DAY_MS;
      const retryAfterSeconds = Math.max(1, Math.ceil((freeAt - add.now.getTime()) / 1000));
      throw new FlockError(
        'rate_limited',
        `Org ${org.name} is over its quota of ${quotas.maxVersionsPerDay} versions per day: ${recent.count} published in the last 24 hours; try again after ${new Date(freeAt).toISOString()}`,
        { retryAfterSeconds },
      );
    }
  }
  if (quotas.maxBytes !== null) {
    const used = await usedBytes(db, org.id);
    if (used + add.bytes > quotas.maxBytes) {
      throw new FlockError('too_large', `Org ${org.name} is over its storage quota: ${usedOf(used + add.bytes, quotas.maxBytes)} with this ${add.what} of ${formatBytes(add.bytes)}`);
    }
  }
}

/** Quotas and usage for operators (`flock-registry org quota`) and an org's owners (its page). */
export function createQuotasService({ db, clock, accounts }: { db: Db; clock: Clock; accounts: AccountsService }) {
  async function show(orgName: string): Promise<{ org: string; quotas: Quotas; usage: OrgUsage }> {
    const org = await accounts.requireOrg(orgName);
    return { org: org.name, quotas: quotasOf(org), usage: await orgUsage(db, org.id, clock()) };
  }

  /** Sets the given quotas (null: unlimited); the others stay as they are. */
  async function set(orgName: string, changes: Partial<Quotas>): Promise<void> {
    const org = await accounts.requireOrg(orgName);
    const columns = {
      ...(changes.maxBytes !== undefined ? { max_bytes: changes.maxBytes } : {}),
      ...(changes.maxVersionsPerDay !== undefined ? { max_versions_per_day: changes.maxVersionsPerDay } : {}),
      ...(changes.maxPackages !== undefined ? { max_packages: changes.maxPackages } : {}),
    };
    if (Object.keys(columns).length > 0) await db.updateTable('orgs').set(columns).where('id', '=', org.id).execute();
  }

  /** For an owner's view of the org page (the caller has checked the role). */
  async function forOrg(org: OrgRow): Promise<{ quotas: Quotas; usage: OrgUsage }> {
    return { quotas: quotasOf(org), usage: await orgUsage(db, org.id, clock()) };
  }

  return { show, set, forOrg };
}

export type QuotasService = ReturnType<typeof createQuotasService>;
