import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { NewTokenDto } from '@flock/core';
import { getCookie } from 'hono/cookie';
import { statusOf } from '../../app.js';
import { SESSION_COOKIE, type AppContext, type AppEnv } from '../../http.js';
import { parseTokenRequest } from '../token-input.js';
import { AccountPage } from './account-page.js';
import { loginRedirect, pageSession, type PageSession } from './session.js';

async function render(c: AppContext, session: PageSession, extra: { created?: NewTokenDto; error?: string } = {}, status: ContentfulStatusCode = 200) {
  const { principal, csrf } = session;
  const { accounts, tokenAdmin, audit, sessions } = c.var.services;
  const [orgs, tokens, events, sessionCount] = await Promise.all([
    accounts.orgsOf(principal.userId), tokenAdmin.list(principal), audit.forUser(principal.userId), sessions.countFor(principal.userId),
  ]);
  // A page holding a fresh secret is never stored: security-headers.ts marks every answer under /account so.
  return c.html(<AccountPage username={principal.username} csrf={csrf} orgs={orgs} tokens={tokens} events={events} sessions={sessionCount} created={extra.created ?? null} error={extra.error ?? null} />, status);
}

/** Runs a form action; a known refusal re-renders the account page with the message. */
async function formAction(c: AppContext, action: (session: PageSession, form: Record<string, string | File | (string | File)[]>) => Promise<Response | NewTokenDto>) {
  const session = await pageSession(c);
  if (!session) return loginRedirect(c);
  const form = await c.req.parseBody({ all: true });
  try {
    const result = await action(session, form);
    return result instanceof Response ? result : render(c, session, { created: result });
  } catch (e) {
    const status = statusOf(e);
    if (status === null || status >= 500) throw e;
    return render(c, session, { error: (e as Error).message }, status);
  }
}

/** /account: the signed-in user's tokens, organizations and activity. */
export function accountRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/account', async (c) => {
    const session = await pageSession(c);
    return session ? render(c, session) : loginRedirect(c);
  });
  app.post('/account/tokens', (c) =>
    formAction(c, ({ principal }, form) => c.var.services.tokenAdmin.create(principal, parseTokenRequest(form, new Date()))),
  );
  app.post('/account/tokens/:id/rotate', (c) => formAction(c, ({ principal }) => c.var.services.tokenAdmin.rotate(principal, c.req.param('id'))));
  app.post('/account/tokens/:id/revoke', (c) =>
    formAction(c, async ({ principal }) => {
      await c.var.services.tokenAdmin.revoke(principal, c.req.param('id'));
      return c.redirect('/account', 303);
    }),
  );
  app.post('/account/sessions/others', (c) =>
    formAction(c, async ({ principal }) => {
      const ended = await c.var.services.sessions.revokeOthers(principal.userId, getCookie(c, SESSION_COOKIE)!);
      await c.var.services.audit.record({ principal, action: 'sign_out_elsewhere', subject: `${ended} ${ended === 1 ? 'session' : 'sessions'}` });
      return c.redirect('/account', 303);
    }),
  );
  app.post('/account/orgs', (c) =>
    formAction(c, async ({ principal }, form) => {
      const org = await c.var.services.orgs.create(principal, typeof form.name === 'string' ? form.name.trim() : '');
      return c.redirect(`/flock/${org.name}`, 303);
    }),
  );
  return app;
}
