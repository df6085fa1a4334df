import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packArchive, parseManifest, renderManifest } from '@flock/core';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { signUpCookie } from '../../../test-support/sessions.js';

describe('org pages and private packages for a signed-in member', () => {
  let registry: TestRegistry;
  let cookie: string;
  let csrf: string;

  const signUp = (username: string) => signUpCookie(registry.url, username);

  async function publishAs(token: string, org: string, name: string, visibility: 'public' | 'private') {
    const manifest = renderManifest(parseManifest(`[package]\nname = "${name}"\nversion = "1.0.0"\norg = "${org}"\nvisibility = "${visibility}"\n`));
    const archive = await packArchive({ root: `${name}-1.0.0`, entries: [{ path: 'flock.toml', bytes: Buffer.from(manifest) }] });
    const response = await fetch(`${registry.url}/api/v1/packages/${org}/${name}/1.0.0`, { method: 'PUT', body: archive, headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
  }

  const page = async (path: string, withCookie: boolean) => fetch(`${registry.url}${path}`, { headers: withCookie ? { cookie } : {} });

  beforeAll(async () => {
    registry = await createTestRegistry();
    cookie = await signUp('ada');
    const account = await (await page('/account', true)).text();
    csrf = /name="_csrf" value="([^"]+)"/.exec(account)![1]!;
    const created = await fetch(`${registry.url}/api/v1/tokens`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'setup', scopes: ['publish', 'read'] }) });
    const { token } = (await created.json()) as { token: string };
    await publishAs(token, 'ada', 'open', 'public');
    await publishAs(token, 'ada', 'hidden', 'private');
    await registry.createUser('grace');
  });
  afterAll(() => registry?.close());

  it('a private package page exists for the signed-in member and not for anyone else', async () => {
    expect((await page('/flock/ada/hidden', false)).status).toBe(404);
    const mine = await page('/flock/ada/hidden', true);
    expect(mine.status).toBe(200);
    expect(mine.headers.get('cache-control')).toBe('private, no-store');
  });

  it('the org page shows members and private packages to members only', async () => {
    const anonymous = await (await page('/flock/ada', false)).text();
    expect(anonymous).toContain('ada/open');
    expect(anonymous).not.toContain('ada/hidden');
    expect(anonymous).not.toContain('id="members"');
    const member = await (await page('/flock/ada', true)).text();
    expect(member).toContain('ada/hidden');
    expect(member).toContain('id="members"');
    expect((await page('/flock/no-such-org', false)).status).toBe(404);
  });

  it("an owner adds a member and changes their role with the page's forms", async () => {
    const form = (path: string, body: string) =>
      fetch(`${registry.url}${path}`, { method: 'POST', redirect: 'manual', body: `${body}&_csrf=${csrf}`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: registry.url } });
    expect((await form('/flock/ada/members', 'username=grace&role=member')).status).toBe(303);
    expect(await (await page('/flock/ada', true)).text()).toMatch(/data-member="grace"><td><strong>grace<\/strong><\/td><td>member/);
    expect((await form('/flock/ada/members/grace/role', 'role=owner')).status).toBe(303);
    expect(await (await page('/flock/ada', true)).text()).toMatch(/data-member="grace"><td><strong>grace<\/strong><\/td><td>owner/);
    const again = await form('/flock/ada/members', 'username=grace&role=member');
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('grace is already a member of ada');
    const events = await (await page('/flock/ada', true)).text();
    // Readable names for the actions, the stored name kept as data.
    expect(events).toContain('<td data-action="member.add">Added member: <span class="subject">grace (member)</span></td>');
    expect(events).toContain('<td data-action="member.role">Changed role: <span class="subject">grace (owner)</span></td>');
  });

  it('the JSON API changes roles too, but never leaves an org without an owner', async () => {
    const setRole = (user: string, role: string) =>
      fetch(`${registry.url}/api/v1/orgs/ada/members/${user}`, { method: 'PUT', body: JSON.stringify({ role }), headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' } });
    expect((await setRole('grace', 'member')).status).toBe(200);
    const demoteLast = await setRole('ada', 'member');
    expect(demoteLast.status).toBe(403);
    expect(await demoteLast.json()).toEqual({ error: 'ada is the last owner of ada; make someone else an owner first' });
    expect((await setRole('grace', 'admin')).status).toBe(400);
    const members = await fetch(`${registry.url}/api/v1/orgs/ada/members`, { headers: { cookie } });
    expect(((await members.json()) as Array<{ username: string; role: string }>).map((m) => `${m.username}:${m.role}`)).toEqual(['ada:owner', 'grace:member']);
  });
});
