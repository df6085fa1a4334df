import { FlockError, MANAGE_REFUSAL, RESTRICTED_ACCOUNT_REFUSAL } from '@flock/core';
import { hasScope, type Principal, type Scope } from '../auth/principal.js';
import type { OrgRow, PackageRow } from '../db/schema.js';
import type { AccountsService, Role } from './accounts.js';

export interface AccessDeps {
  accounts: AccountsService;
  /** Membership lookup for reads; the auth cache's, so the hot read path asks the database at most once per TTL. */
  readRoleOf?: (orgId: string, userId: string) => Promise<Role | null>;
  /** The same membership if it is known without a lookup (undefined otherwise), for the synchronous index path. */
  peekReadRole?: (orgId: string, userId: string) => Role | null | undefined;
}

/**
 * The one place that decides who may do what. API routes, the index, downloads
 * and pages all ask here, so a rule cannot hold in one and leak in another.
 */
export function createAccessService({ accounts, readRoleOf = accounts.roleOf, peekReadRole = () => undefined }: AccessDeps) {
  function tokenAllowsOrg(principal: Principal, orgId: string): boolean {
    return principal.token?.orgIds == null || principal.token.orgIds.includes(orgId);
  }

  function requireScope(principal: Principal, scope: Scope): void {
    if (!hasScope(principal, scope)) {
      throw new FlockError('forbidden', scope === 'manage' ? MANAGE_REFUSAL : `This token does not have the ${scope} scope`);
    }
  }

  /**
   * Throws unless `principal` may manage the account itself: list, mint, revoke
   * and rotate its tokens, create orgs. A browser session may; a token needs the
   * manage scope and no org restriction, since the account lies outside every org.
   */
  function requireAccountAdmin(principal: Principal): void {
    requireScope(principal, 'manage');
    if (principal.token?.orgIds != null) throw new FlockError('forbidden', RESTRICTED_ACCOUNT_REFUSAL);
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

  /** Public packages are for everyone; a private one only for its org's members, with a read-scoped token. */
  async function canRead(principal: Principal | null, pkg: Pick<PackageRow, 'visibility' | 'org_id'>): Promise<boolean> {
    if (pkg.visibility === 'public') return true;
    if (principal === null || !hasScope(principal, 'read') || !tokenAllowsOrg(principal, pkg.org_id)) return false;
    return (await readRoleOf(pkg.org_id, principal.userId)) !== null;
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

  /**
   * A package mirrored from the upstream (services/mirror.ts): public ones for everyone; a private
   * one (read upstream with its org's token, set by the operator) for any account of this registry
   * with a read-scoped token not restricted to some orgs. Its org has no members here: local orgs
   * cannot shadow upstream ones. docs/operating.md says so.
   */
  function canReadMirrored(principal: Principal | null, isPrivate: boolean): boolean {
    if (!isPrivate) return true;
    return principal !== null && hasScope(principal, 'read') && principal.token?.orgIds == null;
  }

  /** canRead when it can be answered from memory; undefined when it needs a lookup (then call canRead). */
  function canReadNow(principal: Principal | null, pkg: Pick<PackageRow, 'visibility' | 'org_id'>): boolean | undefined {
    if (pkg.visibility === 'public') return true;
    if (principal === null || !hasScope(principal, 'read') || !tokenAllowsOrg(principal, pkg.org_id)) return false;
    const role = peekReadRole(pkg.org_id, principal.userId);
    return role === undefined ? undefined : role !== null;
  }

  /** The orgs whose private packages `principal` may read (search filters on these). */
  async function readableOrgIds(principal: Principal | null): Promise<string[]> {
    if (principal === null || !hasScope(principal, 'read')) return [];
    const orgs = await accounts.orgsOf(principal.userId);
    return orgs.map((o) => o.id).filter((id) => tokenAllowsOrg(principal, id));
  }

  /**
   * The role `principal` may act with in `org`: null for nobody, a non-member,
   * or a token restricted to other orgs (pages show owner and member views by this).
   */
  async function roleIn(principal: Principal | null, org: OrgRow): Promise<Role | null> {
    if (principal === null || !tokenAllowsOrg(principal, org.id)) return null;
    return accounts.roleOf(org.id, principal.userId);
  }

  /**
   * Throws unless `principal` has `role` in `org` (an owner satisfies "member"),
   * with a token allowed to act on that org and, when given, carrying `scope`.
   */
  async function requireRole(principal: Principal, org: OrgRow | undefined, role: Role, scope?: Scope): Promise<OrgRow> {
    const actual = org ? await accounts.roleOf(org.id, principal.userId) : null;
    if (!org || actual === null) throw new FlockError('not_member', 'Not a member of this organization');
    if (!tokenAllowsOrg(principal, org.id)) throw new FlockError('forbidden', `This token is not allowed to act on ${org.name}`);
    if (role === 'owner' && actual !== 'owner') throw new FlockError('forbidden', `Only an owner of ${org.name} can do that`);
    if (scope) requireScope(principal, scope);
    return org;
  }

  /**
   * The package `orgName/name` for someone acting on it with `role` (and `scope`). A private
   * package is not found for a non-member, exactly like one that does not exist, so the refusal
   * leaks nothing; membership, not canRead, decides (a member's token without read may still act).
   */
  async function requirePackageRole(principal: Principal, orgName: string, name: string, role: Role, scope?: Scope): Promise<{ org: OrgRow; pkg: PackageRow }> {
    const org = await accounts.findOrg(orgName);
    const pkg = org && (await accounts.findPackage(org.id, name));
    if (!pkg || (pkg.visibility === 'private' && (await roleIn(principal, org!)) === null)) {
      throw new FlockError('not_found', `Package ${orgName}/${name} not found`);
    }
    return { org: await requireRole(principal, org, role, scope), pkg };
  }

  return { requirePublish, requireScope, requireRole, requirePackageRole, requireAccountAdmin, requireTokenGrant, roleIn, canRead, canReadNow, canReadMirrored, readableOrgIds };
}

export type AccessService = ReturnType<typeof createAccessService>;
