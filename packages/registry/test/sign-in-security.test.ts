import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGithub, type FakeGithub } from '../../../test-support/fake-github.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

/** Pulls `name=value` out of a response's Set-Cookie headers. */
function cookieFrom(response: Response, name: string): string | undefined {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const [key, ...value] = pair!.split('=');
    if (key === name && value.join('=') !== '') return value.join('=');
  }
  return undefined;
}

const get = (url: string, cookie?: string) => fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });

describe('signing in with GitHub: state, next and CSRF attacks', () => {
  let github: FakeGithub;
  let registry: TestRegistry;

  /** Begins a sign-in as a browser would: returns the binding cookie and GitHub's redirect back (the callback URL). */
  async function begin(next = '/account'): Promise<{ binding: string; callback: string }> {
    const start = await get(`${registry.url}/login/github?next=${encodeURIComponent(next)}`);
    expect(start.status).toBe(302);
    const binding = cookieFrom(start, 'flock_oauth')!;
    const authorize = await get(start.headers.get('location')!);
    expect(authorize.status).toBe(302);
    return { binding, callback: authorize.headers.get('location')! };
  }

  async function signIn(user: { id: number; login: string }, next = '/account') {
    github.signInAs(user);
    const { binding, callback } = await begin(next);
    const done = await get(callback, `flock_oauth=${binding}`);
    return { done, session: cookieFrom(done, 'flock_session') };
  }

  const sessions = async () => Number((await registry.db.selectFrom('sessions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    github = await startFakeGithub();
    registry = await createTestRegistry(github.env);
  });
  afterAll(async () => {
    await registry?.close();
    await github?.close();
  });

  it('a normal sign-in sets an HttpOnly, SameSite=Lax session cookie and follows a same-site next', async () => {
    const { done, session } = await signIn({ id: 1, login: 'Mona' }, '/flock/mona?tab=1');
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/flock/mona?tab=1');
    const header = done.headers.getSetCookie().find((h) => h.startsWith('flock_session='))!;
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Lax/);
    expect(header).not.toMatch(/Secure/);
    const me = await fetch(`${registry.url}/api/v1/me`, { headers: { cookie: `flock_session=${session}` } });
    expect(((await me.json()) as { username: string }).username).toBe('mona');
    // Only the hash of the session secret is stored.
    const rows = await registry.db.selectFrom('sessions').select('id_hash').execute();
    expect(rows.map((r) => r.id_hash)).not.toContain(session);
  });

  it('a reused state gets an error page and no session', async () => {
    github.signInAs({ id: 2, login: 'replay' });
    const { binding, callback } = await begin();
    expect((await get(callback, `flock_oauth=${binding}`)).status).toBe(303);
    const before = await sessions();
    const again = await get(callback, `flock_oauth=${binding}`);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('already used');
    expect(cookieFrom(again, 'flock_session')).toBeUndefined();
    expect(await sessions()).toBe(before);
  });

  it('a missing or unknown state gets an error page and no session', async () => {
    const before = await sessions();
    const { binding, callback } = await begin();
    const url = new URL(callback);
    const code = url.searchParams.get('code')!;
    const missing = await get(`${registry.url}/auth/github/callback?code=${code}`, `flock_oauth=${binding}`);
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('GitHub sent no state');
    const forged = await get(`${registry.url}/auth/github/callback?code=${code}&state=forged-state`, `flock_oauth=${binding}`);
    expect(forged.status).toBe(400);
    expect(cookieFrom(forged, 'flock_session')).toBeUndefined();
    expect(await sessions()).toBe(before);
  });

  it("a state begun in another browser (the attacker's) is refused in the victim's", async () => {
    const before = await sessions();
    const attacker = await begin();
    const victim = await begin();
    const swapped = await get(attacker.callback, `flock_oauth=${victim.binding}`);
    expect(swapped.status).toBe(400);
    expect(await swapped.text()).toContain('started in another browser');
    const noCookie = await get(victim.callback);
    expect(noCookie.status).toBe(400);
    expect(await sessions()).toBe(before);
  });

  it('an error from GitHub (the user cancelled) gets a clear error page and no session', async () => {
    const before = await sessions();
    github.denyNext('access_denied');
    const { binding, callback } = await begin();
    const denied = await get(callback, `flock_oauth=${binding}`);
    expect(denied.status).toBe(400);
    expect(await denied.text()).toContain('GitHub did not sign you in: The user has denied your application access.');
    expect(await sessions()).toBe(before);
  });

  it('a next that is not a same-site path is refused before anything starts', async () => {
    const states = async () => (await registry.db.selectFrom('oauth_states').select('state_hash').execute()).length;
    const before = await states();
    for (const next of ['//evil.example', 'https://evil.example/x', 'https:evil.example', '/\\evil.example', 'javascript:alert(1)', ' //evil.example', '/\t/evil.example', 'evil.example']) {
      const response = await get(`${registry.url}/login/github?next=${encodeURIComponent(next)}`);
      expect(response.status, next).toBe(400);
      expect(await response.text()).toContain('must be a path on this site');
    }
    // Percent-encoded by hand, as an attacker would write it in a link: decoded once, each is one of the above.
    for (const raw of ['%2F%2Fevil.example', '%2f%5cevil.example', '/%2F/evil.example', '%2F%09%2Fevil.example']) {
      const response = await get(`${registry.url}/login/github?next=${raw}`);
      expect(response.status, raw).toBe(400);
    }
    expect(await states()).toBe(before);
  });

  it('a renamed GitHub login keeps its org; a newcomer with the old login does not get it', async () => {
    await signIn({ id: 70, login: 'Renamer' });
    const { done } = await signIn({ id: 70, login: 'Renamed-Now' });
    expect(done.status).toBe(303);
    const users = await registry.db.selectFrom('users').select(['username', 'github_id']).where('github_id', 'in', ['70', '71']).orderBy('github_id').execute();
    expect(users).toEqual([{ username: 'renamer', github_id: '70' }]);
    await signIn({ id: 71, login: 'renamer' });
    const newcomer = await registry.db.selectFrom('users').select('username').where('github_id', '=', '71').executeTakeFirstOrThrow();
    expect(newcomer.username).toBe('renamer-2');
    const owners = await registry.withServices(async (s) => s.accounts.roleOf((await s.accounts.requireOrg('renamer')).id, (await s.accounts.requireUser('renamer-2')).id));
    expect(owners).toBeNull();
  });

  it('an expired session is anonymous', async () => {
    const { session } = await signIn({ id: 80, login: 'fleeting' });
    const me = () => fetch(`${registry.url}/api/v1/me`, { headers: { cookie: `flock_session=${session}` } });
    expect((await me()).status).toBe(200);
    const user = await registry.db.selectFrom('users').select('id').where('username', '=', 'fleeting').executeTakeFirstOrThrow();
    await registry.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('user_id', '=', user.id).execute();
    expect((await me()).status).toBe(401);
    const account = await fetch(`${registry.url}/account`, { redirect: 'manual', headers: { cookie: `flock_session=${session}` } });
    expect(account.status).toBe(303);
    expect(account.headers.get('location')).toBe('/login?next=%2Faccount');
  });

  it('forged state-changing requests with a session get 403 and change nothing', async () => {
    const { session } = await signIn({ id: 90, login: 'victim' });
    const cookie = `flock_session=${session}`;
    const page = await (await fetch(`${registry.url}/account`, { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const tokens = async () => (await registry.db.selectFrom('tokens').innerJoin('users', 'users.id', 'tokens.user_id').select('tokens.id').where('users.username', '=', 'victim').execute()).length;
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${registry.url}/account/tokens`, { method: 'POST', redirect: 'manual', body, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers } });

    expect((await post('name=evil&scopes=publish')).status).toBe(403);
    expect((await post('name=evil&scopes=publish&_csrf=wrong')).status).toBe(403);
    expect((await post(`name=evil&scopes=publish&_csrf=${csrf}`, { origin: 'https://evil.example' })).status).toBe(403);
    const json = (headers: Record<string, string>) =>
      fetch(`${registry.url}/api/v1/tokens`, { method: 'POST', body: JSON.stringify({ name: 'evil', scopes: 'publish' }), headers: { cookie, 'content-type': 'application/json', ...headers } });
    const forgedJson = await json({ origin: 'https://evil.example' });
    expect(forgedJson.status).toBe(403);
    expect(await forgedJson.json()).toEqual({ error: 'Cross-site request refused: reload the page and try again' });
    expect((await json({})).status).toBe(403);
    expect((await json({ 'content-type': 'text/plain' })).status).toBe(403);
    const logout = await fetch(`${registry.url}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: 'https://evil.example' } });
    expect(logout.status).toBe(403);
    expect(await tokens()).toBe(0);

    // The same requests from the registry's own pages go through.
    expect((await post(`name=mine&scopes=publish&_csrf=${csrf}`, { origin: registry.url })).status).toBe(200);
    expect((await json({ origin: registry.url })).status).toBe(201);
    expect((await json({ 'x-csrf-token': csrf })).status).toBe(201);
    expect(await tokens()).toBe(3);
  });

  it('"Sign out everywhere else" ends every other session of that user, and only on a real request', async () => {
    const browsers = [];
    for (let i = 0; i < 3; i++) browsers.push(`flock_session=${(await signIn({ id: 95, login: 'roamer' })).session}`);
    const bystander = `flock_session=${(await signIn({ id: 96, login: 'bystander' })).session}`;
    const [here, ...elsewhere] = browsers as [string, ...string[]];
    const me = async (cookie: string) => (await fetch(`${registry.url}/api/v1/me`, { headers: { cookie } })).status;
    const page = await (await fetch(`${registry.url}/account`, { headers: { cookie: here } })).text();
    expect(page).toContain('You are signed in on 3 browsers, this one included.');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const signOutOthers = (body: string) =>
      fetch(`${registry.url}/account/sessions/others`, { method: 'POST', redirect: 'manual', body, headers: { cookie: here, 'content-type': 'application/x-www-form-urlencoded' } });

    expect((await signOutOthers('_csrf=wrong')).status).toBe(403);
    expect(await Promise.all(browsers.map(me))).toEqual([200, 200, 200]);

    const done = await signOutOthers(`_csrf=${csrf}`);
    expect([done.status, done.headers.get('location')]).toEqual([303, '/account']);
    expect(await Promise.all(elsewhere.map(me))).toEqual([401, 401]);
    expect(await me(here)).toBe(200);
    expect(await me(bystander)).toBe(200);
    const after = await (await fetch(`${registry.url}/account`, { headers: { cookie: here } })).text();
    expect(after).toContain('You are signed in on this browser only.');
    expect(after).not.toContain('sign-out-others');
    expect(after).toContain('<td data-action="sign_out_elsewhere">Signed out other browsers: <span class="subject">2 sessions</span></td>');
  });
});

describe('session cookies on an https registry', () => {
  it('are Secure when the public URL is https', async () => {
    const registry = await createTestRegistry({ FLOCK_PUBLIC_URL: 'https://registry.example' });
    try {
      const response = await fetch(`${registry.url}/signup`, {
        method: 'POST', redirect: 'manual', body: 'username=sam&password=long+enough+pw',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://registry.example' },
      });
      expect(response.status).toBe(303);
      expect(response.headers.getSetCookie().find((h) => h.startsWith('flock_session='))).toMatch(/; Secure/);
      const forged = await fetch(`${registry.url}/signup`, {
        method: 'POST', redirect: 'manual', body: 'username=eve&password=long+enough+pw',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      });
      expect(forged.status).toBe(403);
      expect(await registry.db.selectFrom('users').select('username').where('username', '=', 'eve').executeTakeFirst()).toBeUndefined();
    } finally {
      await registry.close();
    }
  });
});
