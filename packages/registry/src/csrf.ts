import { timingSafeEqual } from 'node:crypto';
import { getCookie } from 'hono/cookie';
import type { MiddlewareHandler } from 'hono';
import { FlockError } from '@flock/core';
import { SESSION_COOKIE, isFormBody, wantsJson, type AppEnv } from './http.js';

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function forged(): FlockError {
  return new FlockError('forbidden', 'Cross-site request refused: reload the page and try again');
}

/**
 * The defence against cross-site requests, for every state-changing request a
 * browser could be tricked into sending (bearer tokens are never sent by a
 * browser on its own, so those requests pass):
 * - an Origin (or, lacking it, Referer) header naming another site is refused;
 * - with a session cookie, a page's form must carry the session's CSRF token,
 *   and an API call (whatever its content type) must carry it in X-CSRF-Token
 *   or come with a same-origin Origin.
 * Forged requests get 403.
 */
export function csrfGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!UNSAFE.has(c.req.method) || c.req.header('authorization') !== undefined) return next();
    const allowed = new Set([new URL(c.var.publicUrl).origin, new URL(c.req.url).origin]);
    const origin = c.req.header('origin');
    const referer = c.req.header('referer');
    const claimed = origin ?? (referer ? URL.canParse(referer) ? new URL(referer).origin : 'invalid' : undefined);
    if (claimed !== undefined && !allowed.has(claimed)) throw forged();
    const session = getCookie(c, SESSION_COOKIE);
    if (session === undefined) return next();
    const expected = c.var.services.sessions.csrfToken(session);
    const header = c.req.header(CSRF_HEADER);
    if (header !== undefined) {
      if (!sameString(header, expected)) throw forged();
      return next();
    }
    // Only pages take forms. A form sent to the API is held to the JSON rule below and left unread
    // here: the route reads the body itself (reading it here would leave it nothing to read).
    if (isFormBody(c) && !wantsJson(c.req.path)) {
      const field = (await c.req.parseBody())[CSRF_FIELD];
      if (typeof field !== 'string' || !sameString(field, expected)) throw forged();
      return next();
    }
    // A JSON call from our own pages' scripts: the browser's Origin header is the proof.
    if (origin === undefined) throw forged();
    return next();
  };
}
