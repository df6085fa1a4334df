import type { MiddlewareHandler } from 'hono';
import { wantsJson, type AppEnv } from './http.js';
import { errorPage } from './routes/web/layout.js';
import { READ_ONLY_RETRY_AFTER_SECONDS } from './services/registry-settings.js';

/** GETs that write: starting and finishing a GitHub sign-in (an OAuth state row, then a session). */
const WRITING_GETS = new Set(['/login/github', '/auth/github/callback']);
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * While the registry is read-only (FLOCK_READ_ONLY, or `flock-registry read-only on`), every
 * write — API calls, page forms, sign-in, the device flow, the OIDC exchange — is answered
 * 503 with Retry-After here, before any route runs; reads, the index, downloads and the log
 * go on. Only writes ask the (briefly cached) setting, so reads cost nothing extra.
 */
export function refuseWritesWhenReadOnly(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (READS.has(c.req.method) && !WRITING_GETS.has(c.req.path)) return next();
    const state = await c.var.services.settings.readOnly();
    if (state === null) return next();
    const message = `The registry is read-only: ${state.message}`;
    c.header('retry-after', String(READ_ONLY_RETRY_AFTER_SECONDS));
    if (wantsJson(c.req.path)) return c.json({ error: message }, 503);
    return c.html(errorPage('The registry is read-only', message), 503);
  };
}
