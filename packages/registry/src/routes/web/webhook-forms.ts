import { Hono } from 'hono';
import { parseOrgName } from '@flock/core';
import { statusOf } from '../../app.js';
import type { AppContext, AppEnv } from '../../http.js';
import { parseWebhookInput } from '../../services/webhooks.js';
import { render } from './org.js';
import { loginRedirect, pageSession, type PageSession } from './session.js';

/** A webhook form: its answer (a redirect, or the page with a new secret), or the org page with the refusal. */
async function webhookForm(c: AppContext, action: (session: PageSession, form: Record<string, string | File>) => Promise<Response>) {
  const session = await pageSession(c);
  if (!session) return loginRedirect(c);
  try {
    return await action(session, await c.req.parseBody());
  } catch (e) {
    const status = statusOf(e);
    if (status === null || status >= 500) throw e;
    return render(c, { message: (e as Error).message, status });
  }
}

const text = (form: Record<string, string | File>, name: string) => (typeof form[name] === 'string' ? (form[name] as string).trim() : '');

/** The org page's webhook forms (owners): add (the answer shows the secret once), remove, redeliver. */
export function webhookFormRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/flock/:org/webhooks', (c) =>
    webhookForm(c, async ({ principal }, form) => {
      const events = text(form, 'events');
      const input = parseWebhookInput({ url: text(form, 'url'), ...(events === '' ? {} : { events }) });
      const created = await c.var.services.webhooks.add(principal, parseOrgName(c.req.param('org')), input);
      // Not a redirect: this answer is the only place the secret appears.
      return render(c, undefined, { url: created.url, secret: created.secret });
    }),
  );
  app.post('/flock/:org/webhooks/:id/remove', (c) =>
    webhookForm(c, async ({ principal }) => {
      await c.var.services.webhooks.remove(principal, parseOrgName(c.req.param('org')), c.req.param('id'));
      return c.redirect(`/flock/${c.req.param('org')}#webhooks`, 303);
    }),
  );
  app.post('/flock/:org/webhooks/deliveries/:delivery/redeliver', (c) =>
    webhookForm(c, async ({ principal }) => {
      await c.var.services.webhooks.redeliver(principal, parseOrgName(c.req.param('org')), c.req.param('delivery'));
      return c.redirect(`/flock/${c.req.param('org')}#webhooks`, 303);
    }),
  );
  return app;
}
