import { Hono } from 'hono';
import { parseOrgName, parsePackageName, parseTrustedPublisherInput } from '@flock/core';
import { readJson, requirePrincipal, type AppContext, type AppEnv } from '../../http.js';

/** /api/v1/orgs/:org/trusted-publishers — `flock trust add|list|remove`. */
export function trustedPublisherRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const orgOf = (c: AppContext) => parseOrgName(c.req.param('org') ?? '');

  app.get('/', async (c) => {
    const pkg = c.req.query('package');
    const principal = await requirePrincipal(c);
    return c.json(await c.var.services.trustedPublishers.list(principal, orgOf(c), pkg ? parsePackageName(pkg) : undefined));
  });
  app.post('/', async (c) => {
    const principal = await requirePrincipal(c);
    return c.json(await c.var.services.trustedPublishers.add(principal, orgOf(c), parseTrustedPublisherInput(await readJson(c, 16 * 1024))), 201);
  });
  app.delete('/:id', async (c) => {
    await c.var.services.trustedPublishers.remove(await requirePrincipal(c), orgOf(c), c.req.param('id'));
    return c.json({ ok: true });
  });
  return app;
}
