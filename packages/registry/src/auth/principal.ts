export const SCOPES = ['publish', 'yank', 'read'] as const;
export type Scope = (typeof SCOPES)[number];

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
