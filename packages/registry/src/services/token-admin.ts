import { FlockError, type NewTokenDto, type TokenDto } from '@flock/core';
import type { Principal, Scope } from '../auth/principal.js';
import type { TokenRow } from '../db/schema.js';
import type { AccessService } from './access.js';
import type { AccountsService } from './accounts.js';
import type { AuditService, EventDetails } from './audit.js';
import type { Clock } from './clock.js';
import type { TokensService } from './tokens.js';

export interface TokenAdminDeps {
  tokens: TokensService;
  accounts: AccountsService;
  access: AccessService;
  audit: AuditService;
  clock: Clock;
}

export interface CreateTokenRequest {
  name: string;
  scopes: Scope[];
  /** Org names to restrict the token to; empty or absent for all of the user's orgs. */
  orgs?: string[];
  expiresAt?: Date | null;
}

/**
 * What the account page, the JSON API and `flock token` do with a user's tokens,
 * audited. Each needs a browser session or an unrestricted manage token
 * (access.requireAccountAdmin): a CI token cannot see or mint its siblings.
 */
/**
 * A token belongs to a user, not an org: its events go to the orgs it is restricted to,
 * or, for an unrestricted token, to the user's personal org (resolved by services/webhooks.ts).
 */
export function tokenEvent(row: TokenRow): { details: EventDetails; eventOrgIds: string[] } {
  const orgIds = row.org_ids === null ? [] : (JSON.parse(row.org_ids) as string[]);
  return {
    details: { token: row.name, scopes: row.scopes.split(','), restricted: orgIds.length > 0, expiresAt: row.expires_at },
    eventOrgIds: orgIds,
  };
}

export function createTokenAdminService({ tokens, accounts, access, audit, clock }: TokenAdminDeps) {
  async function toDtos(userId: string, rows: TokenRow[]): Promise<TokenDto[]> {
    const names = new Map((await accounts.orgsOf(userId)).map((o) => [o.id, o.name]));
    const now = clock();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      scopes: row.scopes.split(','),
      // An org the user has since left shows as "(left)" rather than vanishing, so the restriction stays visible.
      orgs: row.org_ids === null ? null : (JSON.parse(row.org_ids) as string[]).map((id) => names.get(id) ?? '(left)'),
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      expiresAt: row.expires_at,
      expired: row.expires_at !== null && new Date(row.expires_at) <= now,
    }));
  }

  async function list(principal: Principal): Promise<TokenDto[]> {
    access.requireAccountAdmin(principal);
    return toDtos(principal.userId, await tokens.list(principal.userId));
  }

  async function resolveOrgs(principal: Principal, orgs: string[] | undefined): Promise<string[] | null> {
    if (!orgs || orgs.length === 0) return null;
    const mine = await accounts.orgsOf(principal.userId);
    return [...new Set(orgs)].map((name) => {
      const org = mine.find((o) => o.name === name);
      if (!org) throw new FlockError('not_member', `Not a member of this organization: ${name}`);
      return org.id;
    });
  }

  async function create(principal: Principal, request: CreateTokenRequest): Promise<NewTokenDto> {
    access.requireAccountAdmin(principal);
    if (request.scopes.length === 0) throw new FlockError('bad_request', 'A token needs at least one scope');
    if (request.expiresAt && request.expiresAt <= clock()) throw new FlockError('bad_request', 'The expiry date must be in the future');
    const orgIds = await resolveOrgs(principal, request.orgs);
    access.requireTokenGrant(principal, { scopes: request.scopes, orgIds });
    const created = await tokens.create(
      { userId: principal.userId, name: request.name, scopes: request.scopes, orgIds, expiresAt: request.expiresAt ?? null },
      (trx, row) => audit.record({ principal, action: 'token.create', subject: row.name, ...tokenEvent(row) }, trx),
    );
    return { token: created.token, info: (await toDtos(principal.userId, [created.row]))[0]! };
  }

  async function revoke(principal: Principal, tokenId: string): Promise<TokenDto> {
    access.requireAccountAdmin(principal);
    const row = await tokens.revoke(principal.userId, tokenId, (trx, row) => audit.record({ principal, action: 'token.revoke', subject: row.name, ...tokenEvent(row) }, trx));
    return (await toDtos(principal.userId, [row]))[0]!;
  }

  /** Revokes the token the request came with; any token may end itself, whatever its scopes. */
  async function revokeCurrent(principal: Principal): Promise<TokenDto> {
    if (principal.token === null) throw new FlockError('bad_request', 'Only a token can revoke itself: send it as "Authorization: Bearer flock_…"');
    const row = await tokens.revoke(principal.userId, principal.token.id, (trx, row) => audit.record({ principal, action: 'token.revoke', subject: row.name, ...tokenEvent(row) }, trx));
    return (await toDtos(principal.userId, [row]))[0]!;
  }

  async function rotate(principal: Principal, tokenId: string): Promise<NewTokenDto> {
    access.requireAccountAdmin(principal);
    const current = await tokens.find(principal.userId, tokenId);
    access.requireTokenGrant(principal, { scopes: current.scopes.split(',') as Scope[], orgIds: current.org_ids === null ? null : (JSON.parse(current.org_ids) as string[]) });
    const rotated = await tokens.rotate(principal.userId, tokenId, (trx, row) => audit.record({ principal, action: 'token.rotate', subject: row.name, ...tokenEvent(row) }, trx));
    return { token: rotated.token, info: (await toDtos(principal.userId, [rotated.row]))[0]! };
  }

  return { list, create, revoke, revokeCurrent, rotate };
}

export type TokenAdminService = ReturnType<typeof createTokenAdminService>;
