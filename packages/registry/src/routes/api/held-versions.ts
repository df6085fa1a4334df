import { Hono } from 'hono';
import { packageParams, requirePrincipal, versionParams, type AppEnv } from '../../http.js';

/** /api/v1/packages/:org/:name/held and …/:version/approve|reject: publishes held for an owner's approval. */
export function heldVersionRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/:org/:name/held', async (c) => {
    const principal = await requirePrincipal(c);
    const { org, name } = packageParams(c);
    return c.json(await c.var.services.held.list(principal, org, name));
  });

  app.post('/:org/:name/:version/approve', async (c) => {
    const principal = await requirePrincipal(c);
    const { org, name, version } = versionParams(c);
    await c.var.services.held.approve(principal, org, name, version);
    return c.json({ ok: true });
  });

  app.post('/:org/:name/:version/reject', async (c) => {
    const principal = await requirePrincipal(c);
    const { org, name, version } = versionParams(c);
    await c.var.services.held.reject(principal, org, name, version);
    return c.json({ ok: true });
  });

  return app;
}
