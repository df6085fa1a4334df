import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packArchive, parseManifest, renderManifest } from '@flock/core';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { signUpCookie } from '../../../test-support/sessions.js';

describe("an owner sets a package's visibility on its page", () => {
  let registry: TestRegistry;
  const sessions: Record<string, { cookie: string; csrf: string }> = {};

  async function signUp(username: string) {
    const cookie = await signUpCookie(registry.url, username);
    const page = await (await fetch(`${registry.url}/account`, { headers: { cookie } })).text();
    sessions[username] = { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1]! };
  }

  const page = (path: string, who?: string) => fetch(`${registry.url}${path}`, { headers: who ? { cookie: sessions[who]!.cookie } : {} });
  const toggle = (who: string, visibility: string, csrf = sessions[who]!.csrf) =>
    fetch(`${registry.url}/flock/team/tool/visibility`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ _csrf: csrf, visibility }).toString(),
      headers: { cookie: sessions[who]!.cookie, origin: registry.url, 'content-type': 'application/x-www-form-urlencoded' },
    });

  beforeAll(async () => {
    registry = await createTestRegistry();
    await signUp('boss');
    await signUp('helper');
    const token = await registry.withServices(async (s) => {
      const boss = await s.accounts.requireUser('boss');
      const team = await s.accounts.createOrg({ name: 'team', ownerId: boss.id });
      await s.accounts.setMember({ orgId: team.id, userId: (await s.accounts.requireUser('helper')).id, role: 'member' });
      return (await s.tokens.create({ userId: boss.id, name: 'publish' })).token;
    });
    const manifest = renderManifest(parseManifest('[package]\nname = "tool"\nversion = "1.0.0"\norg = "team"\n'));
    const archive = await packArchive({ root: 'tool-1.0.0', entries: [{ path: 'flock.toml', bytes: Buffer.from(manifest) }] });
    expect((await fetch(`${registry.url}/api/v1/packages/team/tool/1.0.0`, { method: 'PUT', body: archive, headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });
  afterAll(() => registry?.close());

  it('the owner sees the control and the header names them; a member and a visitor do not see it', async () => {
    const owner = await (await page('/flock/team/tool', 'boss')).text();
    expect(owner).toContain('id="visibility"');
    expect(owner).toContain('Make private');
    expect(owner).toContain('id="nav-account">boss</a>');
    expect(await (await page('/flock/team/tool', 'helper')).text()).not.toContain('id="visibility"');
    const visitor = await page('/flock/team/tool');
    expect(await visitor.text()).not.toContain('id="visibility"');
    expect(visitor.headers.get('cache-control')).toBe('public, max-age=60');
    expect((await page('/flock/team/tool', 'boss')).headers.get('cache-control')).toBe('private, no-store');
  });

  it('making it private hides it from visitors at once; making it public shows it again', async () => {
    const done = await toggle('boss', 'private');
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/flock/team/tool');
    expect((await page('/flock/team/tool')).status).toBe(404);
    expect((await fetch(`${registry.url}/index/team/tool`)).status).toBe(404);
    expect(await (await page('/flock/team/tool', 'boss')).text()).toContain('Make public');
    expect((await toggle('boss', 'public')).status).toBe(303);
    expect((await page('/flock/team/tool')).status).toBe(200);
  });

  it('a member who is not an owner, a forged form and a bad value are refused, changing nothing', async () => {
    expect((await toggle('helper', 'private')).status).toBe(403);
    expect((await toggle('boss', 'private', 'forged')).status).toBe(403);
    expect((await toggle('boss', 'secret')).status).toBe(400);
    expect((await page('/flock/team/tool')).status).toBe(200);
  });
});
