import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { FlockError, type ErrorCode } from '@flock/core';
import type { AuthSettings } from './auth/settings.js';
import { csrfGuard } from './csrf.js';
import { limitFormBodies, wantsJson, type AppEnv } from './http.js';
import { observe, type Metrics } from './observability.js';
import { privateAnswers, securityHeaders } from './security-headers.js';
import { deviceRoutes } from './routes/api/device.js';
import { meRoutes } from './routes/api/me.js';
import { meAuditRoutes, orgAuditRoutes } from './routes/api/audit.js';
import { refuseWritesWhenReadOnly } from './read-only.js';
import { oidcRoutes } from './routes/api/oidc.js';
import { orgStoreRoutes } from './routes/api/org-store.js';
import { orgApiRoutes } from './routes/api/orgs.js';
import { trustedPublisherRoutes } from './routes/api/trusted-publishers.js';
import { orgEventRoutes, webhookRoutes } from './routes/api/webhooks.js';
import { heldVersionRoutes } from './routes/api/held-versions.js';
import { packageAdminRoutes } from './routes/api/package-admin.js';
import { packageRoutes } from './routes/api/packages.js';
import { publishersRoutes } from './routes/api/publishers.js';
import { searchRoutes } from './routes/api/search.js';
import { tokenRoutes } from './routes/api/tokens.js';
import { indexRoutes } from './routes/index.js';
import { logApiRoutes, logRoutes } from './routes/log.js';
import { metricsAccess } from './routes/metrics-access.js';
import { webRoutes } from './routes/web/index.js';
import { errorPage, notFoundPage } from './routes/web/layout.js';
import type { Services } from './services/index.js';

/** The one place where error codes become HTTP statuses. */
const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  invalid_name: 400,
  invalid_version: 400,
  invalid_manifest: 400,
  invalid_archive: 400,
  invalid_docs: 400,
  too_large: 413,
  unauthenticated: 401,
  invalid_token: 401,
  forbidden: 403,
  not_member: 403,
  not_found: 404,
  version_exists: 409,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
  bad_gateway: 502,
  internal: 500,
};

/** The status for a known error, for pages that answer a refused form with the page itself and the message. */
export function statusOf(error: unknown): ContentfulStatusCode | null {
  return error instanceof FlockError && error.code !== 'internal' ? STATUS[error.code] : null;
}

export interface AppDeps {
  services: Services;
  publicUrl: string;
  logger: Logger;
  metrics: Metrics;
  /** Whether the database and store answer, for /readyz. */
  ready: () => Promise<{ ok: boolean; checks: Record<string, string>; readOnly?: string }>;
  auth: AuthSettings;
  /** FLOCK_METRICS_TOKEN: see metricsAccess. */
  metricsToken?: string | undefined;
  /** FLOCK_LOG_ORIGIN: the transparency log's name; by default the public URL's host + "/log". */
  logOrigin?: string | undefined;
}

export function createApp({ services, publicUrl, logger, metrics, ready, auth, metricsToken, logOrigin }: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(observe({ logger, metrics }));
  app.use(securityHeaders(), privateAnswers());

  app.use(async (c, next) => {
    c.set('services', services);
    c.set('metrics', metrics);
    c.set('publicUrl', publicUrl);
    c.set('auth', auth);
    await next();
  });
  // Before anything reads a body: a read-only registry refuses every write as it arrives.
  app.use(refuseWritesWhenReadOnly());
  // Before the CSRF check, which reads forms.
  app.use(limitFormBodies());
  app.use(csrfGuard());

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', async (c) => {
    const result = await ready();
    return c.json(result, result.ok ? 200 : 503);
  });
  app.get('/metrics', metricsAccess(metricsToken), async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  app.route('/index', indexRoutes());
  // Before the pages: /log is the log's, never an org's page ("log" is a reserved org name).
  const origin = logOrigin ?? `${new URL(publicUrl).host}/log`;
  app.route('/log', logRoutes(() => origin));
  app.route('/api/v1/log', logApiRoutes(() => origin));
  // Admin first: PUT /:org/:name/deprecation would otherwise be taken for a publish of version "deprecation".
  app.route('/api/v1/packages', packageAdminRoutes());
  app.route('/api/v1/packages', publishersRoutes());
  // Also first: GET /:org/:name/held would otherwise be taken for version "held".
  app.route('/api/v1/packages', heldVersionRoutes());
  app.route('/api/v1/packages', packageRoutes());
  app.route('/api/v1/search', searchRoutes());
  app.route('/api/v1/me/audit', meAuditRoutes());
  app.route('/api/v1/me', meRoutes());
  app.route('/api/v1/orgs/:org/store', orgStoreRoutes());
  app.route('/api/v1/orgs/:org/audit', orgAuditRoutes());
  app.route('/api/v1/orgs/:org/trusted-publishers', trustedPublisherRoutes());
  app.route('/api/v1/orgs/:org/webhooks', webhookRoutes());
  app.route('/api/v1/orgs/:org/events', orgEventRoutes());
  app.route('/api/v1/tokens', tokenRoutes());
  app.route('/api/v1/oidc', oidcRoutes());
  app.route('/api/v1/device', deviceRoutes());
  app.route('/api/v1/orgs', orgApiRoutes());
  app.route('/', webRoutes());

  app.notFound((c) => (wantsJson(c.req.path) ? c.json({ error: 'Not found' }, 404) : c.html(notFoundPage('There is no page at this address.'), 404)));

  app.onError((error, c) => {
    const known = error instanceof FlockError && error.code !== 'internal';
    if (!known) {
      // Infrastructure failures are logged with their cause and answered without details.
      logger.error({ err: error, method: c.req.method, path: c.req.path }, 'request failed');
    } else if (error.code === 'unavailable') {
      // An outage is answered plainly; the operator sees its cause.
      logger.warn({ err: error.cause ?? error, method: c.req.method, path: c.req.path }, error.message);
    }
    const status = known ? STATUS[error.code] : 500;
    const message = known ? error.message : 'Internal server error';
    if (known && error.retryAfterSeconds !== undefined) c.header('retry-after', String(Math.max(1, error.retryAfterSeconds)));
    if (wantsJson(c.req.path)) return c.json({ error: message }, status);
    return c.html(status === 404 ? notFoundPage(message) : errorPage('Something went wrong', message), status);
  });

  return app;
}
