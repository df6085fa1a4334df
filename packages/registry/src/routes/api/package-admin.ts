import { Hono } from 'hono';
import { z } from 'zod';
import { FlockError, MAX_NOTE_LENGTH, parseNote, type Note } from '@flock/core';
import { parsePackageSettingsInput } from '../../services/publish-settings.js';
import { packageParams, readBody, readJson, requirePrincipal, versionParams, type AppContext, type AppEnv } from '../../http.js';

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

// Room for a note of MAX_NOTE_LENGTH characters even if each is sent as a JSON escape (up to 12 bytes for a surrogate pair).
const NOTE_BODY_BYTES = 16 * MAX_NOTE_LENGTH;

/** The optional {"reason": …} of a yank (an empty body: no reason), or the required {"message": …} of a deprecation. */
async function readNote(c: AppContext, field: 'reason' | 'message', required: boolean): Promise<Note | null> {
  const text = Buffer.from(await readBody(c, NOTE_BODY_BYTES, 'Request body')).toString('utf8');
  if (!required && text.trim() === '') return null;
  const example = `{"${field}":"…"}`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FlockError('bad_request', `Expected a JSON body like ${example}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json) || Object.keys(json).some((k) => k !== field)) {
    throw new FlockError('bad_request', `Expected a JSON body like ${example}`);
  }
  const value = (json as Record<string, unknown>)[field];
  if (value === undefined) {
    if (required) throw new FlockError('bad_request', `Expected a JSON body like ${example}`);
    return null;
  }
  return parseNote(value, field === 'reason' ? 'yank reason' : 'deprecation message');
}

/** Yank / unyank a version (scope yank), deprecate a package and set its visibility (org owners). */
export function packageAdminRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const yank = (yanked: boolean) => async (c: AppContext) => {
    const principal = await requirePrincipal(c);
    const params = versionParams(c);
    const reason = yanked ? await readNote(c, 'reason', false) : null;
    await c.var.services.admin.setYanked({ principal, ...params, yanked, reason });
    return c.json({ ok: true });
  };
  app.post('/:org/:name/:version/yank', yank(true));
  app.delete('/:org/:name/:version/yank', yank(false));

  app.put('/:org/:name/deprecation', async (c) => {
    const principal = await requirePrincipal(c);
    const params = packageParams(c);
    await c.var.services.admin.setDeprecation({ principal, ...params, message: await readNote(c, 'message', true) });
    return c.json({ ok: true });
  });
  app.delete('/:org/:name/deprecation', async (c) => {
    const principal = await requirePrincipal(c);
    await c.var.services.admin.setDeprecation({ principal, ...packageParams(c), message: null });
    return c.json({ ok: true });
  });

  app.post('/:org/:name/visibility', async (c) => {
    const principal = await requirePrincipal(c);
    const params = packageParams(c);
    await c.var.services.admin.setVisibility({ principal, ...params, visibility: await readVisibility(c) });
    return c.json({ ok: true });
  });

  app.get('/:org/:name/settings', async (c) => {
    const { org, name } = packageParams(c);
    return c.json(await c.var.services.publishSettings.packageSettings(await requirePrincipal(c), org, name));
  });
  app.put('/:org/:name/settings', async (c) => {
    const principal = await requirePrincipal(c);
    const { org, name } = packageParams(c);
    return c.json(await c.var.services.publishSettings.setPackageSettings(principal, org, name, parsePackageSettingsInput(await readJson(c, 1024))));
  });

  return app;
}
