import { z } from 'zod';
import { FlockError, type OrgName, type PackageName } from '@flock/core';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/connect.js';
import type { AccessService } from './access.js';
import type { AccountsService } from './accounts.js';
import type { AuditService } from './audit.js';

/** An org's publishing settings (GET/PUT /api/v1/orgs/:org/settings). */
export interface OrgSettingsDto {
  /** Only trusted publishers may publish into the org: token and session publishes are refused. */
  trustedPublishingOnly: boolean;
  /** Unusual publishes wait for an owner's approval instead of becoming visible. */
  holdUnusual: boolean;
}

/** A package's (GET/PUT /api/v1/packages/:org/:name/settings); the org's setting applies on top. */
export interface PackageSettingsDto {
  trustedPublishingOnly: boolean;
  orgTrustedPublishingOnly: boolean;
}

const orgSettingsInput = z.strictObject({ trustedPublishingOnly: z.boolean().optional(), holdUnusual: z.boolean().optional() });
const packageSettingsInput = z.strictObject({ trustedPublishingOnly: z.boolean() });

function parse<T>(schema: z.ZodType<T>, value: unknown, example: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new FlockError('bad_request', `Expected a JSON body like ${example}`);
  return result.data;
}

export const parseOrgSettingsInput = (value: unknown) => parse(orgSettingsInput, value, '{"trustedPublishingOnly":true,"holdUnusual":true}');
export const parsePackageSettingsInput = (value: unknown) => parse(packageSettingsInput, value, '{"trustedPublishingOnly":true}');

const flag = (on: boolean | undefined) => (on === undefined ? undefined : on ? 1 : 0);

/**
 * Who may publish and how carefully: members read the settings, owners change
 * them with a session or a manage token (like trusted publishers, they decide
 * which credentials count).
 */
export function createPublishSettingsService({ db, accounts, access, audit }: { db: Db; accounts: AccountsService; access: AccessService; audit: AuditService }) {
  async function orgSettings(principal: Principal, orgName: OrgName): Promise<OrgSettingsDto> {
    const org = await access.requireRole(principal, await accounts.findOrg(orgName), 'member');
    return { trustedPublishingOnly: org.trusted_publishing_only === 1, holdUnusual: org.hold_unusual === 1 };
  }

  async function setOrgSettings(principal: Principal, orgName: OrgName, input: z.infer<typeof orgSettingsInput>): Promise<OrgSettingsDto> {
    const org = await access.requireRole(principal, await accounts.findOrg(orgName), 'owner', 'manage');
    const changes = { trusted_publishing_only: flag(input.trustedPublishingOnly), hold_unusual: flag(input.holdUnusual) };
    if (changes.trusted_publishing_only !== undefined || changes.hold_unusual !== undefined) {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('orgs').set(changes).where('id', '=', org.id).execute();
        const said = Object.entries(input).map(([k, v]) => `${k}=${v}`).join(', ');
        await audit.record({ principal, action: 'settings', orgId: org.id, subject: `${org.name} (${said})` }, trx);
      });
    }
    return orgSettings(principal, orgName);
  }

  // Members read a package's settings; owners with a session or a manage token change them.
  const packageOf = (principal: Principal, orgName: OrgName, name: PackageName, role: 'member' | 'owner') =>
    access.requirePackageRole(principal, orgName, name, role, role === 'owner' ? 'manage' : undefined);

  async function packageSettings(principal: Principal, orgName: OrgName, name: PackageName): Promise<PackageSettingsDto> {
    const { org, pkg } = await packageOf(principal, orgName, name, 'member');
    return { trustedPublishingOnly: pkg.trusted_publishing_only === 1, orgTrustedPublishingOnly: org.trusted_publishing_only === 1 };
  }

  async function setPackageSettings(principal: Principal, orgName: OrgName, name: PackageName, input: z.infer<typeof packageSettingsInput>): Promise<PackageSettingsDto> {
    const { org, pkg } = await packageOf(principal, orgName, name, 'owner');
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('packages').set({ trusted_publishing_only: input.trustedPublishingOnly ? 1 : 0 }).where('id', '=', pkg.id).execute();
      await audit.record({ principal, action: 'settings', orgId: org.id, subject: `${org.name}/${pkg.name} (trustedPublishingOnly=${input.trustedPublishingOnly})` }, trx);
    });
    return packageSettings(principal, orgName, name);
  }

  return { orgSettings, setOrgSettings, packageSettings, setPackageSettings };
}

export type PublishSettingsService = ReturnType<typeof createPublishSettingsService>;
