import { Hono } from 'hono';
import { readJson, requirePrincipal, type AppEnv } from '../../http.js';
import { parseTokenRequest } from '../token-input.js';

/** /api/v1/tokens: the caller's tokens, for a signed-in session or a bearer token (`flock token`). */
export function tokenRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => c.json(await c.var.services.tokenAdmin.list(await requirePrincipal(c))));
  // Answers here show secrets once: never stored, as security-headers.ts makes every answer under /api/v1/tokens.
  app.post('/', async (c) => {
    const principal = await requirePrincipal(c);
    const request = parseTokenRequest(await readJson(c), new Date());
    return c.json(await c.var.services.tokenAdmin.create(principal, request), 201);
  });
  // Before /:id. The token revokes itself: `flock logout --revoke` needs no manage scope for that.
  app.delete('/current', async (c) => c.json(await c.var.services.tokenAdmin.revokeCurrent(await requirePrincipal(c))));
  app.delete('/:id', async (c) => c.json(await c.var.services.tokenAdmin.revoke(await requirePrincipal(c), c.req.param('id'))));
  app.post('/:id/rotate', async (c) => c.json(await c.var.services.tokenAdmin.rotate(await requirePrincipal(c), c.req.param('id'))));
  return app;
}
