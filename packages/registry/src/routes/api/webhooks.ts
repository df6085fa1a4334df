import { Hono } from 'hono';
import { parseOrgName } from '@flock/core';
import { readJson, requirePrincipal, type AppContext, type AppEnv } from '../../http.js';
import { parseFeedQuery, parseWebhookInput } from '../../services/webhooks.js';

const orgOf = (c: AppContext) => parseOrgName(c.req.param('org') ?? '');

/** /api/v1/orgs/:org/webhooks — an org's webhooks and their deliveries (owners, with a session or a manage token). */
export function webhookRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => c.json(await c.var.services.webhooks.list(await requirePrincipal(c), orgOf(c))));
  app.post('/', async (c) => {
    const principal = await requirePrincipal(c);
    return c.json(await c.var.services.webhooks.add(principal, orgOf(c), parseWebhookInput(await readJson(c, 8 * 1024))), 201);
  });
  app.delete('/:id', async (c) => {
    await c.var.services.webhooks.remove(await requirePrincipal(c), orgOf(c), c.req.param('id'));
    return c.json({ ok: true });
  });
  app.get('/:id/deliveries', async (c) => c.json(await c.var.services.webhooks.deliveries(await requirePrincipal(c), orgOf(c), c.req.param('id'))));
  // Queues the delivery's event to its webhook again, as a new delivery.
  app.post('/deliveries/:delivery/redeliver', async (c) => c.json(await c.var.services.webhooks.redeliver(await requirePrincipal(c), orgOf(c), c.req.param('delivery')), 201));
  return app;
}

/** /api/v1/orgs/:org/events?after=ID&limit=N — the org's events, oldest first, for its members. */
export function orgEventRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const principal = await requirePrincipal(c);
    return c.json(await c.var.services.webhooks.feed(principal, orgOf(c), parseFeedQuery(c.req.query('after'), c.req.query('limit'))));
  });
  return app;
}
