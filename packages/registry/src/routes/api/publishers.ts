import { Hono } from 'hono';
import { packageParams, requirePrincipal, type AppEnv } from '../../http.js';

/** GET /api/v1/packages/:org/:name/publishers — `flock owners`: every credential that could publish the package now (owners). */
export function publishersRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/:org/:name/publishers', async (c) => {
    const principal = await requirePrincipal(c);
    const { org, name } = packageParams(c);
    c.header('cache-control', 'private, no-store');
    return c.json(await c.var.services.publishersList.list(principal, org, name));
  });
  return app;
}
