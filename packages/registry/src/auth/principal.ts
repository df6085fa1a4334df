// manage: the account's tokens, new orgs, memberships and org stores. A leaked CI token must not
// be able to mint more tokens, add its holder to an org or point an org's archives elsewhere.
export const SCOPES = ['publish', 'yank', 'read', 'manage'] as const;
export type Scope = (typeof SCOPES)[number];

/** What a token gets when no scopes are named: never manage, which is granted only when asked for by name. */
export const DEFAULT_SCOPES: readonly Scope[] = ['publish', 'yank', 'read'];

/** Who is making a request, once authenticated. */
export interface Principal {
  userId: string;
  username: string;
  /** Null for a browser session, which may do what the user may do. */
  token: { id: string; name: string; scopes: Scope[]; orgIds: string[] | null; expiresAt?: string | null } | null;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.token === null || principal.token.scopes.includes(scope);
}
