import { randomUUID } from 'node:crypto';
import { FlockError, formatClaimRules, type OrgName, type PackageName, type TrustedPublisherDto, type TrustedPublisherInput } from '@flock/core';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/connect.js';
import type { OrgRow, TrustedPublisherRow } from '../db/schema.js';
import type { AccessService } from './access.js';
import type { AccountsService } from './accounts.js';
import type { AuditService } from './audit.js';
import { isoNow, type Clock } from './clock.js';

export interface TrustedPublishersDeps {
  db: Db;
  clock: Clock;
  accounts: AccountsService;
  access: AccessService;
  audit: AuditService;
  /** Told when a publisher is removed, after its unused short-lived tokens were expired. */
  onRemoved?: (publisherId: string) => void | Promise<void>;
}

/** At most this many live trusted publishers per org: each is checked on every exchange for its issuer. */
export const MAX_PUBLISHERS_PER_ORG = 100;

/**
 * Trusted publishers: OIDC identities (issuer, audience, claim rules) allowed
 * to publish into an org or one package of it without a long-lived token.
 * Who may publish is org administration: owners, with a session or a manage token.
 */
export function createTrustedPublishersService({ db, clock, accounts, access, audit, onRemoved }: TrustedPublishersDeps) {
  async function requireOwner(principal: Principal, orgName: OrgName): Promise<OrgRow> {
    return access.requireRole(principal, await accounts.findOrg(orgName), 'owner', 'manage');
  }

  async function toDto(org: OrgRow, rows: TrustedPublisherRow[]): Promise<TrustedPublisherDto[]> {
    const names = [...new Set(rows.map((r) => r.package_name).filter((n): n is string => n !== null))];
    const existing = names.length === 0 ? [] : await db.selectFrom('packages').select('name').where('org_id', '=', org.id).where('name', 'in', names).execute();
    const exists = new Set(existing.map((p) => p.name));
    const userIds = [...new Set(rows.map((r) => r.created_by))];
    const users = userIds.length === 0 ? [] : await db.selectFrom('users').select(['id', 'username']).where('id', 'in', userIds).execute();
    const usernames = new Map(users.map((u) => [u.id, u.username]));
    return rows.map((r) => ({
      id: r.id, org: org.name, package: r.package_name, issuer: r.issuer, audience: r.audience,
      claims: JSON.parse(r.claims) as Record<string, string>, createdBy: usernames.get(r.created_by) ?? '(deleted user)', createdAt: r.created_at,
      pending: r.package_name !== null && !exists.has(r.package_name),
    }));
  }

  /** The org's live publishers (all, or those that cover `pkg`: its own and the org-wide ones). */
  async function liveRows(orgId: string, pkg?: PackageName): Promise<TrustedPublisherRow[]> {
    let query = db.selectFrom('trusted_publishers').selectAll().where('org_id', '=', orgId).where('removed_at', 'is', null);
    if (pkg !== undefined) query = query.where((eb) => eb.or([eb('package_name', 'is', null), eb('package_name', '=', pkg)]));
    return query.orderBy('created_at').orderBy('id').execute();
  }

  async function add(principal: Principal, orgName: OrgName, input: TrustedPublisherInput): Promise<TrustedPublisherDto> {
    const org = await requireOwner(principal, orgName);
    const live = await liveRows(org.id);
    if (live.length >= MAX_PUBLISHERS_PER_ORG) throw new FlockError('conflict', `${org.name} has ${live.length} trusted publishers; remove one first`);
    const claims = JSON.stringify(input.claims);
    const same = live.find((r) => r.package_name === input.package && r.issuer === input.issuer && r.audience === input.audience && r.claims === claims);
    if (same) throw new FlockError('conflict', 'That trusted publisher is already registered');
    const row: TrustedPublisherRow = {
      id: randomUUID(), org_id: org.id, package_name: input.package, issuer: input.issuer, audience: input.audience,
      claims, created_by: principal.userId, created_at: isoNow(clock), removed_at: null,
    };
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('trusted_publishers').values(row).execute();
      await audit.record({ principal, action: 'trust.add', orgId: org.id, subject: describe(org.name, row) }, trx);
    });
    return (await toDto(org, [row]))[0]!;
  }

  /** Owners only: the list says exactly which CI identities can publish. */
  async function list(principal: Principal, orgName: OrgName, pkg?: PackageName): Promise<TrustedPublisherDto[]> {
    const org = await access.requireRole(principal, await accounts.findOrg(orgName), 'owner');
    return toDto(org, await liveRows(org.id, pkg));
  }

  /** Removal is at once: the publisher's unused short-lived tokens expire with it. */
  async function remove(principal: Principal, orgName: OrgName, id: string): Promise<void> {
    const org = await requireOwner(principal, orgName);
    const row = await db.selectFrom('trusted_publishers').selectAll().where('id', '=', id).where('org_id', '=', org.id).where('removed_at', 'is', null).executeTakeFirst();
    if (!row) throw new FlockError('not_found', 'No such trusted publisher');
    const now = isoNow(clock);
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('trusted_publishers').set({ removed_at: now }).where('id', '=', row.id).execute();
      await trx.updateTable('oidc_tokens').set({ expires_at: now }).where('publisher_id', '=', row.id).where('expires_at', '>', now).execute();
      await audit.record({ principal, action: 'trust.remove', orgId: org.id, subject: describe(org.name, row) }, trx);
    });
    await onRemoved?.(row.id);
  }

  /** For the exchange: the live publishers with this issuer that cover `pkg` of `orgId`. */
  async function candidates(orgId: string, pkg: PackageName, issuer: string): Promise<TrustedPublisherRow[]> {
    return (await liveRows(orgId, pkg)).filter((r) => r.issuer === issuer);
  }

  /** Is there a live publisher with this issuer anywhere? Only then is its discovery document ever fetched. */
  async function issuerKnown(issuer: string): Promise<boolean> {
    const row = await db.selectFrom('trusted_publishers').select('id').where('issuer', '=', issuer).where('removed_at', 'is', null).executeTakeFirst();
    return row !== undefined;
  }

  return { add, list, remove, candidates, issuerKnown, liveRows, toDto };
}

/** "acme/palette from https://issuer (repository=acme/palette)" for the audit log and pages. */
export function describe(orgName: string, row: Pick<TrustedPublisherRow, 'package_name' | 'issuer' | 'claims'>): string {
  const rules = formatClaimRules(JSON.parse(row.claims) as Record<string, string>);
  return `${orgName}/${row.package_name ?? '*'} from ${row.issuer} (${rules})`;
}

export type TrustedPublishersService = ReturnType<typeof createTrustedPublishersService>;
