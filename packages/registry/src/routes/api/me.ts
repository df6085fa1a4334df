import { Hono } from 'hono';
import type { MeDto } from '@flock/core';
import { requirePrincipal, type AppEnv } from '../../http.js';

/** GET /api/v1/me: who the token belongs to, so `flock login` and `flock whoami` can check it. */
export function meRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const principal = await requirePrincipal(c);
    const orgs = await c.var.services.accounts.orgsOf(principal.userId);
    const body: MeDto = {
      username: principal.username,
      orgs: orgs.map((o) => ({ name: o.name, role: o.role })),
      token: principal.token ? { name: principal.token.name, scopes: principal.token.scopes } : null,
    };
    return c.json(body);
  });
  return app;
}
