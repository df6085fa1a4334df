import { FlockError, type DependencyDto, type RebuildDetail, type OrgName, type PackageDto, type PackageName, type Version, type VersionDto, compareVersions } from '@flock/core';
import type { Readable } from 'node:stream';
import type { Principal } from '../auth/principal.js';
import { compileOnce } from '../db/compile-once.js';
import type { Db } from '../db/connect.js';
import type { OrgRow, PackageRow, VersionRow } from '../db/schema.js';
import type { AccessService } from './access.js';
import type { DownloadsService } from './downloads.js';
import type { OrgStoresService, Placement } from './org-stores.js';
import type { SparseIndexService, StoredArchive } from './sparse-index.js';
import type { MirrorService } from './mirror.js';

export interface PackagesDeps {
  db: Db;
  access: AccessService;
  orgStores: OrgStoresService;
  /** Whether downloads from the registry's own store redirect to presigned URLs (when it has them). */
  redirectDownloads: boolean;
  /** Where downloads find a version's archive (in memory once warm). */
  sparseIndex: Pick<SparseIndexService, 'get'>;
  /** Changes with every package change on any replica: what "Used by" found holds until it does. */
  packageGeneration?: () => number;
  /** Counts downloads (in memory) and reads the counts. */
  downloads: Pick<DownloadsService, 'record' | 'totals'>;
  /** FLOCK_UPSTREAM: where archives of packages this registry does not have come from (null: nowhere). */
  mirror?: Pick<MirrorService, 'download' | 'logIndexOf'> | null;
}

/** How long a presigned download URL lives: long enough to start, short enough not to be shared. */
const PRESIGNED_SECONDS = 300;

export type Download =
  | { kind: 'redirect'; url: string; visibility: PackageRow['visibility'] }
  | { kind: 'bytes'; body: Readable | Buffer; size: number; visibility: PackageRow['visibility']; checksum: string };

export interface VisiblePackage {
  org: OrgRow;
  pkg: PackageRow;
}

// One message for "never published" and "private and not yours", so neither leaks.
function packageNotFound(org: string, name: string): FlockError {
  return new FlockError('not_found', `Package ${org}/${name} not found`);
}

export function toDependencies(json: string): DependencyDto[] {
  const deps = JSON.parse(json) as Record<string, string>;
  return Object.keys(deps).sort().map((key) => ({ package: key, range: deps[key]! }));
}

/** A version's columns but the large ones only its own page reads (readme, manifest). */
const SUMMARY_COLUMNS = [
  'versions.id', 'versions.package_id', 'versions.version', 'versions.checksum', 'versions.size', 'versions.blob_key',
  'versions.description', 'versions.license', 'versions.keywords', 'versions.repository', 'versions.dependencies',
  'versions.publisher_id', 'versions.token_id', 'versions.published_at', 'versions.log_index', 'versions.yanked', 'versions.docs_key', 'versions.docs_size', 'versions.store', 'versions.yank_reason',
  'versions.source_repository', 'versions.source_commit', 'versions.source_path', 'versions.source_dirty', 'versions.build_command',
  'versions.trusted_publisher_id', 'versions.oidc_claims', 'versions.flags', 'versions.source_descends',
  'versions.rebuild_status', 'versions.rebuild_detail', 'versions.rebuild_at', 'versions.rebuild_claimed_at',
] as const;

export type VersionSummary = Omit<VersionRow, 'readme' | 'manifest'> & { publisher: string };

export function toVersionDto(org: OrgRow, pkg: PackageRow, row: Omit<VersionRow, 'readme' | 'manifest'>, publisher: string): VersionDto {
  return {
    org: org.name,
    name: pkg.name,
    version: row.version,
    checksum: row.checksum,
    size: Number(row.size),
    description: row.description,
    license: row.license,
    keywords: JSON.parse(row.keywords) as string[],
    repository: row.repository,
    dependencies: toDependencies(row.dependencies),
    yanked: row.yanked !== 0,
    yankReason: row.yanked !== 0 ? row.yank_reason : null,
    publisher,
    publishedAt: row.published_at,
    hasDocs: row.docs_key !== null,
    provenance: toProvenance(row),
    trustedPublisher: row.trusted_publisher_id === null ? null : toTrustedPublish(row.trusted_publisher_id, row.oidc_claims),
    flags: row.flags === null ? [] : (JSON.parse(row.flags) as string[]),
    logIndex: row.log_index === null ? null : Number(row.log_index),
    rebuild: toRebuild(row),
  };
}

