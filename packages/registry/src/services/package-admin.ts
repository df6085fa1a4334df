import { FlockError, type Note, type OrgName, type PackageName, type Version } from '@flock/core';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/connect.js';
import type { OrgRow, PackageRow } from '../db/schema.js';
import type { AccessService } from './access.js';
import type { AccountsService } from './accounts.js';
import type { AuditService } from './audit.js';
import { isoNow, type Clock } from './clock.js';
import type { PackageEvents } from './package-events.js';
import { appendRecord } from './transparency-log.js';

export interface PackageAdminDeps {
  db: Db;
  clock: Clock;
  accounts: AccountsService;
  access: AccessService;
  audit: AuditService;
  events: PackageEvents;
}

/** Changes to published packages that are not publishes: yanking versions, deprecating and setting visibility. */
export function createPackageAdminService({ db, clock, accounts, access, audit, events }: PackageAdminDeps) {
  async function packageIn(org: OrgRow, name: PackageName): Promise<PackageRow> {
    const pkg = await db.selectFrom('packages').selectAll().where('org_id', '=', org.id).where('name', '=', name).executeTakeFirst();
    if (!pkg) throw new FlockError('not_found', `Package ${org.name}/${name} not found`);
    return pkg;
  }

  /**
   * Marks a version yanked (or not): it stays downloadable, but resolvers never choose it anew. Needs the yank scope.
   * The reason (shown to whoever installs it) is replaced by each yank and cleared by an unyank.
   */
  async function setYanked(input: { principal: Principal; org: OrgName; name: PackageName; version: Version; yanked: boolean; reason?: Note | null }): Promise<void> {
    // Membership, not canRead: a member's token without the read scope may still yank.
    const { org, pkg } = await access.requirePackageRole(input.principal, input.org, input.name, 'member', 'yank');
    // The audit row stands or falls with the change it records.
    await db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('versions')
        .set({ yanked: input.yanked ? 1 : 0, yank_reason: input.yanked ? (input.reason ?? null) : null })
        .where('package_id', '=', pkg.id)
        .where('version', '=', input.version)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw new FlockError('not_found', `Version ${input.org}/${input.name}@${input.version} not found`);
      const subject = `${org.name}/${pkg.name}@${input.version}`;
      await audit.record({
        principal: input.principal, action: input.yanked ? 'yank' : 'unyank', orgId: org.id, subject,
        details: { package: pkg.name, version: input.version, ...(input.yanked ? { reason: input.reason ?? null } : {}) },
      }, trx);
      const { checksum } = await trx.selectFrom('versions').select('checksum').where('package_id', '=', pkg.id).where('version', '=', input.version).executeTakeFirstOrThrow();
      await appendRecord(trx, {
        event: input.yanked ? 'yank' : 'unyank', packageId: pkg.id, package: `${org.name}/${pkg.name}`, version: input.version, archive: checksum,
        time: isoNow(clock), private: pkg.visibility === 'private',
      });
    });
    await events.changed({ org: org.name, name: pkg.name, packageId: pkg.id });
  }

  /**
   * Deprecates a package with a message (or clears it with null): every install of it then warns.
   * Org owners, as for visibility: it speaks for the package as a whole, not for one version.
   */
  async function setDeprecation(input: { principal: Principal; org: OrgName; name: PackageName; message: Note | null }): Promise<void> {
    const { org, pkg } = await access.requirePackageRole(input.principal, input.org, input.name, 'owner', 'publish');
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('packages').set({ deprecation: input.message, updated_at: isoNow(clock) }).where('id', '=', pkg.id).execute();
      const subject = `${org.name}/${pkg.name}`;
      await audit.record({ principal: input.principal, action: input.message === null ? 'undeprecate' : 'deprecate', orgId: org.id, subject }, trx);
    });
    await events.changed({ org: org.name, name: pkg.name, packageId: pkg.id });
  }

  /** Names of public packages whose versions depend on `key` ("org/name"). */
  async function publicDependents(key: string): Promise<string[]> {
    const rows = await db
      .selectFrom('versions')
      .innerJoin('packages', 'packages.id', 'versions.package_id')
      .innerJoin('orgs', 'orgs.id', 'packages.org_id')
      .select(['orgs.name as org', 'packages.name as name', 'versions.dependencies'])
      .where('packages.visibility', '=', 'public')
      .where('versions.dependencies', 'like', `%${JSON.stringify(key)}%`)
      .execute();
    const names = rows.filter((r) => key in (JSON.parse(r.dependencies) as Record<string, string>)).map((r) => `${r.org}/${r.name}`);
    return [...new Set(names)].sort();
  }

  /** Private packages that some version of `pkg` depends on. */
  async function privateDependencies(pkg: PackageRow): Promise<string[]> {
    const rows = await db.selectFrom('versions').select('dependencies').where('package_id', '=', pkg.id).execute();
    const keys = [...new Set(rows.flatMap((r) => Object.keys(JSON.parse(r.dependencies) as Record<string, string>)))];
    const found: string[] = [];
    for (const key of keys) {
      const [org, name] = key.split('/');
      const dep = await db
        .selectFrom('packages')
        .innerJoin('orgs', 'orgs.id', 'packages.org_id')
        .select('packages.visibility')
        .where('orgs.name', '=', org!)
        .where('packages.name', '=', name!)
        .executeTakeFirst();
      if (dep?.visibility === 'private') found.push(key);
    }
    return found.sort();
  }

  /** Org owners only. A public package may not depend on a private one, in either direction of the change. */
  async function setVisibility(input: { principal: Principal; org: OrgName; name: PackageName; visibility: PackageRow['visibility'] }): Promise<void> {
    const org = await access.requireRole(input.principal, await accounts.findOrg(input.org), 'owner', 'publish');
    const pkg = await packageIn(org, input.name);
    if (pkg.visibility === input.visibility) return;
    const key = `${org.name}/${pkg.name}`;
    const blockers = input.visibility === 'private' ? await publicDependents(key) : await privateDependencies(pkg);
    if (blockers.length > 0) {
      const why = input.visibility === 'private' ? `public packages depend on it: ${blockers.join(', ')}` : `it depends on private packages: ${blockers.join(', ')}`;
      throw new FlockError('conflict', `${key} cannot become ${input.visibility}: ${why}`);
    }
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('packages').set({ visibility: input.visibility, updated_at: isoNow(clock) }).where('id', '=', pkg.id).execute();
      await audit.record({ principal: input.principal, action: 'visibility', orgId: org.id, subject: `${key} (${input.visibility})`, details: { package: pkg.name, visibility: input.visibility } }, trx);
      // Hidden when the package is private after the change: going private names nothing to outsiders.
      await appendRecord(trx, {
        event: 'visibility', packageId: pkg.id, package: key, visibility: input.visibility, time: isoNow(clock), private: input.visibility === 'private',
      });
    });
    await events.changed({ org: org.name, name: pkg.name, packageId: pkg.id });
  }

  return { setYanked, setDeprecation, setVisibility };
}

export type PackageAdminService = ReturnType<typeof createPackageAdminService>;
