import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { parseOrgName, parseRole } from '@flock/core';
import { statusOf } from '../../app.js';
import { authenticate, type AppContext, type AppEnv } from '../../http.js';
import { parseOrgStoreInput } from '../../services/org-stores.js';
import { OrgPage } from './org-page.js';
import { loginRedirect, pageSession, type PageSession } from './session.js';
import { orgPublishingView } from './trust-forms.js';

/** The org page; exported for forms elsewhere (trust-forms.tsx) that show it again with their error. */
export async function render(c: AppContext, error?: { message: string; status: ContentfulStatusCode }, newWebhook?: { url: string; secret: string }) {
  const { accounts, access, orgs, audit } = c.var.services;
  const org = await accounts.requireOrg(parseOrgName(c.req.param('org') ?? ''));
  const session = await pageSession(c);
  const principal = session?.principal ?? (await authenticate(c));
  // Through access, so a bearer token restricted to other orgs sees only what an outsider sees.
  const role = await access.roleIn(principal, org);
  const [packages, members, events, store, quota] = await Promise.all([
    orgs.visiblePackages(principal, org.id),
    role ? orgs.listMembers(org.id) : [],
    role === 'owner' ? audit.forOrg(org.id) : [],
    role && principal ? c.var.services.orgStores.status(principal, parseOrgName(org.name)) : null,
    role === 'owner' ? c.var.services.quotas.forOrg(org) : null,
  ]);
  const publishing = role === 'owner' && session ? await orgPublishingView(c, session, parseOrgName(org.name)) : null;
  const webhooks = role === 'owner' && session ? await c.var.services.webhooks.overview(session.principal, parseOrgName(org.name)) : null;
  c.header('cache-control', principal ? 'private, no-store' : 'public, max-age=60');
  return c.html(
    <OrgPage org={org} user={session?.principal.username ?? null} csrf={session?.csrf ?? null} role={role} packages={packages} members={members} events={events} store={store} quota={quota} publishing={publishing} webhooks={webhooks} newWebhook={newWebhook ?? null} error={error?.message ?? null} />,
    error?.status ?? 200,
  );
}


/** An org form action: on success back to the org page (or the account page after leaving), on a refusal the page with the message. */
async function formAction(c: AppContext, action: (session: PageSession, form: Record<string, string | File>) => Promise<string>) {
  const session = await pageSession(c);
  if (!session) return loginRedirect(c);
  try {
    return c.redirect(await action(session, await c.req.parseBody()), 303);
  } catch (e) {
    const status = statusOf(e);
    if (status === null || status >= 500) throw e;
    return render(c, { message: (e as Error).message, status });
  }
}

const text = (form: Record<string, string | File>, name: string) => (typeof form[name] === 'string' ? (form[name] as string).trim() : '');

/** /flock/:org — the org's packages, and for members its members, membership forms and (for owners) its audit log. */
export function orgRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/flock/:org', (c) => render(c));
  app.post('/flock/:org/members', (c) =>
    formAction(c, async ({ principal }, form) => {
      await c.var.services.orgs.addMember(principal, { org: c.req.param('org'), username: text(form, 'username'), role: parseRole(text(form, 'role') || 'member') });
      return `/flock/${c.req.param('org')}`;
    }),
  );
  app.post('/flock/:org/members/:user/role', (c) =>
    formAction(c, async ({ principal }, form) => {
      await c.var.services.orgs.setRole(principal, { org: c.req.param('org'), username: c.req.param('user'), role: parseRole(text(form, 'role')) });
      return `/flock/${c.req.param('org')}`;
    }),
  );
  app.post('/flock/:org/members/:user/remove', (c) =>
    formAction(c, async ({ principal }) => {
      await c.var.services.orgs.removeMember(principal, { org: c.req.param('org'), username: c.req.param('user') });
      return `/flock/${c.req.param('org')}`;
    }),
  );
  app.post('/flock/:org/store', (c) =>
    formAction(c, async ({ principal }, form) => {
      const org = parseOrgName(c.req.param('org') ?? '');
      const fields = ['endpoint', 'bucket', 'region', 'prefix', 'accessKeyId', 'secretAccessKey'];
      const input = Object.fromEntries(fields.map((f) => [f, text(form, f)]).filter(([, v]) => v !== ''));
      await c.var.services.orgStores.set(principal, org, parseOrgStoreInput(input));
      return `/flock/${org}#store`;
    }),
  );
  app.post('/flock/:org/store/remove', (c) =>
    formAction(c, async ({ principal }) => {
      await c.var.services.orgStores.remove(principal, parseOrgName(c.req.param('org') ?? ''));
      return `/flock/${c.req.param('org')}#store`;
    }),
  );
  app.post('/flock/:org/leave', (c) =>
    formAction(c, async ({ principal }) => {
      await c.var.services.orgs.leave(principal, c.req.param('org'));
      return '/account';
    }),
  );
  return app;
}