/** The rebuild worker's outcome; while a worker has it, `at` is when it was claimed. */
export function toRebuild(row: Pick<VersionRow, 'rebuild_status' | 'rebuild_detail' | 'rebuild_at' | 'rebuild_claimed_at'>): VersionDto['rebuild'] {
  if (row.rebuild_status === null) return null;
  return {
    status: row.rebuild_status,
    detail: row.rebuild_detail === null ? null : (JSON.parse(row.rebuild_detail) as RebuildDetail),
    at: row.rebuild_status === 'running' ? row.rebuild_claimed_at : row.rebuild_at,
  };
}

function toTrustedPublish(id: string, json: string | null): VersionDto['trustedPublisher'] {
  const claims = JSON.parse(json ?? '{}') as Record<string, string>;
  return { id, issuer: claims.iss ?? '', claims };
}

export function toProvenance(row: Pick<VersionRow, 'source_repository' | 'source_commit' | 'source_dirty' | 'source_path' | 'build_command'>): VersionDto['provenance'] {
  if (row.source_dirty === null) return null;
  return {
    repository: row.source_repository,
    commit: row.source_commit,
    dirty: row.source_dirty !== 0,
    path: row.source_path ?? '',
    buildCommand: row.build_command,
  };
}

/** Reads of packages and versions, each filtered through access.canRead. */
export function createPackagesService({ db, access, orgStores, redirectDownloads, sparseIndex, downloads, packageGeneration, mirror = null }: PackagesDeps) {
  // The two queries of every page view and API read, compiled once.
  const selectPackage = compileOnce(db, ['org', 'name'], ({ org, name }) =>
    db
      .selectFrom('packages')
      .innerJoin('orgs', 'orgs.id', 'packages.org_id')
      .selectAll('packages')
      .select(['orgs.name as org_name', 'orgs.name_key as org_name_key', 'orgs.kind as org_kind', 'orgs.created_at as org_created_at'])
      .select(['orgs.trusted_publishing_only as org_trusted_only', 'orgs.hold_unusual as org_hold_unusual'])
      .select(['orgs.max_bytes as org_max_bytes', 'orgs.max_versions_per_day as org_max_versions', 'orgs.max_packages as org_max_packages'])
      .where('orgs.name', '=', org)
      .where('packages.name', '=', name),
  );
  const selectVersions = compileOnce(db, ['packageId'], ({ packageId }) =>
    db
      .selectFrom('versions')
      .innerJoin('users', 'users.id', 'versions.publisher_id')
      .select(SUMMARY_COLUMNS)
      .select('users.username as publisher')
      .where('versions.package_id', '=', packageId),
  );

  async function findVisible(principal: Principal | null, org: OrgName, name: PackageName): Promise<VisiblePackage> {
    const [row] = await selectPackage({ org, name });
    if (!row) throw packageNotFound(org, name);
    const { org_name, org_name_key, org_kind, org_created_at, org_trusted_only, org_hold_unusual, org_max_bytes, org_max_versions, org_max_packages, ...pkg } = row;
    if (!(await access.canRead(principal, pkg))) throw packageNotFound(org, name);
    return { pkg, org: { id: pkg.org_id, name: org_name, name_key: org_name_key, kind: org_kind, created_at: org_created_at, trusted_publishing_only: org_trusted_only, hold_unusual: org_hold_unusual,
      max_bytes: org_max_bytes, max_versions_per_day: org_max_versions, max_packages: org_max_packages } };
  }

  /** All versions, newest first by semver; without the README and manifest, which only one version's page needs. */
  async function listVersions(pkg: PackageRow): Promise<VersionSummary[]> {
    const rows = await selectVersions({ packageId: pkg.id });
    return rows.sort((a, b) => compareVersions(b.version as Version, a.version as Version));
  }

  /** The newest version that is not yanked (or the newest at all when every one is). */
  function latestOf<T extends { yanked: number }>(versions: T[]): T | undefined {
    return versions.find((v) => v.yanked === 0) ?? versions[0];
  }

  function toPackageDto({ org, pkg }: VisiblePackage, versions: VersionSummary[]): PackageDto {
    return {
      org: org.name,
      name: pkg.name,
      visibility: pkg.visibility,
      description: pkg.description,
      latest: latestOf(versions)?.version ?? null,
      versions: versions.map((v) => ({ version: v.version, yanked: v.yanked !== 0, publishedAt: v.published_at })),
      deprecated: pkg.deprecation,
      createdAt: pkg.created_at,
      updatedAt: pkg.updated_at,
    };
  }

  async function getPackage(principal: Principal | null, org: OrgName, name: PackageName): Promise<PackageDto> {
    const visible = await findVisible(principal, org, name);
    const [versions, totals] = await Promise.all([listVersions(visible.pkg), downloads.totals([visible.pkg.id])]);
    return { ...toPackageDto(visible, versions), downloads: totals.get(visible.pkg.id) ?? 0 };
  }

  /**
   * What a package page shows, in two queries: the package (access checked) and its versions, one of
   * which is `version` (null: the newest). The README is read apart (readReadme), only when not cached.
   */
  async function findPage(principal: Principal | null, org: OrgName, name: PackageName, version: Version | null) {
    const visible = await findVisible(principal, org, name);
    const versions = await listVersions(visible.pkg);
    const row = version === null ? latestOf(versions) : versions.find((v) => v.version === version);
    if (!row) throw new FlockError('not_found', `Version ${org}/${name}@${version ?? 'latest'} not found`);
    return { ...visible, package: toPackageDto(visible, versions), version: row, versions };
  }

  type Dependent = { org: string; name: string; version: string; range: string; visibility: PackageRow['visibility']; org_id: string };
  // Every package's dependents (before access is checked), found by a scan of the versions table:
  // kept until any package changes, so page views between publishes do not repeat the scan.
  const dependentsFound = new Map<string, Dependent[]>();
  let dependentsGeneration: number | undefined;

  async function findDependents(key: string): Promise<Dependent[]> {
    const candidates = await db
      .selectFrom('versions')
      .innerJoin('packages', 'packages.id', 'versions.package_id')
      .innerJoin('orgs', 'orgs.id', 'packages.org_id')
      .select(['packages.id', 'packages.visibility', 'packages.org_id', 'orgs.name as org', 'packages.name'])
      .distinct()
      .where('versions.dependencies', 'like', `%${JSON.stringify(key)}%`)
      .execute();
    const found: Dependent[] = [];
    // In slices, so a much-used package never builds one statement past the databases' parameter limits.
    for (let i = 0; i < candidates.length; i += 500) {
      const slice = candidates.slice(i, i + 500);
      const rows = await db
        .selectFrom('versions')
        .select(['package_id', 'version', 'yanked', 'dependencies'])
        .where('package_id', 'in', slice.map((c) => c.id))
        .execute();
      for (const c of slice) {
        const versions = rows.filter((r) => r.package_id === c.id).sort((a, b) => compareVersions(b.version as Version, a.version as Version));
        const newest = latestOf(versions);
        const range = newest ? (JSON.parse(newest.dependencies) as Record<string, string>)[key] : undefined;
        if (newest && range !== undefined) found.push({ org: c.org, name: c.name, version: newest.version, range, visibility: c.visibility, org_id: c.org_id });
      }
    }
    return found.sort((a, b) => `${a.org}/${a.name}`.localeCompare(`${b.org}/${b.name}`));
  }

  /**
   * "Used by": the packages `principal` may see whose newest version (as latestOf picks it) depends on
   * org/name, sorted, the first `limit` of them and how many there are. Candidates are found by the
   * dependency key in the stored JSON (LIKE is only a prefilter: `_` is a wildcard, SQLite's LIKE
   * ignores case), then checked exactly against each candidate's newest version.
   */
  async function dependents(principal: Principal | null, org: OrgName, name: PackageName, limit: number): Promise<{ total: number; first: Array<{ org: string; name: string; version: string; range: string }> }> {
    const key = `${org}/${name}`;
    const generation = packageGeneration?.();
    if (generation === undefined || generation !== dependentsGeneration || dependentsFound.size >= 10_000) {
      dependentsFound.clear();
      dependentsGeneration = generation;
    }
    let all = generation === undefined ? undefined : dependentsFound.get(key);
    if (all === undefined) {
      all = await findDependents(key);
      // Kept only if nothing changed meanwhile: a publish during the scan may not be in it.
      if (generation !== undefined && packageGeneration?.() === generation) dependentsFound.set(key, all);
    }
    const visible: Array<{ org: string; name: string; version: string; range: string }> = [];
    for (const d of all) if (await access.canRead(principal, d)) visible.push({ org: d.org, name: d.name, version: d.version, range: d.range });
    return { total: visible.length, first: visible.slice(0, limit) };
  }

  async function readReadme(versionId: string): Promise<string | null> {
    const row = await db.selectFrom('versions').select('readme').where('id', '=', versionId).executeTakeFirst();
    return row?.readme ?? null;
  }

  async function findVersion(principal: Principal | null, org: OrgName, name: PackageName, version: Version) {
    const visible = await findVisible(principal, org, name);
    const row = await db
      .selectFrom('versions')
      .innerJoin('users', 'users.id', 'versions.publisher_id')
      .selectAll('versions')
      .select('users.username as publisher')
      .where('versions.package_id', '=', visible.pkg.id)
      .where('versions.version', '=', version)
      .executeTakeFirst();
    if (!row) throw new FlockError('not_found', `Version ${org}/${name}@${version} not found`);
    return { ...visible, version: row };
  }

  async function getVersion(principal: Principal | null, org: OrgName, name: PackageName, version: Version): Promise<VersionDto> {
    const found = await findVersion(principal, org, name, version);
    return toVersionDto(found.org, found.pkg, found.version, found.version.publisher);
  }

  /**
   * Where a version's publish record is in this registry's transparency log; for a package a
   * mirror serves from its upstream, the record the mirror appended when it stored the archive
   * (fetching it first if need be), as `download` falls back to the mirror.
   */
  async function logIndexOf(principal: Principal | null, org: OrgName, name: PackageName, version: Version): Promise<number> {
    if (mirror && (await sparseIndex.get(org, name)) === null) {
      const index = await mirror.logIndexOf(principal, org, name, version);
      if (index === null) throw packageNotFound(org, name);
      return index;
    }
    const found = await getVersion(principal, org, name, version);
    if (found.logIndex === null) throw new FlockError('not_found', `${org}/${name}@${version} has no record in the transparency log`);
    return found.logIndex;
  }

  /** The docs JSON of a version already found (and so already authorized), or null. */
  async function readDocs(found: { org: OrgRow; version: Pick<VersionRow, 'docs_key' | 'store'> }): Promise<Buffer | null> {
    if (!found.version.docs_key) return null;
    const placement = await orgStores.placementOf(found.version, found.org.id, found.org.name);
    return placement.store.get(found.version.docs_key);
  }

  /** The stored docs JSON of a version. */
  async function getDocs(principal: Principal | null, org: OrgName, name: PackageName, version: Version): Promise<Buffer> {
    const docs = await readDocs(await findVersion(principal, org, name, version));
    if (!docs) throw new FlockError('not_found', `No documentation for ${org}/${name}@${version}`);
    return docs;
  }

  /**
   * An archive: a presigned URL on an org's own store (always) or the registry's S3 store, else the bytes,
   * streamed where the store can. Answered from the sparse index's memory (no query once the package's
   * index entry is warm, and so also while the database is unreachable), under the same access rule;
   * an org's own store is looked up in the database.
   */
  async function download(principal: Principal | null, org: OrgName, name: PackageName, version: Version): Promise<Download> {
    const entry = await sparseIndex.get(org, name);
    if (entry === null) {
      // Not here: a mirror's upstream may have it (not counted: its counts are the upstream's).
      const mirrored = mirror ? await mirror.download(principal, org, name, version) : null;
      if (mirrored === null) throw packageNotFound(org, name);
      const { body, checksum } = mirrored;
      return { kind: 'bytes', body, size: body.byteLength, visibility: mirrored.private ? 'private' : 'public', checksum };
    }
    const pkg = { visibility: entry.visibility, org_id: entry.orgId };
    if (!(access.canReadNow(principal, pkg) ?? (await access.canRead(principal, pkg)))) throw packageNotFound(org, name);
    const archive = entry.archives.get(version);
    if (!archive) throw new FlockError('not_found', `Version ${org}/${name}@${version} not found`);
    const placement = await orgStores.placementOf(archive, entry.orgId, org);
    const delivered = await deliver(placement, archive, entry.visibility, `${org}/${name}@${version}`);
    // Counted once it can be served (a redirect included): a Map increment, written in batches.
    downloads.record(entry.packageId, archive.versionId);
    return delivered;
  }

  async function deliver(placement: Placement, archive: StoredArchive, visibility: PackageRow['visibility'], what: string): Promise<Download> {
    const { store } = placement;
    if (store.presignGet && (placement.kind === 'org' || redirectDownloads)) {
      return { kind: 'redirect', url: await store.presignGet(archive.blobKey, PRESIGNED_SECONDS), visibility };
    }
    // A stream, so an archive of many megabytes is never held whole in memory per request.
    const blob = store.getStream ? await store.getStream(archive.blobKey) : await store.get(archive.blobKey);
    if (!blob) throw new Error(`blob ${archive.blobKey} missing from ${placement.label} for ${what}`);
    const { body, size } = Buffer.isBuffer(blob) ? { body: blob, size: blob.byteLength } : blob;
    return { kind: 'bytes', body, size, visibility, checksum: archive.checksum };
  }

  return { findVisible, listVersions, latestOf, getPackage, findPage, dependents, readReadme, findVersion, getVersion, logIndexOf, readDocs, getDocs, download };
}

export type PackagesService = ReturnType<typeof createPackagesService>;
