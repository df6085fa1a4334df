import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { FlockError, type ErrorCode } from '@flock/core';
import type { AppEnv } from './http.js';
import { meRoutes } from './routes/api/me.js';
import { packageAdminRoutes } from './routes/api/package-admin.js';
import { packageRoutes } from './routes/api/packages.js';
import { searchRoutes } from './routes/api/search.js';
import { indexRoutes } from './routes/index.js';
import { webRoutes } from './routes/web/index.js';
import { errorPage } from './routes/web/layout.js';
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
  internal: 500,
};

// JSON answers (errors included) for the API and the sparse index; HTML for pages.
const wantsJson = (path: string) => path.startsWith('/api/') || path.startsWith('/index/');

export interface AppDeps {
  services: Services;
  publicUrl: string;
  logger: Logger;
}

export function createApp({ services, publicUrl, logger }: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    c.set('services', services);
    c.set('publicUrl', publicUrl);
    await next();
  });

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.route('/index', indexRoutes());
  app.route('/api/v1/packages', packageRoutes());
  app.route('/api/v1/packages', packageAdminRoutes());
  app.route('/api/v1/search', searchRoutes());
  app.route('/api/v1/me', meRoutes());
  app.route('/', webRoutes());

  app.notFound((c) => (wantsJson(c.req.path) ? c.json({ error: 'Not found' }, 404) : c.text('Not found', 404)));

  app.onError((error, c) => {
    const known = error instanceof FlockError && error.code !== 'internal';
    if (!known) {
      // Infrastructure failures are logged with their cause and answered without details.
      logger.error({ err: error, method: c.req.method, path: c.req.path }, 'request failed');
    }
    const status = known ? STATUS[error.code] : 500;
    const message = known ? error.message : 'Internal server error';
    if (wantsJson(c.req.path)) return c.json({ error: message }, status);
    return c.html(errorPage(status === 404 ? 'Not found' : 'Something went wrong', message), status);
  });

  return app;
}
