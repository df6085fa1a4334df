import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { SESSION_COOKIE, type AppEnv } from './http.js';
import { COPY_SCRIPT } from './routes/web/account-page.js';
import { API_FILTER_SCRIPT } from './routes/web/api-page.js';
import { STYLE } from './routes/web/layout.js';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * The pages' policy. Scripts and styles run only if they are the registry's
 * own inline blocks, matched by hash (no inline attributes at all), so HTML
 * that slips past the README sanitizer still cannot run. Images may come from
 * anywhere over http(s): READMEs link them (the sanitizer allows exactly that).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${sha256(COPY_SCRIPT)} ${sha256(API_FILTER_SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "img-src 'self' https: http:",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The headers of every answer. One table rather than hono's secureHeaders:
 * the index's fast path and the HTTP parser's refusals answer in front of
 * Hono and must send exactly the same values. The policy is on every answer,
 * not only pages: on JSON and downloads it costs nothing and blocks everything.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  };
}

// Tokens, sessions, accounts and device sign-ins: a shown-once secret, a sign-in that sets a cookie.
const NEVER_STORED = /^\/(?:api\/v1\/(?:tokens|me|device)|account|device|login|signup|logout|auth)(?:\/|$)/;

/**
 * What must not be kept by a browser or a proxy: answers about tokens,
 * sessions and accounts are `no-store`, and an answer to a signed-in browser
 * (or a bearer token) that names no cache policy of its own is `private,
 * no-store`, since it may show the user's name or private packages. Public
 * answers keep the policy their route gave them.
 */
export function privateAnswers(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (NEVER_STORED.test(c.req.path)) c.res.headers.set('cache-control', 'no-store');
    else if (!c.res.headers.has('cache-control') && (getCookie(c, SESSION_COOKIE) !== undefined || c.req.header('authorization') !== undefined)) {
      c.res.headers.set('cache-control', 'private, no-store');
    }
  };
}
