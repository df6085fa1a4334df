import { Hono } from 'hono';
import { z } from 'zod';
import { FlockError } from '@flock/core';
import { packageParams, readBody, requirePrincipal, versionParams, type AppContext, type AppEnv } from '../../http.js';

const visibilityBody = z.strictObject({ visibility: z.enum(['public', 'private']) });

async function readVisibility(c: AppContext) {
  const text = Buffer.from(await readBody(c, 1024, 'Request body')).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FlockError('bad_request', 'Expected a JSON body like {"visibility":"private"}');
  }
  const parsed = visibilityBody.safeParse(json);
  if (!parsed.success) throw new FlockError('bad_request', 'Expected a JSON body like {"visibility":"private"} (public or private)');
  return parsed.data.visibility;
}

/** Yank / unyank a version (scope yank) and set a package's visibility (org owners). */
export function packageAdminRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const yank = (yanked: boolean) => async (c: AppContext) => {
    const principal = await requirePrincipal(c);
    await c.var.services.admin.setYanked({ principal, ...versionParams(c), yanked });
    return c.json({ ok: true });
  };
  app.post('/:org/:name/:version/yank', yank(true));
  app.delete('/:org/:name/:version/yank', yank(false));

  app.post('/:org/:name/visibility', async (c) => {
    const principal = await requirePrincipal(c);
    const params = packageParams(c);
    await c.var.services.admin.setVisibility({ principal, ...params, visibility: await readVisibility(c) });
    return c.json({ ok: true });
  });

  return app;
}
