import { createHash } from 'node:crypto';
import { compareVersions, type Version } from '@flock/core';
import type { Db } from '../db/connect.js';
import type { PackageRow } from '../db/schema.js';

/** One line of the sparse index (the same shape as core's IndexLineDto). */
export interface IndexLine {
  version: string;
  /** "org/name" → range, sorted by key. */
  dependencies: Record<string, string>;
  checksum: string;
  yanked: boolean;
  /** versions.published_at: clients may hold back versions younger than they choose (min-publish-age). */
  published: string;
  /** Only on yanked lines with a reason. */
  yankReason?: string;
  /** The package's deprecation message, on every line while it is deprecated. */
  deprecated?: string;
  /** The registry's rebuild outcome, once a worker has one ('running' is not shown: it is no outcome). */
  rebuild?: string;
}

/** A package's index answer, computed once and kept in memory until the package changes. */
export interface IndexEntry {
  packageId: string;
  orgId: string;
  visibility: PackageRow['visibility'];
  /** One JSON line per version, oldest first, each ending in "\n". */
  body: Buffer;
  /** Strong ETag over the body. */
  etag: string;
  /** The 200/304 headers, built once: content type, ETag, Cache-Control (public or private), length. */
  headers: Record<string, string>;
  /** Where each version's archive is, by version: a download can then be served while the database is unreachable. */
  archives: ReadonlyMap<string, StoredArchive>;
}

export interface StoredArchive {
  /** versions.id: what a download is counted against. */
  versionId: string;
  blobKey: string;
  checksum: string;
  /** versions.store: null for the registry's own store. */
  store: string | null;
}

export interface SparseIndexDeps {
  db: Db;
  /** Bound on cached packages (known and unknown names alike). */
  maxEntries?: number;
}

export function renderIndex(
  rows: Array<{ version: string; dependencies: string; checksum: string; yanked: number; published_at: string; yank_reason?: string | null; rebuild_status?: string | null }>,
  deprecation: string | null = null,
): Buffer {
  const sorted = [...rows].sort((a, b) => compareVersions(a.version as Version, b.version as Version));
  const lines = sorted.map((row) => {
    const line: IndexLine = { version: row.version, dependencies: JSON.parse(row.dependencies) as Record<string, string>, checksum: row.checksum, yanked: row.yanked !== 0, published: row.published_at };
    if (row.yanked !== 0 && row.yank_reason) line.yankReason = row.yank_reason;
    if (deprecation !== null) line.deprecated = deprecation;
    if (row.rebuild_status && row.rebuild_status !== 'running') line.rebuild = row.rebuild_status;
    return `${JSON.stringify(line)}\n`;
  });
  return Buffer.from(lines.join(''));
}

/**
 * The sparse index, answered from memory after the first request. Unknown
 * names are remembered too (bounded), so probing does not reach the database.
 * Publish, yank, deprecation and visibility changes call `invalidate`.
 */
export function createSparseIndexService({ db, maxEntries = 50_000 }: SparseIndexDeps) {
  const entries = new Map<string, IndexEntry | null>();
  const loading = new Map<string, Promise<IndexEntry | null>>();
  // Bumped by every invalidation: a load that raced with one must not store what it read.
  let generation = 0;

  async function load(org: string, name: string): Promise<IndexEntry | null> {
    const pkg = await db
      .selectFrom('packages')
      .innerJoin('orgs', 'orgs.id', 'packages.org_id')
      .select(['packages.id', 'packages.org_id', 'packages.visibility', 'packages.deprecation'])
      .where('orgs.name', '=', org)
      .where('packages.name', '=', name)
      .executeTakeFirst();
    if (!pkg) return null;
    const rows = await db.selectFrom('versions').select(['id', 'version', 'dependencies', 'checksum', 'yanked', 'published_at', 'yank_reason', 'rebuild_status', 'blob_key', 'store']).where('package_id', '=', pkg.id).execute();
    const body = renderIndex(rows, pkg.deprecation);
    const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
    const headers = {
      'content-type': 'application/x-ndjson; charset=utf-8',
      etag,
      'cache-control': pkg.visibility === 'public' ? 'public, max-age=60' : 'private, no-cache',
      'content-length': String(body.byteLength),
    };
    const archives = new Map(rows.map((row) => [row.version, { versionId: row.id, blobKey: row.blob_key, checksum: row.checksum, store: row.store }]));
    return { packageId: pkg.id, orgId: pkg.org_id, visibility: pkg.visibility, body, etag, headers, archives };
  }

  /** The entry for org/name, or null when no such package exists (the caller decides who may see it). */
  async function get(org: string, name: string): Promise<IndexEntry | null> {
    const key = `${org}/${name}`;
    const cached = entries.get(key);
    if (cached !== undefined) return cached;
    // One load per name at a time: a burst of cold requests (many parallel downloads) shares it
    // rather than each taking a pool connection and queueing past the pool's timeout.
    const pending = loading.get(key);
    if (pending) return pending;
    const started = generation;
    const loaded = load(org, name).then((fresh) => {
      if (started === generation) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
        entries.set(key, fresh);
      }
      return fresh;
    }).finally(() => {
      if (loading.get(key) === loaded) loading.delete(key);
    });
    loading.set(key, loaded);
    return loaded;
  }

  /** The cached entry without loading: undefined when not cached, null for a cached "no such package". */
  function peek(org: string, name: string): IndexEntry | null | undefined {
    return entries.get(`${org}/${name}`);
  }

  function invalidate(org: string, name: string): void {
    generation++;
    entries.delete(`${org}/${name}`);
    loading.delete(`${org}/${name}`);
  }

  function clear(): void {
    generation++;
    entries.clear();
    loading.clear();
  }

  return { get, peek, invalidate, clear };
}

export type SparseIndexService = ReturnType<typeof createSparseIndexService>;
