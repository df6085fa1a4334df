import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// A clock the tests move: polls too soon, codes that expire. Mid-window, so rate-limit windows do not roll over by accident.
let now = new Date('2026-06-01T12:01:00Z');
const advance = (seconds: number) => (now = new Date(now.getTime() + seconds * 1000));
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

describe('flock login --web: the device authorization API and the /device page', () => {
  let registry: TestRegistry;
  /** A signed-in browser of "alice": its session cookie and CSRF token. */
  let browser: { cookie: string; csrf: string };

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await fetch(`${registry.url}${path}`, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
  };
  const newCode = (name = 'flock on laptop') => post('/api/v1/device/code', { name });
  const poll = (deviceCode: unknown) => post('/api/v1/device/token', { deviceCode });

  async function signIn(username: string): Promise<{ cookie: string; csrf: string }> {
    return registry.withServices(async (services) => {
      const user = await services.accounts.createUser({ username });
      const { secret } = await services.sessions.create(user.id);
      return { cookie: `flock_session=${secret}`, csrf: services.sessions.csrfToken(secret) };
    });
  }
  const page = (code: string, as = browser) => fetch(`${registry.url}/device?code=${encodeURIComponent(code)}`, { headers: { cookie: as.cookie }, redirect: 'manual' });
  const decide = (form: Record<string, string | string[]>, as = browser) => {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) for (const v of [value].flat()) body.append(key, v);
    return fetch(`${registry.url}/device`, { method: 'POST', body: body.toString(), headers: { cookie: as.cookie, 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
  };
  const approve = (userCode: string, scopes: string[], as = browser) => decide({ _csrf: as.csrf, code: userCode, scopes, decision: 'approve' }, as);

  beforeAll(async () => {
    registry = await createTestRegistry({ FLOCK_DEVICE_POLL_INTERVAL: '2' }, { clock: () => now });
    browser = await signIn('alice');
  });
  afterAll(() => registry?.close());

  it('a new code: a long device code, an 8-letter user code, the page to approve it at, the interval set by FLOCK_DEVICE_POLL_INTERVAL; never stored by a cache', async () => {
    const answer = await newCode();
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const { deviceCode, userCode } = answer.body as { deviceCode: string; userCode: string };
    expect(deviceCode.length).toBeGreaterThanOrEqual(40);
    expect(userCode).toMatch(USER_CODE);
    expect(answer.body).toEqual({
      deviceCode, userCode, expiresIn: 600, interval: 2,
      verificationUri: `${registry.url}/device`, verificationUriComplete: `${registry.url}/device?code=${userCode}`,
    });
  });

  it('a name must be one printable line of at most 100 characters; without a body the token gets a generic name', async () => {
    for (const name of ['evil\nname', 'x'.repeat(101), '', 42]) {
      const answer = await newCode(name as string);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(/^Invalid name/);
    }
    const bare = await fetch(`${registry.url}/api/v1/device/code`, { method: 'POST' });
    expect(bare.status).toBe(200);
    const { userCode } = (await bare.json()) as { userCode: string };
    expect(await (await page(userCode)).text()).toContain('flock login --web');
  });

  it('polling: authorization_pending while waiting, slow_down when too soon (which adds 5 s to the interval), pending again after waiting that long', async () => {
    const { deviceCode } = (await newCode()).body;
    expect(await poll(deviceCode)).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });
    expect(await poll(deviceCode)).toMatchObject({ status: 400, body: { error: 'slow_down' } });
    advance(2);
    // The interval is now 2 + 5 s.
    expect(await poll(deviceCode)).toMatchObject({ status: 400, body: { error: 'slow_down' } });
    advance(12);
    expect(await poll(deviceCode)).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });
  });

  it('unknown or malformed device codes: expired_token, or 400 for a body without one', async () => {
    expect(await poll('no-such-code')).toMatchObject({ status: 400, body: { error: 'expired_token' } });
    expect((await poll(12)).body.error).toBe('Expected {"deviceCode": "…"}');
    expect((await poll('x'.repeat(201))).status).toBe(400);
  });

  it('/device needs a signed-in browser: otherwise it redirects to the login page, coming back with the code', async () => {
    const response = await fetch(`${registry.url}/device?code=BCDF-GHJK`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/device?code=BCDF-GHJK')}`);
  });

  it('approved in the browser with the ticked scopes: the next poll gets a working token with those scopes, once; the approval is audited', async () => {
    const { deviceCode, userCode } = (await newCode('flock on build-box')).body as { deviceCode: string; userCode: string };
    const shown = await page(userCode.toLowerCase().replace('-', ' '));
    expect(shown.status).toBe(200);
    expect(shown.headers.get('cache-control')).toBe('no-store');
    const html = await shown.text();
    expect(html).toContain('<strong id="device-name">flock on build-box</strong>');
    expect(html).toContain(`<code id="user-code">${userCode}</code>`);
    // Default ticks as `flock token create`: publish, yank, read; never manage.
    expect(html).toMatch(/value="publish" checked/);
    expect(html).not.toMatch(/value="manage" checked/);

    const approved = await approve(userCode, ['read', 'publish']);
    expect(approved.status).toBe(200);
    expect(await approved.text()).toContain('Approved: <strong>flock on build-box</strong> is signed in as alice');

    advance(3);
    const answer = await poll(deviceCode);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toEqual({ token: expect.stringMatching(/^flock_[0-9A-Za-z]{38}$/), username: 'alice' });
    const me = await fetch(`${registry.url}/api/v1/me`, { headers: { authorization: `Bearer ${answer.body.token as string}` } });
    expect(await me.json()).toMatchObject({ username: 'alice', token: { name: 'flock on build-box', scopes: ['read', 'publish'] } });

    advance(3);
    expect(await poll(deviceCode)).toMatchObject({ status: 400, body: { error: 'expired_token' } });
    // The code cannot be approved twice either.
    expect((await approve(userCode, ['read'])).status).toBe(404);

    const events = await registry.db.selectFrom('audit_events').select(['action', 'subject', 'actor_name']).where('actor_name', '=', 'alice').execute();
    expect(events).toEqual(expect.arrayContaining([
      { action: 'device.approve', subject: 'flock on build-box (read,publish)', actor_name: 'alice' },
      { action: 'token.create', subject: 'flock on build-box', actor_name: 'alice' },
    ]));
  });

  it('denied in the browser: the next poll is access_denied, and after that the code is gone', async () => {
    const { deviceCode, userCode } = (await newCode()).body as { deviceCode: string; userCode: string };
    const denied = await decide({ _csrf: browser.csrf, code: userCode, decision: 'deny' });
    expect(denied.status).toBe(200);
    expect(await denied.text()).toContain('Denied: <strong>flock on laptop</strong> was not signed in.');
    expect(await poll(deviceCode)).toMatchObject({ status: 400, body: { error: 'access_denied' } });
    advance(3);
    expect(await poll(deviceCode)).toMatchObject({ status: 400, body: { error: 'expired_token' } });
  });

  it('the approval form needs the CSRF token, a decision and at least one scope', async () => {
    const { userCode } = (await newCode()).body as { userCode: string };
    expect((await decide({ code: userCode, decision: 'approve', scopes: 'read' })).status).toBe(403);
    expect((await decide({ _csrf: browser.csrf, code: userCode, decision: 'maybe' })).status).toBe(400);
    const none = await decide({ _csrf: browser.csrf, code: userCode, decision: 'approve' });
    expect(none.status).toBe(400);
    expect(await none.text()).toContain('A token needs at least one scope');
  });

  it('a code expires after 10 minutes: the poll says expired_token and the page no longer finds it', async () => {
    const { deviceCode, userCode } = (await newCode()).body as { deviceCode: string; userCode: string };
    advance(601);
    expect(await poll(deviceCode)).toMatchObject({ status: 400, body: { error: 'expired_token' } });
    const shown = await page(userCode);
    expect(shown.status).toBe(404);
    expect(await shown.text()).toContain('No sign-in is waiting for this code');
  });

  it('neither code is stored raw: the database holds only their hashes', async () => {
    const { deviceCode, userCode } = (await newCode()).body as { deviceCode: string; userCode: string };
    const rows = JSON.stringify(await registry.db.selectFrom('device_codes').selectAll().execute());
    expect(rows).toContain('"status":"pending"');
    expect(rows).not.toContain(deviceCode);
    expect(rows).not.toContain(userCode);
    expect(rows).not.toContain(userCode.replace('-', ''));
  });

  it('wrong user codes: ten per user in ten minutes, then even the right one waits (429); other users are unaffected', async () => {
    const mallory = await signIn('mallory');
    const { userCode } = (await newCode()).body as { userCode: string };
    for (let i = 0; i < 10; i++) expect((await page(`BCDF-GH${'JKLMNPQRST'[i]}Z`, mallory)).status).toBe(404);
    const blocked = await page(userCode, mallory);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.text()).toContain('Too many wrong codes');
    expect((await approve(userCode, ['read'], mallory)).status).toBe(429);
    // Right codes are not counted: alice looks hers up more than ten times.
    for (let i = 0; i < 12; i++) expect((await page(userCode)).status).toBe(200);
  });

  it('new codes: twenty per client address in ten minutes, then 429 with Retry-After', async () => {
    advance(600);
    for (let i = 0; i < 20; i++) expect((await newCode()).status).toBe(200);
    const refused = await newCode();
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatch(/^Too many sign-in codes requested/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('DELETE /api/v1/tokens/current: any token revokes itself, without the manage scope; a browser session cannot', async () => {
    const token = await registry.withServices(async (s) => {
      const user = await s.accounts.createUser({ username: 'bob' });
      return (await s.tokens.create({ userId: user.id, name: 'read only', scopes: ['read'] })).token;
    });
    const auth = { authorization: `Bearer ${token}` };
    const revoked = await fetch(`${registry.url}/api/v1/tokens/current`, { method: 'DELETE', headers: auth });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ name: 'read only', scopes: ['read'] });
    expect((await fetch(`${registry.url}/api/v1/me`, { headers: auth })).status).toBe(401);
    const bySession = await fetch(`${registry.url}/api/v1/tokens/current`, { method: 'DELETE', headers: { cookie: browser.cookie, 'x-csrf-token': browser.csrf } });
    expect(bySession.status).toBe(400);
    expect(await bySession.json()).toEqual({ error: 'Only a token can revoke itself: send it as "Authorization: Bearer flock_…"' });
  });
});
