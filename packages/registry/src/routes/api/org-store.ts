import { Hono } from 'hono';
import { parseOrgName } from '@flock/core';
import { readJson, requirePrincipal, type AppContext, type AppEnv } from '../../http.js';
import { parseOrgStoreInput } from '../../services/org-stores.js';

/** /api/v1/orgs/:org/store — an org's own Catalog Store (owners set and remove it; members see its status). */
export function orgStoreRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const orgOf = (c: AppContext) => parseOrgName(c.req.param('org') ?? '');

  app.get('/', async (c) => c.json(await c.var.services.orgStores.status(await requirePrincipal(c), orgOf(c))));
  app.put('/', async (c) => {
    const principal = await requirePrincipal(c);
    return c.json(await c.var.services.orgStores.set(principal, orgOf(c), parseOrgStoreInput(await readJson(c, 16 * 1024))));
  });
  app.delete('/', async (c) => {
    await c.var.services.orgStores.remove(await requirePrincipal(c), orgOf(c));
    return c.json({ ok: true });
  });
  return app;
}
