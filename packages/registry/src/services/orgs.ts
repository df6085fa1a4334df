import { FlockError, type MemberDto } from '@flock/core';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/connect.js';
import type { OrgRow } from '../db/schema.js';
import type { AccessService } from './access.js';
import type { AccountsService, Role } from './accounts.js';
import type { AuditService } from './audit.js';

export interface OrgsDeps {
  db: Db;
  accounts: AccountsService;
  access: AccessService;
  audit: AuditService;
  /** Told after any membership change, so cached roles are dropped (on every replica); awaited. */
  onMembershipChanged?: () => void | Promise<void>;
}

/**
 * Shared organizations and their members, as their owners and members run them.
 * Every change is audited, and needs a browser session or a manage token: a
 * publish token that leaks must not be able to add its holder to an org.
 */
export function createOrgsService({ db, accounts, access, audit, onMembershipChanged }: OrgsDeps) {
  type AuditEntry = Parameters<AuditService['record']>[0];
  // Every change here is a membership change: audit it, then let caches know.
  async function recordChange(entry: AuditEntry): Promise<void> {
    await audit.record(entry);
    await onMembershipChanged?.();
  }

  async function create(principal: Principal, name: string): Promise<OrgRow> {
    access.requireAccountAdmin(principal);
    const org = await accounts.createOrg({ name, ownerId: principal.userId });
    await recordChange({ principal, action: 'org.create', orgId: org.id, subject: org.name });
    return org;
  }

  async function listMembers(orgId: string): Promise<MemberDto[]> {
    const rows = await db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.username', 'memberships.role', 'memberships.created_at'])
      .where('memberships.org_id', '=', orgId)
      .orderBy('users.username')
      .execute();
    return rows.map((r) => ({ username: r.username, role: r.role, since: r.created_at }));
  }

  /** The members, for members only: to anyone else the member list is not shown. */
  async function members(principal: Principal, orgName: string): Promise<MemberDto[]> {
    const org = await accounts.requireOrg(orgName);
    await access.requireRole(principal, org, 'member');
    return listMembers(org.id);
  }

  async function addMember(principal: Principal, input: { org: string; username: string; role: Role }): Promise<void> {
    const org = await accounts.requireOrg(input.org);
    await access.requireRole(principal, org, 'owner', 'manage');
    const user = await accounts.requireUser(input.username);
    if ((await accounts.roleOf(org.id, user.id)) !== null) throw new FlockError('conflict', `${user.username} is already a member of ${org.name}`);
    // The audit row (and the webhooks' outbox written with it) stands or falls with the membership.
    await db.transaction().execute(async (trx) => {
      await accounts.setMember({ orgId: org.id, userId: user.id, role: input.role }, trx);
      await audit.record({ principal, action: 'member.add', orgId: org.id, subject: `${user.username} (${input.role})`, details: { member: user.username, role: input.role } }, trx);
    });
    await onMembershipChanged?.();
  }

  /**
   * Changes a membership (a new role, or removal) unless that would leave the
   * org without an owner. The check, the change and its audit row share one transaction.
   */
  async function changeMembership(org: OrgRow, userId: string, change: Role | null, lastOwnerMessage: string, entry: AuditEntry): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('memberships').select('role').where('org_id', '=', org.id).where('user_id', '=', userId).executeTakeFirst();
      if (!row) throw new FlockError('not_found', `Not a member of ${org.name}`);
      if (row.role === 'owner' && change !== 'owner') {
        const owners = await trx.selectFrom('memberships').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', org.id).where('role', '=', 'owner').executeTakeFirstOrThrow();
        if (Number(owners.n) <= 1) throw new FlockError('forbidden', lastOwnerMessage);
      }
      if (change === null) await trx.deleteFrom('memberships').where('org_id', '=', org.id).where('user_id', '=', userId).execute();
      else await trx.updateTable('memberships').set({ role: change }).where('org_id', '=', org.id).where('user_id', '=', userId).execute();
      await audit.record(entry, trx);
    });
    await onMembershipChanged?.();
  }

  async function setRole(principal: Principal, input: { org: string; username: string; role: Role }): Promise<void> {
    const org = await accounts.requireOrg(input.org);
    await access.requireRole(principal, org, 'owner', 'manage');
    const user = await accounts.requireUser(input.username);
    await changeMembership(org, user.id, input.role, `${user.username} is the last owner of ${org.name}; make someone else an owner first`,
      { principal, action: 'member.role', orgId: org.id, subject: `${user.username} (${input.role})`, details: { member: user.username, role: input.role } });
  }

  async function removeMember(principal: Principal, input: { org: string; username: string }): Promise<void> {
    const org = await accounts.requireOrg(input.org);
    await access.requireRole(principal, org, 'owner', 'manage');
    const user = await accounts.requireUser(input.username);
    await changeMembership(org, user.id, null, `The last owner of ${org.name} cannot be removed`,
      { principal, action: 'member.remove', orgId: org.id, subject: user.username, details: { member: user.username } });
  }

  async function leave(principal: Principal, orgName: string): Promise<void> {
    const org = await accounts.requireOrg(orgName);
    await access.requireRole(principal, org, 'member', 'manage');
    await changeMembership(org, principal.userId, null, `The last owner of ${org.name} cannot leave; make someone else an owner first`,
      { principal, action: 'member.leave', orgId: org.id, subject: principal.username, details: { member: principal.username } });
  }

  /** The org's packages this principal may see (private ones only for members), with their newest version. */
  async function visiblePackages(principal: Principal | null, orgId: string) {
    const rows = await db.selectFrom('packages').selectAll().where('org_id', '=', orgId).orderBy('name').execute();
    const visible = [];
    for (const pkg of rows) {
      if (!(await access.canRead(principal, pkg))) continue;
      const versions = await db.selectFrom('versions').select(['version', 'yanked']).where('package_id', '=', pkg.id).orderBy('published_at', 'desc').execute();
      visible.push({ name: pkg.name, description: pkg.description, visibility: pkg.visibility, latest: versions.find((v) => v.yanked === 0)?.version ?? versions[0]?.version ?? null });
    }
    return visible;
  }

  return { create, visiblePackages, members, listMembers, addMember, setRole, removeMember, leave };
}

export type OrgsService = ReturnType<typeof createOrgsService>;
