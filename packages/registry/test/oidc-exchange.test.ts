import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { startFakeIssuer, type FakeIssuer, type SignOptions } from '../../../test-support/oidc-issuer.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// The exchange and publishing with its short-lived token, against a real registry and a fake
// issuer on 127.0.0.1. The registry's clock is movable; the issuer signs with the same "now".

const AUDIENCE = 'flock-test';

describe('trusted publishing: the OIDC exchange and publishing with its token', () => {
  let registry: TestRegistry;
  let issuer: FakeIssuer;
  let owner: string;
  let now = new Date('2031-03-01T12:00:00.000Z');
  const later = (seconds: number) => (now = new Date(now.getTime() + seconds * 1000));

  const api = (path: string, init: { method?: string; token?: string; body?: unknown } = {}) =>
    fetch(`${registry.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: init.body instanceof Uint8Array ? init.body : JSON.stringify(init.body) }),
    });
  const exchange = (idToken: string, pkg = 'acme/palette') => api('/api/v1/oidc/exchange', { method: 'POST', body: { token: idToken, package: pkg } });
  const publish = async (token: string, version: string, name = 'palette') =>
    api(`/api/v1/packages/acme/${name}/${version}`, { method: 'PUT', token, body: new Uint8Array(await manifestOnlyArchive('acme', name, version)) });
  const sign = (claims: Record<string, unknown> = {}, options: SignOptions = {}, by = issuer) =>
    by.sign({ aud: AUDIENCE, repository: 'acme/palette', ref: 'refs/heads/main', ...claims }, { now, ...options });
  const trust = async (body: Record<string, unknown>) => {
    const response = await api('/api/v1/orgs/acme/trusted-publishers', { method: 'POST', token: owner, body: { audience: AUDIENCE, ...body } });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  const stored = async () => ({
    versions: await registry.db.selectFrom('versions').select(['id', 'version']).orderBy('id').execute(),
    tokens: await registry.db.selectFrom('oidc_tokens').select(['id', 'used_version']).orderBy('id').execute(),
    jtis: await registry.db.selectFrom('oidc_jtis').select('key').orderBy('key').execute(),
    blobs: await registry.listBlobs(),
  });
  const shortToken = async (idToken: string, pkg?: string) => {
    const response = await exchange(idToken, pkg);
    expect([response.status, await response.clone().text()]).toEqual([200, expect.any(String)]);
    return (await response.json()) as { token: string; expiresAt: string; publisher: { id: string; issuer: string } };
  };

  beforeAll(async () => {
    registry = await createTestRegistry({}, { clock: () => now });
    issuer = await startFakeIssuer();
    owner = await registry.createUser('ada');
    await registry.withServices(async (s) => s.accounts.createOrg({ name: 'acme', ownerId: (await s.accounts.requireUser('ada')).id }));
    // Pending: acme/palette does not exist yet.
    await trust({ package: 'palette', issuer: issuer.url, claims: { repository: 'acme/palette', ref: 'refs/heads/main' } });
  });
  afterAll(async () => {
    await registry?.close();
    await issuer?.close();
  });

  it('a good RS256 token: exchanged, the pending publisher creates the package, and the version records who and what', async () => {
    expect(await registry.db.selectFrom('packages').select('id').where('name', '=', 'palette').execute()).toEqual([]);
    const answer = await shortToken(await sign({ run_id: 42, environment: 'release' }));
    expect(answer.token).toMatch(/^flock_oidc_[A-Za-z0-9_-]{43}$/);
    expect(answer.publisher.issuer).toBe(issuer.url);
    expect(Date.parse(answer.expiresAt) - now.getTime()).toBe(15 * 60 * 1000);
    const row = await registry.db.selectFrom('oidc_tokens').selectAll().executeTakeFirstOrThrow();
    expect(row.token_hash).not.toContain(answer.token.slice(11));

    const published = await publish(answer.token, '1.0.0');
    expect([published.status, await published.text()]).toEqual([200, expect.stringContaining('"ok":true')]);
    const version = await registry.db.selectFrom('versions').selectAll().where('version', '=', '1.0.0').executeTakeFirstOrThrow();
    const ada = await registry.withServices((s) => s.accounts.requireUser('ada'));
    expect(version.trusted_publisher_id).toBe(answer.publisher.id);
    expect(version.publisher_id).toBe(ada.id);
    expect(version.token_id).toBeNull();
    expect(JSON.parse(version.oidc_claims!)).toEqual({
      iss: issuer.url, aud: AUDIENCE, sub: 'repo:acme/palette:ref:refs/heads/main', repository: 'acme/palette', ref: 'refs/heads/main', run_id: '42', environment: 'release',
    });
    const audit = await registry.db.selectFrom('audit_events').selectAll().where('action', '=', 'publish').executeTakeFirstOrThrow();
    expect([audit.actor_id, audit.actor_name, audit.token_id, audit.subject]).toEqual([null, 'trusted publisher', answer.publisher.id, 'acme/palette@1.0.0']);
    expect(audit.token_name).toBe(`acme/palette from ${issuer.url} (ref=refs/heads/main, repository=acme/palette)`);
    const dto = (await (await api('/api/v1/packages/acme/palette/1.0.0')).json()) as { trustedPublisher: unknown };
    expect(dto.trustedPublisher).toEqual({ id: answer.publisher.id, issuer: issuer.url, claims: JSON.parse(version.oidc_claims!) });
    const page = await (await fetch(`${registry.url}/flock/acme/palette`)).text();
    expect(page).toContain(`Published by trusted publisher ${issuer.url} from acme/palette at refs/heads/main`);

    // Single use: a second version with it is refused, and nothing is stored.
    const before = await stored();
    const again = await publish(answer.token, '1.0.1');
    expect([again.status, await again.json()]).toEqual([401, { error: 'This publish token was already used or has expired' }]);
    expect(await stored()).toEqual(before);
    // It is no Principal: every other route refuses it.
    for (const path of ['/api/v1/me', '/api/v1/packages/acme/palette']) {
      const other = await api(path, { token: answer.token });
      expect([path, other.status, await other.json()]).toEqual([path, 401, { error: 'Invalid token' }]);
    }
    const yank = await api('/api/v1/packages/acme/palette/1.0.0/yank', { method: 'POST', token: answer.token, body: {} });
    expect([yank.status, await yank.json()]).toEqual([401, { error: 'Invalid token' }]);
  });

  it('ES256 works as well as RS256', async () => {
    const answer = await shortToken(await sign({}, { alg: 'ES256' }));
    expect((await publish(answer.token, '1.1.0')).status).toBe(200);
  });

  it('refuses each bad ID token with 401 or 403 and stores nothing (no token, no jti, no version)', async () => {
    const t = Math.floor(now.getTime() / 1000);
    const other = await startFakeIssuer();
    try {
      const cases: Array<[string, () => Promise<string>, number, RegExp]> = [
        ['wrong audience', () => sign({ aud: 'someone-else' }), 403, /^No trusted publisher of acme\/palette matches this ID token$/],
        ['audience list without ours', () => sign({ aud: ['a', 'b'] }), 403, /matches this ID token/],
        ['expired', () => sign({ iat: t - 900, exp: t - 120 }), 401, /expired/],
        ['not yet valid', () => sign({ nbf: t + 300 }), 401, /not valid yet/],
        ['issued in the future', () => sign({ iat: t + 300, exp: t + 900 }), 401, /issued in the future/],
        ['no jti', () => sign({ jti: undefined }), 401, /jti/],
        ['unknown kid', () => sign({}, { kid: 'no-such-key' }), 401, /No key of the issuer matches/],
        ['alg none', () => sign({}, { alg: 'none' }), 401, /./],
        ['HS256 with the public key as secret', () => sign({}, { alg: 'HS256' }), 401, /algorithm is not allowed/],
        ['claim mismatch', () => sign({ repository: 'acme/other' }), 403, /matches this ID token/],
        ['claim missing', () => sign({ ref: undefined }), 403, /matches this ID token/],
        ['issuer not registered', () => sign({ iss: other.url }, {}, other), 401, /no trusted publisher names/],
        ['a registered issuer named by a token of another', () => sign({ iss: issuer.url }, {}, other), 401, /signature does not verify|No key/],
        ['unknown org', async () => sign(), 403, /^No trusted publisher of nobody\/palette matches this ID token$/],
        ['not a JWT', async () => 'a.b', 401, /not a JWT/],
        ['too long', async () => `${'a'.repeat(16 * 1024)}.b.c`, 401, /longer than/],
      ];
      for (const [label, make, status, message] of cases) {
        const before = await stored();
        const response = await exchange(await make(), label === 'unknown org' ? 'nobody/palette' : 'acme/palette');
        const body = (await response.json()) as { error: string };
        expect([label, response.status, Object.keys(body)]).toEqual([label, status, ['error']]);
        expect([label, body.error]).toEqual([label, expect.stringMatching(message)]);
        expect([label, await stored()]).toEqual([label, before]);
      }
      // The unregistered issuer was never asked for anything.
      expect(other.counts).toEqual({ discovery: 0, jwks: 0 });
    } finally {
      await other.close();
    }
  });

  it('a replayed ID token is refused the second time, and that stores nothing more', async () => {
    const idToken = await sign();
    await shortToken(idToken);
    const before = await stored();
    const second = await exchange(idToken);
    expect([second.status, await second.json()]).toEqual([401, { error: 'This ID token was already used' }]);
    expect(await stored()).toEqual(before);
  });

  it('a discovery document naming another issuer is refused', async () => {
    const liar = await startFakeIssuer();
    try {
      liar.discoveryIssuer = 'https://issuer.example';
      await trust({ package: 'palette', issuer: liar.url, claims: { repository: 'acme/palette' } });
      const before = await stored();
      const response = await exchange(await sign({}, {}, liar));
      expect([response.status, await response.json()]).toEqual([401, { error: "The issuer's discovery document names another issuer" }]);
      expect(await stored()).toEqual(before);
      expect(liar.counts.jwks).toBe(0);
    } finally {
      await liar.close();
    }
  });

  it('a rotated key verifies after one JWKS refetch; a flood of unknown kids refetches at most once per 30 s', async () => {
    later(31);
    const before = { ...issuer.counts };
    const kid = await issuer.rotate();
    await shortToken(await sign({}, { kid }));
    expect(issuer.counts).toEqual({ discovery: before.discovery, jwks: before.jwks + 1 });
    for (const random of ['x1', 'x2', 'x3']) expect((await exchange(await sign({}, { kid: random }))).status).toBe(401);
    expect(issuer.counts.jwks).toBe(before.jwks + 1);
    later(31);
    expect((await exchange(await sign({}, { kid: 'x4' }))).status).toBe(401);
    expect(issuer.counts.jwks).toBe(before.jwks + 2);
  });

  it('the short-lived token dies after 15 minutes', async () => {
    const { token } = await shortToken(await sign());
    later(15 * 60 + 1);
    const before = await stored();
    const response = await publish(token, '2.0.0');
    expect([response.status, await response.json()]).toEqual([401, { error: 'This publish token was already used or has expired' }]);
    expect(await stored()).toEqual(before);
  });

  it('a token is for its package only, and removing the publisher kills its unused token', async () => {
    const id = await trust({ package: 'banner', issuer: issuer.url, claims: { repository: 'acme/banner' } });
    const { token } = await shortToken(await sign({ repository: 'acme/banner' }), 'acme/banner');
    const elsewhere = await publish(token, '1.0.0', 'palette');
    expect([elsewhere.status, Object.keys((await elsewhere.json()) as object)]).toEqual([403, ['error']]);
    expect((await api(`/api/v1/orgs/acme/trusted-publishers/${id}`, { method: 'DELETE', token: owner })).status).toBe(200);
    const before = await stored();
    const response = await publish(token, '1.0.0', 'banner');
    expect([response.status, await response.json()]).toEqual([401, { error: 'This publish token was already used or has expired' }]);
    expect(await stored()).toEqual(before);
  });

  it('trusted-publishing-only: a token publish is refused and stores nothing; a trusted publish goes through', async () => {
    const set = await api('/api/v1/packages/acme/palette/settings', { method: 'PUT', token: owner, body: { trustedPublishingOnly: true } });
    expect(set.status).toBe(200);
    const before = await stored();
    const refused = await publish(owner, '3.0.0');
    expect([refused.status, await refused.json()]).toEqual([403, { error: 'Only trusted publishers may publish acme/palette' }]);
    expect(await stored()).toEqual(before);
    const { token } = await shortToken(await sign());
    expect((await publish(token, '3.0.0')).status).toBe(200);
  });
});
