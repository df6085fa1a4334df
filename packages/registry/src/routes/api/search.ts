import { Hono } from 'hono';
import { FlockError } from '@flock/core';
import { authenticate, type AppEnv } from '../../http.js';

export function parsePage(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  if (!/^\d{1,4}$/.test(raw)) throw new FlockError('bad_request', `Invalid page "${raw.slice(0, 20)}": expected a whole number`);
  return Number(raw);
}

/** GET /api/v1/search?q=WORDS&page=N */
export function searchRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const result = await c.var.services.search.search(await authenticate(c), c.req.query('q') ?? '', parsePage(c.req.query('page')));
    return c.json(result);
  });
  return app;
}
