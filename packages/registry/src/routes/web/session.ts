import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Principal } from '../../auth/principal.js';
import { SESSION_COOKIE, authenticate, type AppContext } from '../../http.js';

export interface PageSession {
  principal: Principal;
  /** The CSRF token every form of this session carries. */
  csrf: string;
}

/** Signs the browser in: an HttpOnly, SameSite=Lax cookie holding a secret whose hash is the session's key. */
export async function startSession(c: AppContext, principal: Principal): Promise<void> {
  const { secret, expiresAt } = await c.var.services.sessions.create(principal.userId);
  setCookie(c, SESSION_COOKIE, secret, { httpOnly: true, sameSite: 'Lax', secure: c.var.auth.secureCookies, path: '/', expires: expiresAt });
}

export async function endSession(c: AppContext): Promise<void> {
  const secret = getCookie(c, SESSION_COOKIE);
  if (secret) await c.var.services.sessions.revoke(secret);
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: c.var.auth.secureCookies });
}

/** The signed-in browser user of a page, or null. Pages never take a bearer token. */
export async function pageSession(c: AppContext): Promise<PageSession | null> {
  const secret = getCookie(c, SESSION_COOKIE);
  if (!secret || c.req.header('authorization') !== undefined) return null;
  const principal = await authenticate(c);
  return principal ? { principal, csrf: c.var.services.sessions.csrfToken(secret) } : null;
}

export function loginRedirect(c: AppContext): Response {
  const url = new URL(c.req.url);
  return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
}
