import { Hono } from 'hono';
import { parseOrgName, parseRole } from '@flock/core';
import { parseOrgSettingsInput } from '../../services/publish-settings.js';
import { readJson, requirePrincipal, type AppEnv } from '../../http.js';

const str = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

/** /api/v1/orgs: create shared orgs and run their members (`flock org`). */
export function orgApiRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/', async (c) => {
    const principal = await requirePrincipal(c);
    const org = await c.var.services.orgs.create(principal, str((await readJson(c)).name));
    return c.json({ name: org.name, kind: org.kind }, 201);
  });
  app.get('/:org/members', async (c) => c.json(await c.var.services.orgs.members(await requirePrincipal(c), c.req.param('org'))));
  app.post('/:org/members', async (c) => {
    const principal = await requirePrincipal(c);
    const body = await readJson(c);
    await c.var.services.orgs.addMember(principal, { org: c.req.param('org'), username: str(body.username), role: parseRole(str(body.role) || 'member') });
    return c.json({ ok: true }, 201);
  });
  app.put('/:org/members/:user', async (c) => {
    const principal = await requirePrincipal(c);
    await c.var.services.orgs.setRole(principal, { org: c.req.param('org'), username: c.req.param('user'), role: parseRole(str((await readJson(c)).role)) });
    return c.json({ ok: true });
  });
  app.delete('/:org/members/:user', async (c) => {
    await c.var.services.orgs.removeMember(await requirePrincipal(c), { org: c.req.param('org'), username: c.req.param('user') });
    return c.json({ ok: true });
  });
  app.get('/:org/settings', async (c) => c.json(await c.var.services.publishSettings.orgSettings(await requirePrincipal(c), parseOrgName(c.req.param('org')))));
  app.put('/:org/settings', async (c) => {
    const principal = await requirePrincipal(c);
    return c.json(await c.var.services.publishSettings.setOrgSettings(principal, parseOrgName(c.req.param('org')), parseOrgSettingsInput(await readJson(c, 1024))));
  });
  app.post('/:org/leave', async (c) => {
    await c.var.services.orgs.leave(await requirePrincipal(c), c.req.param('org'));
    return c.json({ ok: true });
  });
  return app;
}
