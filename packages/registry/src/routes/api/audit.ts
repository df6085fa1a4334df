import { Hono } from 'hono';
import { parseAuditCursor, parseAuditLimit } from '../../services/audit-pages.js';
import { requirePrincipal, type AppContext, type AppEnv } from '../../http.js';

/** ?limit= and ?cursor=, validated here once. */
const paging = (c: AppContext) => ({ limit: parseAuditLimit(c.req.query('limit')), cursor: parseAuditCursor(c.req.query('cursor')) });

/** GET /api/v1/me/audit: the caller's own audit events, newest first, `{"events":[…],"next":cursor|null}`. */
export function meAuditRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const principal = await requirePrincipal(c);
    const { limit, cursor } = paging(c);
    return c.json(await c.var.services.auditPages.forMe(principal, limit, cursor));
  });
  return app;
}

/** GET /api/v1/orgs/:org/audit: the org's audit events, for its owners; paged like the above. */
export function orgAuditRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const principal = await requirePrincipal(c);
    const { limit, cursor } = paging(c);
    return c.json(await c.var.services.auditPages.forOrg(principal, c.req.param('org') ?? '', limit, cursor));
  });
  return app;
}
