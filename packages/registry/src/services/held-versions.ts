import { FlockError, type HeldVersionDto, type OrgName, type PackageName, type Version } from '@flock/core';
import type { Principal } from '../auth/principal.js';
import { isUniqueViolation, type Db } from '../db/connect.js';
import type { NewVersion, OrgRow, PackageRow } from '../db/schema.js';
import type { AccessService } from './access.js';
import type { AuditService } from './audit.js';
import { isoNow, type Clock } from './clock.js';
import type { PackageEvents } from './package-events.js';
import { toProvenance } from './packages.js';
import { unusualSuffix } from './publish-flags.js';
import { appendDocsRecord, appendRecord } from './transparency-log.js';

/**
 * Publishes held for an owner's approval (org setting hold_unusual). A held version is a row
 * of held_versions, not of versions, so the index, API, pages, search and downloads never see
 * it; approval inserts the stored versions row as it was built at publish time.
 */

/** Stores a held publish (inside the publish's transaction); the unique (package_id, version) decides races. */
export async function holdVersion(trx: Db, row: NewVersion & { id: string; package_id: string; version: string }, flags: readonly string[], now: string): Promise<void> {
  await trx
    .insertInto('held_versions')
    .values({
      id: row.id, package_id: row.package_id, version: row.version, row: JSON.stringify(row), flags: JSON.stringify(flags), held_at: now, rejected_at: null, decided_by: null,
      // Its archive is stored, so it counts against the org's storage quota (services/quotas.ts).
      bytes: Number(row.size) + Number(row.docs_size ?? 0),
    })
    .execute();
}

/** Whether `version` of org's package `name` is held or was rejected: its number is taken either way. */
export async function heldVersionTaken(db: Db, orgId: string, name: string, version: string): Promise<boolean> {
  const held = await db
    .selectFrom('held_versions')
    .innerJoin('packages', 'packages.id', 'held_versions.package_id')
    .select('held_versions.id')
    .where('packages.org_id', '=', orgId)
    .where('packages.name', '=', name)
    .where('held_versions.version', '=', version)
    .executeTakeFirst();
  return held !== undefined;
}

/** A held version still waiting (not rejected), with its stored row: the docs upload of a held publish writes here. */
export async function findPendingHeld(db: Db, orgId: string, name: string, version: string): Promise<{ id: string; row: NewVersion & { package_id: string } } | undefined> {
  const held = await db
    .selectFrom('held_versions')
    .innerJoin('packages', 'packages.id', 'held_versions.package_id')
    .select(['held_versions.id', 'held_versions.row'])
    .where('packages.org_id', '=', orgId)
    .where('packages.name', '=', name)
    .where('held_versions.version', '=', version)
    .where('held_versions.rejected_at', 'is', null)
    .executeTakeFirst();
  return held && { id: held.id, row: JSON.parse(held.row) as NewVersion & { package_id: string } };
}

/** Records the docs key and size in the held row, so approval publishes the docs with the version. */
export async function setHeldDocsKey(db: Db, heldId: string, row: NewVersion, key: string, size: number): Promise<void> {
  await db.updateTable('held_versions')
    .set({ row: JSON.stringify({ ...row, docs_key: key, docs_size: size }), bytes: Number(row.size) + size })
    .where('id', '=', heldId).where('rejected_at', 'is', null).execute();
}

/** A held version is logged when it becomes visible: its publish record, then its docs' if they came while it waited. */
async function logApproved(trx: Db, { org, pkg, row, now }: { org: OrgRow; pkg: PackageRow; row: NewVersion & { id: string }; now: string }): Promise<void> {
  const logIndex = await appendRecord(trx, {
    event: 'publish', packageId: pkg.id, package: `${org.name}/${pkg.name}`, version: row.version, archive: row.checksum,
    commit: row.source_commit ?? null, time: now, private: pkg.visibility === 'private',
  });
  await trx.updateTable('versions').set({ log_index: logIndex }).where('id', '=', row.id).execute();
  if (row.docs_key) await appendDocsRecord(trx, { org: org.name, name: pkg.name, version: row.version, packageId: pkg.id, docsKey: row.docs_key, time: now });
}

export interface HeldVersionsDeps {
  db: Db;
  clock: Clock;
  access: AccessService;
  audit: AuditService;
  events: PackageEvents;
}

