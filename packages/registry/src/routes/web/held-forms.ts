import { Hono } from 'hono';
import { versionParams, type AppContext, type AppEnv } from '../../http.js';
import { loginRedirect, pageSession } from './session.js';

/** The package page's Approve and Reject forms (owners, with a session); back to the package page. */
export function heldFormRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const decide = (decision: 'approve' | 'reject') => async (c: AppContext) => {
    const session = await pageSession(c);
    if (!session) return loginRedirect(c);
    const { org, name, version } = versionParams(c);
    await c.var.services.held[decision](session.principal, org, name, version);
    return c.redirect(decision === 'approve' ? `/flock/${org}/${name}/${version}` : `/flock/${org}/${name}`, 303);
  };
  app.post('/flock/:org/:name/:version/approve', decide('approve'));
  app.post('/flock/:org/:name/:version/reject', decide('reject'));
  return app;
}
