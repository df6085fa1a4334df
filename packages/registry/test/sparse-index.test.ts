import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexLineDto } from '@flock/core';
import { runFlock, tempDir } from '../../../test-support/cli.js';
import { publishSpec } from '../../../test-support/project.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { hashToken } from '../src/auth/tokens.js';
import { createTokensService } from '../src/services/tokens.js';
import { authSettingsFrom } from '../src/auth/settings.js';
import { createMetrics } from '../src/observability.js';
import { createApp } from '../src/app.js';
import { pino } from 'pino';

describe('the sparse index GET /index/:org/:name', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let env: Record<string, string>;
  let ownerToken: string;

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${registry.url}${path}`, { headers });
  const lines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as IndexLineDto);

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    await mkdir(join(dir.path, 'home'));
    ownerToken = await registry.createUser('acme');
    env = { HOME: join(dir.path, 'home'), FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: ownerToken };
    await publishSpec(dir.path, { org: 'acme', name: 'base', version: '1.0.0' }, env);
    await publishSpec(dir.path, { org: 'acme', name: 'base', version: '1.2.0' }, env);
    await publishSpec(dir.path, { org: 'acme', name: 'top', version: '0.3.0', dependencies: { 'acme/base': '1.2' } }, env);
  });

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('answers one JSON line per version, oldest first, with dependencies, checksum, yanked and when it was published', async () => {
    const response = await get('/index/acme/top');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const [line] = lines(await response.text());
    const meta = (await (await get('/api/v1/packages/acme/top/0.3.0')).json()) as { checksum: string; publishedAt: string };
    expect(meta.publishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(line).toEqual({ version: '0.3.0', dependencies: { 'acme/base': '^1.2' }, checksum: meta.checksum, yanked: false, published: meta.publishedAt });
    expect(lines(await (await get('/index/acme/base')).text()).map((l) => l.version)).toEqual(['1.0.0', '1.2.0']);
  });

  it('has a strong ETag and answers 304 to If-None-Match', async () => {
    const first = await get('/index/acme/base');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(first.headers.get('cache-control')).toBe('public, max-age=60');
    const again = await get('/index/acme/base', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    expect((await get('/index/acme/base', { 'if-none-match': '"something-else"' })).status).toBe(200);
  });

  it('is served from memory once warm: a change behind the services\' back is not seen until an invalidation', async () => {
    const before = await (await get('/index/acme/base')).text();
    // Written straight to the database, as no service would: the cached answer must not change.
    await registry.db.updateTable('versions').set({ checksum: 'sha256:tampered' }).where('version', '=', '1.0.0').execute();
    expect(await (await get('/index/acme/base')).text()).toBe(before);
    // A yank through the API invalidates the entry; the fresh answer shows the yank (and the direct write).
    const yank = await fetch(`${registry.url}/api/v1/packages/acme/base/1.0.0/yank`, { method: 'POST', headers: { authorization: `Bearer ${ownerToken}` } });
    expect(yank.status).toBe(200);
    const after = lines(await (await get('/index/acme/base')).text());
    expect(after[0]).toMatchObject({ version: '1.0.0', yanked: true, checksum: 'sha256:tampered' });
  });

  it('is invalidated on publish: a new version, and a first publish of a name that was asked for before', async () => {
    const etag = (await get('/index/acme/base')).headers.get('etag')!;
    expect((await get('/index/acme/later')).status).toBe(404);
    await publishSpec(dir.path, { org: 'acme', name: 'base', version: '1.3.0' }, env);
    await publishSpec(dir.path, { org: 'acme', name: 'later', version: '0.1.0' }, env);
    const fresh = await get('/index/acme/base', { 'if-none-match': etag });
    expect(fresh.status).toBe(200);
    expect(lines(await fresh.text()).map((l) => l.version)).toEqual(['1.0.0', '1.2.0', '1.3.0']);
    expect((await get('/index/acme/later')).status).toBe(200);
  });

  it('is invalidated on a visibility change: flock access set makes it private, then public again', async () => {
    await publishSpec(dir.path, { org: 'acme', name: 'solo', version: '1.0.0' }, env);
    expect((await get('/index/acme/solo')).status).toBe(200);
    const set = await runFlock(['access', 'set', 'acme/solo', 'private'], { cwd: dir.path, env });
    expect(set.lines).toEqual(['acme/solo is now private']);
    const anonymous = await get('/index/acme/solo');
    expect(anonymous.status).toBe(404);
    expect(await anonymous.json()).toEqual({ error: 'Package acme/solo not found' });
    const member = await get('/index/acme/solo', { authorization: `Bearer ${ownerToken}` });
    expect(member.status).toBe(200);
    expect(member.headers.get('cache-control')).toBe('private, no-cache');
    expect((await runFlock(['access', 'set', 'acme/solo', 'public'], { cwd: dir.path, env })).code).toBe(0);
    expect((await get('/index/acme/solo')).status).toBe(200);
  });

  it('visibility: owners only, and never a public package depending on a private one', async () => {
    const member = await registry.createUser('mo');
    await registry.withServices(async (s) => {
      const org = await s.accounts.requireOrg('acme');
      await s.accounts.setMember({ orgId: org.id, userId: (await s.accounts.requireUser('mo')).id, role: 'member' });
    });
    const notOwner = await runFlock(['access', 'set', 'acme/base', 'private'], { cwd: dir.path, env: { ...env, FLOCK_TOKEN: member } });
    expect(notOwner.stderr).toBe('Cannot set the visibility of acme/base: Only an owner of acme can do that\n');
    const blocked = await runFlock(['access', 'set', 'acme/base', 'private'], { cwd: dir.path, env });
    expect(blocked.stderr).toBe('Cannot set the visibility of acme/base: acme/base cannot become private: public packages depend on it: acme/top\n');
    expect((await get('/index/acme/base')).status).toBe(200);

    await publishSpec(dir.path, { org: 'acme', name: 'hidden', version: '1.0.0', visibility: 'private' }, env);
    await expect(publishSpec(dir.path, { org: 'acme', name: 'leaky', version: '1.0.0', dependencies: { 'acme/hidden': '1' } }, env))
      .rejects.toThrow('{"error":"A public package cannot depend on the private package acme/hidden"}');
    // A stranger cannot depend on it either: for them it does not exist.
    const stranger = await registry.createUser('stranger');
    await expect(publishSpec(dir.path, { org: 'stranger', name: 'nosy', version: '1.0.0', visibility: 'private', dependencies: { 'acme/hidden': '1' } }, { ...env, FLOCK_TOKEN: stranger }))
      .rejects.toThrow('{"error":"Dependency acme/hidden does not exist"}');
  });

  it('refuses bad names and bad tokens with one-line JSON errors', async () => {
    const bad = await get('/index/acme/Not_Valid');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^Invalid package name "Not_Valid"/);
    const token = await get('/index/acme/base', { authorization: 'Bearer nope' });
    expect(token.status).toBe(401);
    expect(await token.json()).toEqual({ error: 'Invalid token' });
  });

  it('writes a token\'s last_used_at at most once a minute, not on every request', async () => {
    const lastUsed = async () => (await registry.db.selectFrom('tokens').select('last_used_at').where('token_hash', '=', hashToken(ownerToken)).executeTakeFirstOrThrow()).last_used_at;
    let now = Date.parse('2030-01-01T00:00:00Z');
    const tokens = createTokensService({ db: registry.db, clock: () => new Date(now) });
    await tokens.authenticate(ownerToken);
    expect(await lastUsed()).toBe('2030-01-01T00:00:00.000Z');
    now += 59_000;
    await tokens.authenticate(ownerToken);
    expect(await lastUsed()).toBe('2030-01-01T00:00:00.000Z');
    now += 1_000;
    await tokens.authenticate(ownerToken);
    expect(await lastUsed()).toBe('2030-01-01T00:01:00.000Z');
  });

  it('the Hono route (used behind the server\'s fast path) gives the same answer as the fast path', async () => {
    const viaServer = await get('/index/acme/base');
    const app = await registry.withServices(async (services) =>
      createApp({
        services, publicUrl: registry.url, logger: pino({ level: 'silent' }), metrics: createMetrics(),
        ready: async () => ({ ok: true, checks: {} }), auth: authSettingsFrom({ ...registry.config, publicUrl: registry.url }),
      }),
    );
    const viaApp = await app.request('/index/acme/base');
    expect(viaApp.status).toBe(200);
    expect(await viaApp.text()).toBe(await viaServer.text());
    for (const header of ['etag', 'cache-control', 'content-type']) expect(viaApp.headers.get(header)).toBe(viaServer.headers.get(header));
    const missing = await app.request('/index/acme/nothing');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'Package acme/nothing not found' });
  });
});
