import { createHash } from 'node:crypto';
import type { BlobEntry, BlobStore } from '../blobs/store.js';
import type { Db } from '../db/connect.js';
import type { NewVersion } from '../db/schema.js';
import type { OrgStoresService } from './org-stores.js';

/**
 * fsck and gc (issue 16): which blobs the database references, whether each is in the
 * store its row names with the right size and sha256, and which stored blobs nothing
 * references (orphans). Orphans are only ever looked for under `sha256/`, the layout every
 * key the registry writes has (blobs/keys.ts): anything else in a bucket is not ours.
 */

export const BLOB_PREFIX = 'sha256/';

export interface BlobReference {
  kind: 'archive' | 'docs';
  /** "acme/palette@0.1.0", plus " (held)" for a held or rejected publish (its row is in held_versions). */
  owner: string;
  orgId: string;
  orgName: string;
  /** versions.store: null for the registry's store, 'org' for the org's own. */
  store: 'org' | null;
  key: string;
  /** Expected sha256 hex: the archive's checksum; for docs, the hash their content key names. */
  sha256: string | null;
  /** Expected size in bytes; null where the database does not record it (docs). */
  size: number | null;
}

export type Problem =
  | { kind: 'missing'; ref: BlobReference; store: string }
  | { kind: 'wrong-size'; ref: BlobReference; store: string; actual: number }
  | { kind: 'wrong-hash'; ref: BlobReference; store: string; actual: string }
  | { kind: 'unreadable'; store: string; reason: string; ref?: BlobReference };

export interface Orphan extends BlobEntry {
  /** The store's label: "the registry store", "the store of organization acme". */
  store: string;
}

export interface FsckReport {
  referenced: number;
  problems: Problem[];
  orphans: Orphan[];
}

export interface GcReport {
  /** Orphans past the grace period: deleted (apply) or that would be (dry run). */
  removed: Orphan[];
  /** Orphans younger than the grace period, kept: they may be a publish in flight. */
  young: number;
  /** Orphans found referenced (or rewritten) when re-checked just before their delete. */
  spared: number;
}

const CONTENT_KEY = /^sha256\/[0-9a-f]{2}\/[0-9a-f]{2}\/([0-9a-f]{64})$/;

/** The sha256 a content key names (blobs/keys.ts layout), or null for another key. */
export function hashOfKey(key: string): string | null {
  return CONTENT_KEY.exec(key)?.[1] ?? null;
}

/** Every blob the database references: versions' archives and docs, held (or rejected) publishes' (their row is JSON in held_versions), and a mirror's fetched archives. */
export async function referencedBlobs(db: Db): Promise<BlobReference[]> {
  const versions = await db
    .selectFrom('versions')
    .innerJoin('packages', 'packages.id', 'versions.package_id')
    .innerJoin('orgs', 'orgs.id', 'packages.org_id')
    .select(['orgs.id as orgId', 'orgs.name as orgName', 'packages.name', 'versions.version', 'versions.checksum', 'versions.size', 'versions.blob_key', 'versions.docs_key', 'versions.store'])
    .execute();
  const held = await db
    .selectFrom('held_versions')
    .innerJoin('packages', 'packages.id', 'held_versions.package_id')
    .innerJoin('orgs', 'orgs.id', 'packages.org_id')
    .select(['orgs.id as orgId', 'orgs.name as orgName', 'packages.name', 'held_versions.row'])
    .execute();
  const rows = [
    ...versions.map((v) => ({ ...v, owner: `${v.orgName}/${v.name}@${v.version}` })),
    ...held.map((h) => {
      const row = JSON.parse(h.row) as NewVersion;
      return {
        orgId: h.orgId, orgName: h.orgName, owner: `${h.orgName}/${h.name}@${row.version} (held)`, checksum: row.checksum, size: row.size,
        blob_key: row.blob_key, docs_key: row.docs_key ?? null, store: row.store ?? null,
      };
    }),
  ];
  // A mirror's archives fetched from its upstream (services/mirror.ts), in the registry's store; their size is not recorded.
  const mirrored = await db.selectFrom('mirror_archives').select(['org', 'name', 'version', 'checksum', 'blob_key']).execute();
  const mirroredRefs = mirrored.map((m): BlobReference => ({
    kind: 'archive', owner: `${m.org}/${m.name}@${m.version} (mirrored)`, orgId: '', orgName: m.org, store: null,
    key: m.blob_key, sha256: m.checksum.replace(/^sha256:/, ''), size: null,
  }));
  return [...mirroredRefs, ...rows.flatMap((r) => {
    const common = { owner: r.owner, orgId: r.orgId, orgName: r.orgName, store: r.store === 'org' ? ('org' as const) : null };
    const archive: BlobReference = { ...common, kind: 'archive', key: r.blob_key, sha256: r.checksum.replace(/^sha256:/, ''), size: Number(r.size) };
    if (r.docs_key === null) return [archive];
    return [archive, { ...common, kind: 'docs', key: r.docs_key, sha256: hashOfKey(r.docs_key), size: null } satisfies BlobReference];
  })];
}

