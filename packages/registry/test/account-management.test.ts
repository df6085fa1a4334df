import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGE_REFUSAL } from '@flock/core';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// Tokens, orgs, memberships and org stores are the account's administration: a browser session
// may run them, a token only with the manage scope, which no token gets unless it is asked for.
describe('managing the account needs a session or a manage token', () => {
  let registry: TestRegistry;
  let cookie: string;
  let csrf: string;
  let publishOnly: string;
  let otherOrgOnly: string;

  const api = (path: string, auth: { token: string } | 'session', init: RequestInit = {}) =>
    fetch(`${registry.url}${path}`, {
      ...init, redirect: 'manual',
      headers: { 'content-type': 'application/json', ...(auth === 'session' ? { cookie, 'x-csrf-token': csrf } : { authorization: `Bearer ${auth.token}` }) },
    });

  beforeAll(async () => {
    registry = await createTestRegistry();
    const signedUp = await fetch(`${registry.url}/signup`, {
      method: 'POST', redirect: 'manual', body: 'username=ada&password=a+long+password',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: registry.url },
    });
    cookie = signedUp.headers.getSetCookie().find((h) => h.startsWith('flock_session='))!.split(';')[0]!;
    csrf = /name="_csrf" value="([^"]+)"/.exec(await (await fetch(`${registry.url}/account`, { headers: { cookie } })).text())![1]!;
    await registry.createUser('bea');
    [publishOnly, otherOrgOnly] = await registry.withServices(async (s) => {
      const ada = await s.accounts.requireUser('ada');
      await s.accounts.createOrg({ name: 'team', ownerId: ada.id });
      const side = await s.accounts.createOrg({ name: 'side', ownerId: ada.id });
      return [
        (await s.tokens.create({ userId: ada.id, name: 'ci', scopes: ['publish'] })).token,
        (await s.tokens.create({ userId: ada.id, name: 'side-only', scopes: ['publish', 'yank', 'read', 'manage'], orgIds: [side.id] })).token,
      ];
    });
  });
  afterAll(() => registry?.close());

  it('a publish-only token cannot list tokens: 403, one line saying what to use', async () => {
    const response = await api('/api/v1/tokens', { token: publishOnly });
    expect([response.status, await response.json()]).toEqual([403, { error: MANAGE_REFUSAL }]);
  });

  it('a session lists and mints tokens and creates orgs through the API, with no manage token', async () => {
    const minted = await api('/api/v1/tokens', 'session', { method: 'POST', body: JSON.stringify({ name: 'admin', scopes: ['read', 'manage'] }) });
    expect(minted.status).toBe(201);
    const { token } = (await minted.json()) as { token: string };
    expect((await api('/api/v1/orgs', 'session', { method: 'POST', body: JSON.stringify({ name: 'by-session' }) })).status).toBe(201);
    // The manage token it minted may now do the same.
    const listed = await api('/api/v1/tokens', { token });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as Array<{ name: string }>).map((t) => t.name).sort()).toEqual(['admin', 'ci', 'side-only']);
    expect((await api('/api/v1/orgs', { token }, { method: 'POST', body: JSON.stringify({ name: 'by-token' }) })).status).toBe(201);
  });

  it("the account page's new-token form ticks only read: more is asked for on purpose", async () => {
    const page = await (await fetch(`${registry.url}/account`, { headers: { cookie } })).text();
    const boxes = [...page.matchAll(/<input type="checkbox" name="scopes" value="(\w+)"( checked(?:="")?)?/g)].map((m) => `${m[1]}:${m[2] ? 'on' : 'off'}`);
    expect(boxes).toEqual(['publish:off', 'yank:off', 'read:on', 'manage:off']);
  });

  it('a token restricted to another org neither reads the org store status nor sees the members on the org page', async () => {
    const status = await api('/api/v1/orgs/team/store', { token: otherOrgOnly });
    expect([status.status, await status.json()]).toEqual([403, { error: 'This token is not allowed to act on team' }]);
    const page = await (await fetch(`${registry.url}/flock/team`, { headers: { authorization: `Bearer ${otherOrgOnly}` } })).text();
    expect(page).not.toContain('id="members"');
    const own = await (await fetch(`${registry.url}/flock/side`, { headers: { authorization: `Bearer ${otherOrgOnly}` } })).text();
    expect(own).toContain('id="members"');
  });
});
