import { hashToken } from '../auth/tokens.js';
import type { Principal } from '../auth/principal.js';
import type { AccountsService, Role } from './accounts.js';
import type { Clock } from './clock.js';
import { TtlCache } from './ttl-cache.js';
import type { TokensService } from './tokens.js';

export interface AuthCacheDeps {
  tokens: Pick<TokensService, 'authenticate'>;
  accounts: Pick<AccountsService, 'roleOf'>;
  clock: Clock;
  /** How long a token's principal and a membership are trusted without asking the database. */
  ttlMs?: number;
  maxEntries?: number;
}

/**
 * Keeps the hot read path (the sparse index, downloads) free of database
 * queries: a token's principal and a user's role in an org are remembered for a
 * few seconds. Keys are the token's SHA-256, never the secret. Whatever revokes
 * a token or changes a membership calls `invalidateToken` / `clear` so the
 * change takes effect at once rather than after the TTL.
 */
export function createAuthCache({ tokens, accounts, clock, ttlMs = 5_000, maxEntries = 10_000 }: AuthCacheDeps) {
  const now = () => clock().getTime();
  const principals = new TtlCache<string, Principal>(ttlMs, maxEntries, now);
  const roles = new TtlCache<string, Role | null>(ttlMs, maxEntries, now);

  /** The principal behind `token`; throws "Invalid token" as tokens.authenticate does (failures are not cached). */
  async function principal(token: string): Promise<Principal> {
    const key = hashToken(token);
    const cached = principals.get(key);
    if (cached !== undefined) return cached;
    const fresh = await tokens.authenticate(token);
    // Never trusted past the token's own expiry, however long the TTL.
    const expiresAt = fresh.token?.expiresAt ? Date.parse(fresh.token.expiresAt) : Infinity;
    principals.set(key, fresh, expiresAt);
    return fresh;
  }

  async function roleOf(orgId: string, userId: string): Promise<Role | null> {
    const key = `${orgId}\n${userId}`;
    const cached = roles.get(key);
    if (cached !== undefined) return cached;
    const fresh = await accounts.roleOf(orgId, userId);
    roles.set(key, fresh);
    return fresh;
  }

  /** The cached principal for `token`, or undefined when it must be looked up (no database access here). */
  function peekPrincipal(token: string): Principal | undefined {
    return principals.get(hashToken(token));
  }

  /** The cached role, or undefined when it must be looked up. */
  function peekRole(orgId: string, userId: string): Role | null | undefined {
    return roles.get(`${orgId}\n${userId}`);
  }

  /** Forget one token, by the SHA-256 hex stored in tokens.token_hash (call on revoke or rotate). */
  function invalidateToken(tokenHash: string): void {
    principals.delete(tokenHash);
  }

  /** Forget everything (call on any membership change, or when unsure). */
  function clear(): void {
    principals.clear();
    roles.clear();
  }

  return { principal, roleOf, peekPrincipal, peekRole, invalidateToken, clear };
}

export type AuthCache = ReturnType<typeof createAuthCache>;
