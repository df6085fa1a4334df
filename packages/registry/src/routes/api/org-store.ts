import { Hono } from 'hono';
import { z } from 'zod';
import { FlockError, parseOrgName } from '@flock/core';
import { readBody, requirePrincipal, type AppContext, type AppEnv } from '../../http.js';

const storeInput = z.strictObject({
  endpoint: z.url({ protocol: /^https?$/, error: 'endpoint must be an http(s) URL' }),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'bucket must be a valid S3 bucket name'),
  region: z.string().min(1).max(64),
  prefix: z.string().max(512).optional(),
  accessKeyId: z.string().min(1).max(256),
  secretAccessKey: z.string().min(1).max(1024),
});

async function parseStoreInput(c: AppContext) {
  const text = Buffer.from(await readBody(c, 16 * 1024, 'Request body')).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FlockError('bad_request', 'The body must be JSON');
  }
  const result = storeInput.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new FlockError('bad_request', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return result.data;
}

/** /api/v1/orgs/:org/store — an org's own Catalog Store (owners set and remove it; members see its status). */
export function orgStoreRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const orgOf = (c: AppContext) => parseOrgName(c.req.param('org') ?? '');

  app.get('/', async (c) => c.json(await c.var.services.orgStores.status(await requirePrincipal(c), orgOf(c))));
  app.put('/', async (c) => {
    const principal = await requirePrincipal(c);
    c.var.services.access.requireScope(principal, 'publish');
    const org = orgOf(c);
    return c.json(await c.var.services.orgStores.set(principal, org, await parseStoreInput(c)));
  });
  app.delete('/', async (c) => {
    const principal = await requirePrincipal(c);
    c.var.services.access.requireScope(principal, 'publish');
    await c.var.services.orgStores.remove(principal, orgOf(c));
    return c.json({ ok: true });
  });
  return app;
}
