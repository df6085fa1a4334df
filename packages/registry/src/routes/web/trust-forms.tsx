import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { FlockError, parseOrgName, parseTrustedPublisherInput, type OrgName, type PackageName } from '@flock/core';
import { statusOf } from '../../app.js';
import type { Principal } from '../../auth/principal.js';
import { packageParams, type AppContext, type AppEnv } from '../../http.js';
import { parseOrgSettingsInput, parsePackageSettingsInput } from '../../services/publish-settings.js';
import { loginRedirect, pageSession, type PageSession } from './session.js';
import type { OrgPublishingView, PackagePublishingView } from './trust-card.js';

export type FormError = { message: string; status: ContentfulStatusCode };
/** Renders a page again with a form's one-line error (the org page, or the package page). */
export type RenderWithError = (c: AppContext, error: FormError) => Promise<Response>;

const audienceOf = (c: AppContext) => new URL(c.var.publicUrl).origin;

/** The package page's publishing section, for an owner signed in with a session. */
export async function packagePublishingView(c: AppContext, session: PageSession, org: OrgName, name: PackageName, error: string | null): Promise<PackagePublishingView> {
  const publishers = await c.var.services.publishersList.list(session.principal, org, name);
  return { publishers, audience: audienceOf(c), csrf: session.csrf, error };
}

/** The org page's trusted publishing section: the org-wide publishers (per-package ones are on their pages). */
export async function orgPublishingView(c: AppContext, session: PageSession, org: OrgName): Promise<OrgPublishingView> {
  const services = c.var.services;
  const [all, settings] = await Promise.all([services.trustedPublishers.list(session.principal, org), services.publishSettings.orgSettings(session.principal, org)]);
  return { publishers: all.filter((p) => p.package === null), settings, audience: audienceOf(c), csrf: session.csrf };
}

const text = (form: Record<string, string | File>, name: string) => (typeof form[name] === 'string' ? (form[name] as string).trim() : '');

/** The form's claim rules, one `name=value` a line, into the API's object (parseTrustedPublisherInput bounds and checks them). */
function claimsOf(value: string): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const line of value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)) {
    const at = line.indexOf('=');
    if (at <= 0) throw new FlockError('bad_request', `Claim rule ${JSON.stringify(line.slice(0, 100))} is not name=value`);
    claims[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return claims;
}

function publisherInput(form: Record<string, string | File>, pkg: PackageName | null) {
  return parseTrustedPublisherInput({ package: pkg, issuer: text(form, 'issuer'), audience: text(form, 'audience'), claims: claimsOf(text(form, 'claims')) });
}

/** A form action: on success a redirect, on a refusal the page again with the one-line message. Never for a bearer token. */
async function formAction(c: AppContext, renderWithError: RenderWithError, action: (principal: Principal, form: Record<string, string | File>) => Promise<string>) {
  const session = await pageSession(c);
  if (!session) return loginRedirect(c);
  try {
    return c.redirect(await action(session.principal, await c.req.parseBody()), 303);
  } catch (e) {
    const status = statusOf(e);
    if (status === null || status >= 500) throw e;
    return renderWithError(c, { message: (e as Error).message, status });
  }
}

/** Trusted publishers and publishing settings, from the org page and the package page (owners). */
export function trustFormRoutes(pages: { org: RenderWithError; pkg: RenderWithError }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const orgOf = (c: AppContext) => parseOrgName(c.req.param('org') ?? '');

  app.post('/flock/:org/trusted-publishers', (c) =>
    formAction(c, pages.org, async (principal, form) => {
      await c.var.services.trustedPublishers.add(principal, orgOf(c), publisherInput(form, null));
      return `/flock/${orgOf(c)}#trust`;
    }),
  );
  app.post('/flock/:org/trusted-publishers/:id/remove', (c) =>
    formAction(c, pages.org, async (principal) => {
      await c.var.services.trustedPublishers.remove(principal, orgOf(c), c.req.param('id'));
      return `/flock/${orgOf(c)}#trust`;
    }),
  );
  app.post('/flock/:org/settings', (c) =>
    formAction(c, pages.org, async (principal, form) => {
      // Checkboxes: a box left unticked is not sent at all.
      const input = parseOrgSettingsInput({ trustedPublishingOnly: text(form, 'trustedPublishingOnly') === 'on', holdUnusual: text(form, 'holdUnusual') === 'on' });
      await c.var.services.publishSettings.setOrgSettings(principal, orgOf(c), input);
      return `/flock/${orgOf(c)}#trust`;
    }),
  );
  app.post('/flock/:org/:name/trusted-publishers', (c) =>
    formAction(c, pages.pkg, async (principal, form) => {
      const { org, name } = packageParams(c);
      await c.var.services.trustedPublishers.add(principal, org, publisherInput(form, name));
      return `/flock/${org}/${name}#publishing`;
    }),
  );
  app.post('/flock/:org/:name/trusted-publishers/:id/remove', (c) =>
    formAction(c, pages.pkg, async (principal) => {
      const { org, name } = packageParams(c);
      // Only this package's own publishers here: an org-wide one is removed from the org page.
      const own = await c.var.services.trustedPublishers.list(principal, org, name);
      if (!own.some((p) => p.id === c.req.param('id') && p.package === name)) throw new FlockError('not_found', 'No such trusted publisher for this package');
      await c.var.services.trustedPublishers.remove(principal, org, c.req.param('id'));
      return `/flock/${org}/${name}#publishing`;
    }),
  );
  app.post('/flock/:org/:name/settings', (c) =>
    formAction(c, pages.pkg, async (principal, form) => {
      const { org, name } = packageParams(c);
      await c.var.services.publishSettings.setPackageSettings(principal, org, name, parsePackageSettingsInput({ trustedPublishingOnly: text(form, 'trustedPublishingOnly') === 'on' }));
      return `/flock/${org}/${name}#publishing`;
    }),
  );
  return app;
}
