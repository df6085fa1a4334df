import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

/** What every answer carries, whatever answered it: a page, the API, an error, the index's fast path. */
const EVERY_ANSWER = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

function expectSecure(response: Response, what: string): void {
  for (const [name, value] of Object.entries(EVERY_ANSWER)) expect(response.headers.get(name), `${name} on ${what}`).toBe(value);
  const policy = response.headers.get('content-security-policy') ?? '';
  for (const directive of ["default-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"]) {
    expect(policy.split('; '), `CSP on ${what}`).toContain(directive);
  }
  expect(policy, `CSP on ${what}`).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
}

describe('security headers on every answer', () => {
  let registry: TestRegistry;
  let token: string;
  let cookie: string;
  let csrf: string;
  let signUpAnswer: Response;

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${registry.url}${path}`, { headers, redirect: 'manual' });

  beforeAll(async () => {
    registry = await createTestRegistry();
    token = await registry.createUser('acme');
    const put = await fetch(`${registry.url}/api/v1/packages/acme/thing/1.0.0`, {
      method: 'PUT', body: await manifestOnlyArchive('acme', 'thing', '1.0.0'), headers: { authorization: `Bearer ${token}` },
    });
    expect(put.status).toBe(200);
    const signUp = await fetch(`${registry.url}/signup`, {
      method: 'POST', redirect: 'manual', body: 'username=ada&password=a+long+password',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: registry.url },
    });
    expect(signUp.status).toBe(303);
    signUpAnswer = signUp;
    cookie = signUp.headers.getSetCookie().find((h) => h.startsWith('flock_session='))!.split(';')[0]!;
    csrf = /name="_csrf" value="([^"]+)"/.exec(await (await get('/account', { cookie })).text())![1]!;
  });
  afterAll(() => registry?.close());

  it('pages, the API, errors, 404s, downloads, /healthz and /metrics', async () => {
    const answers: Array<[string, Record<string, string>, number]> = [
      ['/', {}, 200],
      ['/flock/acme/thing', {}, 200],
      ['/search?q=thing', {}, 200],
      ['/flock/acme/nothing', {}, 404],
      ['/no/such/page', {}, 404],
      ['/api/v1/packages/acme/thing', {}, 200],
      ['/api/v1/packages/acme/nothing', {}, 404],
      ['/api/v1/packages/acme/Bad_Name', {}, 400],
      ['/api/v1/nothing-here', {}, 404],
      ['/healthz', {}, 200],
      ['/readyz', {}, 200],
      ['/metrics', {}, 200],
    ];
    for (const [path, headers, status] of answers) {
      const response = await get(path, headers);
      expect(response.status, path).toBe(status);
      expectSecure(response, path);
    }
    // Refusals from middleware (here the CSRF check) too.
    const forged = await fetch(`${registry.url}/api/v1/orgs`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: '{}' });
    expect(forged.status).toBe(403);
    expectSecure(forged, 'a cross-site POST');
    const download = await get('/api/v1/packages/acme/thing/1.0.0/download');
    // The folder store answers with the bytes; S3 with a redirect to a presigned URL.
    expect([200, 302]).toContain(download.status);
    expectSecure(download, 'a download');
  });

  it('the sparse index: its fast path (cold and warm), 304, 404, and the errors Hono answers behind it', async () => {
    const cold = await get('/index/acme/thing');
    expect(cold.status).toBe(200);
    expectSecure(cold, 'a cold index answer');
    const warm = await get('/index/acme/thing');
    expectSecure(warm, 'a warm index answer');
    const notModified = await get('/index/acme/thing', { 'if-none-match': warm.headers.get('etag')! });
    expect(notModified.status).toBe(304);
    expectSecure(notModified, 'an index 304');
    const missing = await get('/index/acme/nothing');
    expect(missing.status).toBe(404);
    expectSecure(missing, 'an index 404');
    const badName = await get('/index/acme/Bad_Name');
    expect(badName.status).toBe(400);
    expectSecure(badName, 'an index 400');
    const badToken = await get('/index/acme/thing', { authorization: 'Bearer nope' });
    expect(badToken.status).toBe(401);
    expectSecure(badToken, 'an index 401');
    // The fast path sends the very values Hono's middleware sends.
    const policy = (response: Response) => response.headers.get('content-security-policy');
    expect(policy(warm)).toBe(policy(badName));
  });

  it('public answers keep their cacheability', async () => {
    expect((await get('/flock/acme/thing')).headers.get('cache-control')).toBe('public, max-age=60');
    expect((await get('/index/acme/thing')).headers.get('cache-control')).toBe('public, max-age=60');
  });

  it('answers about tokens, sessions and accounts are never stored', async () => {
    expect(signUpAnswer.headers.get('cache-control')).toBe('no-store');
    expectSecure(signUpAnswer, 'POST /signup');
    const bearer = { authorization: `Bearer ${token}` };
    const session = { cookie };
    const answers: Array<[string, string, Record<string, string>, number]> = [
      ['GET', '/account', session, 200],
      ['GET', '/account', {}, 303],
      ['GET', '/login', {}, 200],
      ['GET', '/login/github', {}, 404],
      ['GET', '/auth/github/callback', {}, 404],
      ['GET', '/api/v1/me', bearer, 200],
      ['GET', '/api/v1/me', {}, 401],
      ['GET', '/api/v1/tokens', bearer, 200],
      ['GET', '/api/v1/tokens', session, 200],
      ['POST', '/api/v1/tokens', { ...session, 'x-csrf-token': csrf, 'content-type': 'application/json' }, 201],
      ['POST', '/api/v1/tokens', { ...bearer, 'content-type': 'application/json' }, 201],
    ];
    for (const [i, [method, path, headers, status]] of answers.entries()) {
      const body = method === 'POST' ? JSON.stringify({ name: `token-${i}`, scopes: ['read'] }) : null;
      const response = await fetch(`${registry.url}${path}`, { method, headers, body, redirect: 'manual' });
      const what = `${method} ${path} ${Object.keys(headers).join(',')}`;
      expect(response.status, what).toBe(status);
      expect(response.headers.get('cache-control'), what).toBe('no-store');
      expectSecure(response, what);
    }
    // A rotation shows a new secret too.
    const listed = (await (await fetch(`${registry.url}/api/v1/tokens`, { headers: bearer })).json()) as Array<{ id: string; name: string }>;
    const rotated = await fetch(`${registry.url}/api/v1/tokens/${listed.find((t) => t.name === 'token-10')!.id}/rotate`, { method: 'POST', headers: bearer });
    expect([rotated.status, rotated.headers.get('cache-control')]).toEqual([200, 'no-store']);
  });

  it('a page shown to a signed-in browser is private, even where it names no cache policy of its own', async () => {
    for (const path of ['/', '/search?q=thing', '/flock/acme/thing', '/flock/acme']) {
      const response = await get(path, { cookie });
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control'), path).toBe('private, no-store');
    }
    // Signed out, the front page still names no cache policy: nothing in it depends on who asks.
    expect((await get('/')).headers.get('cache-control')).toBeNull();
    const logout = await fetch(`${registry.url}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}` });
    expect(logout.status).toBe(303);
    expect(logout.headers.get('cache-control')).toBe('no-store');
    expectSecure(logout, 'POST /logout');
  });
});
