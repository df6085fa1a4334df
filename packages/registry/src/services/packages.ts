import { FlockError, type DependencyDto, type OrgName, type PackageDto, type PackageName, type Version, type VersionDto, compareVersions } from '@flock/core';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/connect.js';
import type { OrgRow, PackageRow, VersionRow } from '../db/schema.js';
import { isDatabaseOutage } from '../db/unavailable.js';
import type { AccessService } from './access.js';
import type { OrgStoresService, Placement } from './org-stores.js';
import type { SparseIndexService, StoredArchive } from './sparse-index.js';

export interface PackagesDeps {
  db: Db;
  access: AccessService;
  orgStores: OrgStoresService;
  /** Whether downloads from the registry's own store redirect to presigned URLs (when it has them). */
  redirectDownloads: boolean;
  /** What downloads fall back on while the database is unreachable. */
  sparseIndex: Pick<SparseIndexService, 'peek'>;
}

/** How long a presigned download URL lives: long enough to start, short enough not to be shared. */
const PRESIGNED_SECONDS = 300;

export type Download =
  | { kind: 'redirect'; url: string; visibility: PackageRow['visibility'] }
  | { kind: 'bytes'; bytes: Buffer; visibility: PackageRow['visibility']; checksum: string };

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

export function toVersionDto(org: OrgRow, pkg: PackageRow, row: VersionRow, publisher: string): VersionDto {
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
    publisher,
    publishedAt: row.published_at,
    hasDocs: row.docs_key !== null,
    provenance: toProvenance(row),
  };
}

function toProvenance(row: VersionRow): VersionDto['provenance'] {
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
export function createPackagesService({ db, access, orgStores, redirectDownloads, sparseIndex }: PackagesDeps) {
  async function findVisible(principal: Principal | null, org: OrgName, name: PackageName): Promise<VisiblePackage> {
    const row = await db
      .selectFrom('packages')
      .innerJoin('orgs', 'orgs.id', 'packages.org_id')
      .selectAll('packages')
      .select(['orgs.name as org_name', 'orgs.name_key as org_name_key', 'orgs.kind as org_kind', 'orgs.created_at as org_created_at'])
      .where('orgs.name', '=', org)
      .where('packages.name', '=', name)
      .executeTakeFirst();
    if (!row) throw packageNotFound(org, name);
    const { org_name, org_name_key, org_kind, org_created_at, ...pkg } = row;
    if (!(await access.canRead(principal, pkg))) throw packageNotFound(org, name);
    return { pkg, org: { id: pkg.org_id, name: org_name, name_key: org_name_key, kind: org_kind, created_at: org_created_at } };
  }

  /** All versions, newest first by semver. */
  async function listVersions(pkg: PackageRow): Promise<Array<VersionRow & { publisher: string }>> {
    const rows = await db
      .selectFrom('versions')
      .innerJoin('users', 'users.id', 'versions.publisher_id')
      .selectAll('versions')
      .select('users.username as publisher')
      .where('versions.package_id', '=', pkg.id)
      .execute();
    return rows.sort((a, b) => compareVersions(b.version as Version, a.version as Version));
  }

  /** The newest version that is not yanked (or the newest at all when every one is). */
  function latestOf<T extends { yanked: number }>(versions: T[]): T | undefined {
    return versions.find((v) => v.yanked === 0) ?? versions[0];
  }

  async function getPackage(principal: Principal | null, org: OrgName, name: PackageName): Promise<PackageDto> {
    const { pkg, org: orgRow } = await findVisible(principal, org, name);
    const versions = await listVersions(pkg);
    return {
      org: orgRow.name,
      name: pkg.name,
      visibility: pkg.visibility,
      description: pkg.description,
      latest: latestOf(versions)?.version ?? null,
      versions: versions.map((v) => ({ version: v.version, yanked: v.yanked !== 0, publishedAt: v.published_at })),
      createdAt: pkg.created_at,
      updatedAt: pkg.updated_at,
    };
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

  type Found = Awaited<ReturnType<typeof findVersion>>;

  /** The docs JSON of a version already found (and so already authorized), or null. */
  async function readDocs(found: Found): Promise<Buffer | null> {
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

  /** An archive: a presigned URL on an org's own store (always) or the registry's S3 store, else the bytes. */
  async function download(principal: Principal | null, org: OrgName, name: PackageName, version: Version): Promise<Download> {
    let found: Found;
    try {
      found = await findVersion(principal, org, name, version);
    } catch (error) {
      const cached = isDatabaseOutage(error) ? downloadFromMemory(principal, org, name, version) : undefined;
      if (cached === undefined) throw error;
      return deliver(orgStores.registryPlacement(), cached.archive, cached.visibility, `${org}/${name}@${version}`);
    }
    const placement = await orgStores.placementOf(found.version, found.org.id, found.org.name);
    const archive = { blobKey: found.version.blob_key, checksum: found.version.checksum };
    return deliver(placement, archive, found.pkg.visibility, `${org}/${name}@${version}`);
  }

  /**
   * While the database is unreachable, what the sparse index holds in memory
   * still answers downloads from the registry's own store, under the same rule
   * (for a private package, a token and membership the auth cache still holds).
   * Undefined when memory does not know enough; an org's own store is looked up
   * in the database, so its versions wait for it.
   */
  function downloadFromMemory(principal: Principal | null, org: OrgName, name: PackageName, version: Version) {
    const entry = sparseIndex.peek(org, name);
    if (entry === undefined) return undefined;
    if (entry === null) throw packageNotFound(org, name);
    const readable = access.canReadNow(principal, { visibility: entry.visibility, org_id: entry.orgId });
    if (readable === undefined) return undefined;
    if (!readable) throw packageNotFound(org, name);
    const archive = entry.archives.get(version);
    if (!archive) throw new FlockError('not_found', `Version ${org}/${name}@${version} not found`);
    return archive.store === null ? { archive, visibility: entry.visibility } : undefined;
  }

  async function deliver(placement: Placement, archive: Pick<StoredArchive, 'blobKey' | 'checksum'>, visibility: PackageRow['visibility'], what: string): Promise<Download> {
    if (placement.store.presignGet && (placement.kind === 'org' || redirectDownloads)) {
      return { kind: 'redirect', url: await placement.store.presignGet(archive.blobKey, PRESIGNED_SECONDS), visibility };
    }
    const bytes = await placement.store.get(archive.blobKey);
    if (!bytes) throw new Error(`blob ${archive.blobKey} missing from ${placement.label} for ${what}`);
    return { kind: 'bytes', bytes, visibility, checksum: archive.checksum };
  }

  /** The newest public versions, for the front page. Private packages never appear. */
  async function recent(limit: number) {
    const rows = await db
      .selectFrom('versions')
      .innerJoin('packages', 'packages.id', 'versions.package_id')
      .innerJoin('orgs', 'orgs.id', 'packages.org_id')
      .select(['orgs.name as org', 'packages.name as name', 'versions.version', 'packages.description'])
      .where('packages.visibility', '=', 'public')
      .orderBy('versions.published_at', 'desc')
      .limit(limit)
      .execute();
    return rows;
  }

  return { findVisible, listVersions, latestOf, getPackage, findVersion, getVersion, readDocs, getDocs, download, recent };
}

export type PackagesService = ReturnType<typeof createPackagesService>;