export function createHeldVersionsService({ db, clock, access, audit, events }: HeldVersionsDeps) {
  const ownedPackage = (principal: Principal, orgName: OrgName, name: PackageName, scope: 'read' | 'publish') =>
    access.requirePackageRole(principal, orgName, name, 'owner', scope);

  /** Held and rejected versions of a package, oldest first (org owners). */
  async function list(principal: Principal, orgName: OrgName, name: PackageName): Promise<HeldVersionDto[]> {
    const { pkg } = await ownedPackage(principal, orgName, name, 'read');
    return listFor(pkg.id);
  }

  /** The same list, for a page whose viewer is already known to be an owner. */
  async function listFor(packageId: string): Promise<HeldVersionDto[]> {
    const rows = await db.selectFrom('held_versions').selectAll().where('package_id', '=', packageId).orderBy('held_at').orderBy('version').execute();
    const parsed = rows.map((r) => ({ held: r, row: JSON.parse(r.row) as NewVersion }));
    const ids = [...new Set(parsed.flatMap((p) => [p.row.publisher_id, ...(p.held.decided_by === null ? [] : [p.held.decided_by])]))];
    const users = ids.length === 0 ? [] : await db.selectFrom('users').select(['id', 'username']).where('id', 'in', ids).execute();
    const nameOf = new Map(users.map((u) => [u.id, u.username]));
    return parsed.map(({ held, row }) => ({
      version: held.version,
      flags: JSON.parse(held.flags) as string[],
      heldAt: held.held_at,
      publisher: nameOf.get(row.publisher_id) ?? '',
      rejectedAt: held.rejected_at,
      decidedBy: held.decided_by === null ? null : (nameOf.get(held.decided_by) ?? null),
      provenance: toProvenance({
        source_repository: row.source_repository ?? null, source_commit: row.source_commit ?? null, source_dirty: row.source_dirty ?? null,
        source_path: row.source_path ?? null, build_command: row.build_command ?? null,
      }),
    }));
  }

  async function pendingRow(pkg: PackageRow, org: OrgRow, version: Version) {
    const held = await db.selectFrom('held_versions').selectAll().where('package_id', '=', pkg.id).where('version', '=', version).executeTakeFirst();
    if (!held) throw new FlockError('not_found', `No held version ${org.name}/${pkg.name}@${version}`);
    if (held.rejected_at !== null) throw new FlockError('conflict', `${org.name}/${pkg.name}@${version} was rejected; publish a new version instead`);
    return held;
  }

  /** Makes a held version visible: its stored row goes into versions, as if published now. */
  async function approve(principal: Principal, orgName: OrgName, name: PackageName, version: Version): Promise<void> {
    const { org, pkg } = await ownedPackage(principal, orgName, name, 'publish');
    const held = await pendingRow(pkg, org, version);
    const now = isoNow(clock);
    try {
      await db.transaction().execute(async (trx) => {
        // Published when it becomes visible: the recent lists and relative times read so.
        const row = JSON.parse(held.row) as NewVersion & { id: string };
        await trx.insertInto('versions').values({ ...row, published_at: now }).execute();
        const gone = await trx.deleteFrom('held_versions').where('id', '=', held.id).where('rejected_at', 'is', null).executeTakeFirst();
        // Rejected (or approved) by another owner meanwhile: that decision stands.
        if (Number(gone.numDeletedRows) !== 1) throw new FlockError('conflict', `${org.name}/${pkg.name}@${version} was decided meanwhile`);
        await trx.updateTable('packages').set({ updated_at: now }).where('id', '=', pkg.id).execute();
        const subject = `${org.name}/${pkg.name}@${version}${unusualSuffix(JSON.parse(held.flags) as string[])}`;
        await audit.record({ principal, action: 'publish.approve', orgId: org.id, subject, details: { package: pkg.name, version, visibility: pkg.visibility } }, trx);
        await logApproved(trx, { org, pkg, row, now });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new FlockError('version_exists', `Version ${org.name}/${pkg.name}@${version} was published meanwhile`);
      throw error;
    }
    await events.changed({ org: org.name, name: pkg.name, packageId: pkg.id });
  }

  /** Refuses a held version for good: it stays invisible and its number stays taken. */
  async function reject(principal: Principal, orgName: OrgName, name: PackageName, version: Version): Promise<void> {
    const { org, pkg } = await ownedPackage(principal, orgName, name, 'publish');
    const held = await pendingRow(pkg, org, version);
    await db.transaction().execute(async (trx) => {
      const done = await trx
        .updateTable('held_versions')
        .set({ rejected_at: isoNow(clock), decided_by: principal.userId })
        .where('id', '=', held.id)
        .where('rejected_at', 'is', null)
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1) throw new FlockError('conflict', `${org.name}/${pkg.name}@${version} was decided meanwhile`);
      await audit.record({ principal, action: 'publish.reject', orgId: org.id, subject: `${org.name}/${pkg.name}@${version}` }, trx);
    });
  }

  return { list, listFor, approve, reject };
}

export type HeldVersionsService = ReturnType<typeof createHeldVersionsService>;