/** Runs `work` over `items`, at most `limit` at a time (hashing every blob is long; a bucket answers many requests at once). */
export async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const reasonOf = (error: unknown): string => {
  const e = error as Error | null;
  return e?.message ? e.message.split('\n')[0]! : String(error);
};

/** One store and what should be in it; several orgs may point at the same bucket and prefix. */
interface Location {
  label: string;
  store: BlobStore | null;
  /** Why the store cannot be used (credentials that no longer open), when it cannot. */
  failure?: string;
  keys: Set<string>;
}

export interface StorageCheckDeps {
  db: Db;
  registryStore: BlobStore;
  orgStores: Pick<OrgStoresService, 'placementFor'>;
}

export function createStorageCheckService({ db, registryStore, orgStores }: StorageCheckDeps) {
  /** The registry's store and every org store configured, keyed by where they are. */
  async function locations(): Promise<{ all: Map<string, Location>; ofOrg: Map<string, string> }> {
    const all = new Map<string, Location>([['registry', { label: 'the registry store', store: registryStore, keys: new Set() }]]);
    const ofOrg = new Map<string, string>();
    const rows = await db
      .selectFrom('org_stores')
      .innerJoin('orgs', 'orgs.id', 'org_stores.org_id')
      .select(['orgs.id', 'orgs.name', 'org_stores.endpoint', 'org_stores.bucket', 'org_stores.prefix'])
      .orderBy('orgs.name')
      .execute();
    for (const row of rows) {
      const id = `org:${row.endpoint}|${row.bucket}|${row.prefix}`;
      ofOrg.set(row.id, id);
      const seen = all.get(id);
      if (seen) {
        seen.label = `${seen.label}, ${row.name}`;
        continue;
      }
      const location: Location = { label: `the store of organization ${row.name}`, store: null, keys: new Set() };
      try {
        location.store = (await orgStores.placementFor(row.id, row.name)).store;
      } catch (error) {
        location.failure = reasonOf(error);
      }
      all.set(id, location);
    }
    return { all, ofOrg };
  }

  async function listed(location: Location): Promise<BlobEntry[]> {
    const entries: BlobEntry[] = [];
    for await (const entry of location.store!.list(BLOB_PREFIX)) entries.push(entry);
    return entries;
  }

  /**
   * Listing first, references second: a publish writes its blob before its row commits, so
   * a row read after the listing never names a blob the listing could have missed, and a
   * blob listed before its row committed is at worst a fresh orphan (gc's grace period).
   */
  async function survey(problems: Problem[]) {
    const { all, ofOrg } = await locations();
    const listings = new Map<Location, BlobEntry[]>();
    for (const location of all.values()) {
      if (!location.store) {
        problems.push({ kind: 'unreadable', store: location.label, reason: location.failure ?? 'unknown error' });
        continue;
      }
      try {
        listings.set(location, await listed(location));
      } catch (error) {
        problems.push({ kind: 'unreadable', store: location.label, reason: reasonOf(error) });
      }
    }
    const refs = await referencedBlobs(db);
    const placed = refs.map((ref) => {
      const id = ref.store === 'org' ? ofOrg.get(ref.orgId) : 'registry';
      const location = id === undefined ? undefined : all.get(id);
      location?.keys.add(ref.key);
      return { ref, location };
    });
    const orphans: Orphan[] = [];
    for (const [location, entries] of listings) {
      for (const entry of entries) if (!location.keys.has(entry.key)) orphans.push({ ...entry, store: location.label });
    }
    orphans.sort((a, b) => a.store.localeCompare(b.store) || a.key.localeCompare(b.key));
    return { placed, orphans, all };
  }

  /** Streams one blob through sha256, counting its bytes. */
  async function verify(ref: BlobReference, location: Location, problems: Problem[]): Promise<void> {
    const store = location.label;
    try {
      const stream = location.store!.getStream ? await location.store!.getStream(ref.key) : null;
      const bytes = stream ? null : await location.store!.get(ref.key);
      if (!stream && !bytes) {
        problems.push({ kind: 'missing', ref, store });
        return;
      }
      const hash = createHash('sha256');
      let size = 0;
      if (stream) {
        for await (const chunk of stream.body) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).byteLength;
        }
      } else {
        hash.update(bytes!);
        size = bytes!.byteLength;
      }
      const actual = hash.digest('hex');
      if (ref.size !== null && size !== ref.size) problems.push({ kind: 'wrong-size', ref, store, actual: size });
      else if (ref.sha256 !== null && actual !== ref.sha256) problems.push({ kind: 'wrong-hash', ref, store, actual });
    } catch (error) {
      problems.push({ kind: 'unreadable', ref, store, reason: reasonOf(error) });
    }
  }

  /** Every referenced blob read and hashed (at most `concurrency` at a time), and every orphan. */
  async function fsck(options: { concurrency?: number } = {}): Promise<FsckReport> {
    const problems: Problem[] = [];
    const { placed, orphans } = await survey(problems);
    await eachLimited(placed, options.concurrency ?? 4, async ({ ref, location }) => {
      if (!location) problems.push({ kind: 'unreadable', ref, store: `the store of organization ${ref.orgName}`, reason: 'the organization has no store configured' });
      else if (location.store) await verify(ref, location, problems);
    });
    problems.sort((a, b) => (a.ref?.owner ?? '').localeCompare(b.ref?.owner ?? '') || (a.ref?.kind ?? '').localeCompare(b.ref?.kind ?? ''));
    return { referenced: placed.length, problems, orphans };
  }

  /** Whether any row, in any store, names `key`: content keys are the same bytes wherever they are, so such a key is never deleted. */
  async function isReferenced(key: string): Promise<boolean> {
    const version = await db.selectFrom('versions').select('id').where((eb) => eb.or([eb('blob_key', '=', key), eb('docs_key', '=', key)])).executeTakeFirst();
    if (version) return true;
    if ((await db.selectFrom('mirror_archives').select('version').where('blob_key', '=', key).executeTakeFirst()) !== undefined) return true;
    // A key inside a held row's JSON; LIKE wildcards in a key could only make this match more, never less.
    return (await db.selectFrom('held_versions').select('id').where('row', 'like', `%${key}%`).executeTakeFirst()) !== undefined;
  }

  /**
   * Orphans older than `graceMs` are deleted (`apply`) or listed. Safe while the registry serves:
   * a publish writes its blob before its row commits, so a young orphan may be one in flight and
   * is kept; just before each delete the key is looked up again in every row and its date again
   * in the store (a publish of the same bytes rewrites it), and spared if either changed.
   */
  async function gc(options: { graceMs: number; apply: boolean; now: Date }): Promise<GcReport & { problems: Problem[] }> {
    const problems: Problem[] = [];
    const { orphans, all } = await survey(problems);
    const cutoff = options.now.getTime() - options.graceMs;
    const byLabel = new Map([...all.values()].map((l) => [l.label, l]));
    const report = { removed: [] as Orphan[], young: 0, spared: 0, problems };
    for (const orphan of orphans) {
      if (orphan.lastModified.getTime() > cutoff) {
        report.young++;
        continue;
      }
      const store = byLabel.get(orphan.store)!.store!;
      if (await isReferenced(orphan.key)) {
        report.spared++;
        continue;
      }
      let current: BlobEntry | undefined;
      for await (const entry of store.list(orphan.key)) if (entry.key === orphan.key) current = entry;
      if (!current) continue;
      if (current.lastModified.getTime() > cutoff) {
        report.spared++;
        continue;
      }
      if (options.apply) await store.delete(orphan.key);
      report.removed.push(orphan);
    }
    return report;
  }

  return { fsck, gc };
}

export type StorageCheckService = ReturnType<typeof createStorageCheckService>;
