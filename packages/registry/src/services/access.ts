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

  return { requirePublish, requireScope, isMember, canRead };
}

export type AccessService = ReturnType<typeof createAccessService>;
