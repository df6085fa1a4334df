import { FlockError } from '@flock/core';
import { hasScope, type Principal, type Scope } from '../auth/principal.js';
import type { OrgRow, PackageRow } from '../db/schema.js';
import type { AccountsService } from './accounts.js';

/**
 * The one place that decides who may do what. API routes, the index, downloads
 * and pages all ask here, so a rule cannot hold in one and leak in another.
 */
export function createAccessService({ accounts }: { accounts: AccountsService }) {
  function tokenAllowsOrg(principal: Principal, orgId: string): boolean {
    return principal.token?.orgIds == null || principal.token.orgIds.includes(orgId);
  }

  function requireScope(principal: Principal, scope: Scope): void {
    if (!hasScope(principal, scope)) {
      throw new FlockError('forbidden', `This token does not have the ${scope} scope`);
    }
  }

  /** Throws unless `principal` may publish into `org`: a member, with a token scoped for it. */
  async function requirePublish(principal: Principal, org: OrgRow | undefined): Promise<OrgRow> {
    const role = org ? await accounts.roleOf(org.id, principal.userId) : null;
    if (!org || role === null) throw new FlockError('not_member', 'Not a member of this organization');
    requireScope(principal, 'publish');
    if (!tokenAllowsOrg(principal, org.id)) {
      throw new FlockError('forbidden', `This token is not allowed to publish to ${org.name}`);
    }
    return org;
  }

  /** Whether the user behind `principal` belongs to the org, whatever the token may do. */
  async function isMember(principal: Principal | null, orgId: string): Promise<boolean> {
    return principal !== null && (await accounts.roleOf(orgId, principal.userId)) !== null;
  }

  /** Public packages are for everyone; a private one only for its org's members, with a read-scoped token. */
  async function canRead(principal: Principal | null, pkg: PackageRow): Promise<boolean> {
    if (pkg.visibility === 'public') return true;
    if (principal === null || !hasScope(principal, 'read') || !tokenAllowsOrg(principal, pkg.org_id)) return false;
    return isMember(principal, pkg.org_id);
  }

  /**
   * Throws unless `principal` has at least `role` in `org` (owner > member).
   * A token restricted to other orgs cannot act on this one.
   */
  async function requireOrgRole(principal: Principal, org: OrgRow, role: 'owner' | 'member'): Promise<'owner' | 'member'> {
    const actual = await accounts.roleOf(org.id, principal.userId);
    if (actual === null) throw new FlockError('not_member', 'Not a member of this organization');
    if (!tokenAllowsOrg(principal, org.id)) throw new FlockError('forbidden', `This token is not allowed to act on ${org.name}`);
    if (role === 'owner' && actual !== 'owner') throw new FlockError('forbidden', `Only an owner of ${org.name} can do that`);
    return actual;
  }

  /**
   * A token may mint or rotate only tokens that can do no more than itself: no
   * scope it lacks, no org outside its restriction. A browser session may do all.
   */
  function requireTokenGrant(principal: Principal, grant: { scopes: Scope[]; orgIds: string[] | null }): void {
    const token = principal.token;
    if (token === null) return;
    const missing = grant.scopes.find((scope) => !token.scopes.includes(scope));
    if (missing) throw new FlockError('forbidden', `This token cannot grant the ${missing} scope it does not have`);
    if (token.orgIds !== null && (grant.orgIds === null || grant.orgIds.some((id) => !token.orgIds!.includes(id)))) {
      throw new FlockError('forbidden', 'This token cannot grant access to organizations outside its own restriction');
    }
  }

  return { requirePublish, requireScope, isMember, canRead, requireOrgRole, requireTokenGrant };
}

export type AccessService = ReturnType<typeof createAccessService>;
