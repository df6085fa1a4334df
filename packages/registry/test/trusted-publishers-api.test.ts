import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// The trusted publishers API (/api/v1/orgs/:org/trusted-publishers) and the publishing settings API
// (/api/v1/orgs/:org/settings, /api/v1/packages/:org/:name/settings): who may read and write them, what
// bad input gets, and what is stored and audited.

describe('trusted publishers and publishing settings over the API', () => {
  let registry: TestRegistry;
  let ada: string; // owner of acme
  let bea: string; // a plain member of acme
  let cat: string; // an outsider
  let adaNoManage: string;

  const call = (token: string, method: string, path: string, body?: unknown) =>
    fetch(`${registry.url}${path}`, {
      method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const good = (extra: Record<string, unknown> = {}) => ({ issuer: 'https://token.actions.githubusercontent.com', audience: 'https://flock.example', claims: { repository: 'acme/widget' }, ...extra });
  const rows = () => registry.db.selectFrom('trusted_publishers').selectAll().orderBy('created_at').orderBy('id').execute();
  const audit = (action: string) => registry.db.selectFrom('audit_events').select(['action', 'subject']).where('action', '=', action).orderBy('id').execute();

  beforeAll(async () => {
    registry = await createTestRegistry();
    ada = await registry.createUser('ada');
    bea = await registry.createUser('bea');
    cat = await registry.createUser('cat');
    await registry.withServices(async (s) => {
      const owner = await s.accounts.requireUser('ada');
      const org = await s.accounts.createOrg({ name: 'acme', ownerId: owner.id });
      await s.accounts.setMember({ orgId: org.id, userId: (await s.accounts.requireUser('bea')).id, role: 'member' });
      adaNoManage = (await s.tokens.create({ userId: owner.id, name: 'no-manage', scopes: ['publish', 'yank', 'read'] })).token;
    });
    for (const name of ['widget', 'secret']) {
      const put = await fetch(`${registry.url}/api/v1/packages/acme/${name}/1.0.0`, { method: 'PUT', headers: { authorization: `Bearer ${ada}` }, body: await manifestOnlyArchive('acme', name, '1.0.0') });
      expect(put.status).toBe(200);
    }
    expect((await call(ada, 'POST', '/api/v1/packages/acme/secret/visibility', { visibility: 'private' })).status).toBe(200);
  });
  afterAll(async () => registry?.close());

  it('bad input gets a one-line 400 and stores nothing', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [good({ issuer: 'http://issuer.example' }), /^issuer must be an https URL$/],
      [good({ issuer: 'not a url' }), /is not a URL$/],
      [good({ issuer: 'https://user:pw@issuer.example' }), /must not carry credentials/],
      [good({ audience: '' }), /^audience must be 1 to 200 characters$/],
      [good({ audience: 'a'.repeat(201) }), /^audience must be 1 to 200 characters$/],
      [good({ claims: {} }), /^claims needs at least one rule/],
      [good({ claims: { aud: 'x' } }), /^claim aud is checked by the registry itself/],
      [good({ claims: { 'bad name!': 'x' } }), /^claim name "bad name!" is not valid$/],
      [good({ claims: { repository: 'a\nb' } }), /control characters/],
      [good({ claims: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`c${i}`, 'x'])) }), /^claims has 21 rules; at most 20$/],
      [good({ extra: 1 }), /^Unknown field "extra"$/],
      [good({ package: 'Bad Name' }), /./],
      ['[1,2]', /^Expected a JSON object body$/],
    ];
    for (const [body, message] of cases) {
      const response = await call(ada, 'POST', '/api/v1/orgs/acme/trusted-publishers', body);
      const answer = (await response.json()) as { error: string };
      expect([JSON.stringify(body).slice(0, 60), response.status, Object.keys(answer)]).toEqual([JSON.stringify(body).slice(0, 60), 400, ['error']]);
      expect(answer.error).toMatch(message);
      expect(answer.error).not.toContain('\n');
    }
    expect(await rows()).toEqual([]);
  });

  it('owners with the manage scope add; members, outsiders and tokens without manage are refused; a duplicate is 409', async () => {
    for (const [token, status] of [[bea, 403], [cat, 403], [adaNoManage, 403]] as const) {
      const refused = await call(token, 'POST', '/api/v1/orgs/acme/trusted-publishers', good());
      expect(refused.status).toBe(status);
    }
    expect(await rows()).toEqual([]);
    const added = await call(ada, 'POST', '/api/v1/orgs/acme/trusted-publishers', good());
    expect(added.status).toBe(201);
    const dto = (await added.json()) as Record<string, unknown>;
    expect(dto).toMatchObject({ org: 'acme', package: null, issuer: good().issuer, audience: good().audience, claims: { repository: 'acme/widget' }, createdBy: 'ada', pending: false });
    const again = await call(ada, 'POST', '/api/v1/orgs/acme/trusted-publishers', good());
    expect([again.status, await again.json()]).toEqual([409, { error: 'That trusted publisher is already registered' }]);
    expect((await rows()).map((r) => r.id)).toEqual([dto.id]);
    expect(await audit('trust.add')).toEqual([{ action: 'trust.add', subject: 'acme/* from https://token.actions.githubusercontent.com (repository=acme/widget)' }]);
  });

  it('a per-package publisher is pending while its package does not exist; listing is for owners and filters by package', async () => {
    const pending = (await (await call(ada, 'POST', '/api/v1/orgs/acme/trusted-publishers', good({ package: 'future' }))).json()) as { id: string; pending: boolean };
    expect(pending.pending).toBe(true);
    const own = (await (await call(ada, 'POST', '/api/v1/orgs/acme/trusted-publishers', good({ package: 'widget' }))).json()) as { id: string; pending: boolean };
    expect(own.pending).toBe(false);
    const all = (await (await call(ada, 'GET', '/api/v1/orgs/acme/trusted-publishers')).json()) as Array<{ id: string; package: string | null; pending: boolean }>;
    expect(all.map((p) => [p.package, p.pending])).toEqual([[null, false], ['future', true], ['widget', false]]);
    const forWidget = (await (await call(ada, 'GET', '/api/v1/orgs/acme/trusted-publishers?package=widget')).json()) as Array<{ package: string | null }>;
    expect(forWidget.map((p) => p.package)).toEqual([null, 'widget']);
    // Reading needs an owner, not the manage scope.
    expect((await call(adaNoManage, 'GET', '/api/v1/orgs/acme/trusted-publishers')).status).toBe(200);
    expect((await call(bea, 'GET', '/api/v1/orgs/acme/trusted-publishers')).status).toBe(403);
    expect((await call(cat, 'GET', '/api/v1/orgs/acme/trusted-publishers')).status).toBe(403);
  });

  it('removal is at once: gone from the list, its unused short-lived tokens expire, audited; owners with manage only', async () => {
    const [target] = (await rows()).filter((r) => r.package_name === 'widget');
    const now = new Date().toISOString();
    const later = new Date(Date.now() + 15 * 60_000).toISOString();
    await registry.db.insertInto('oidc_tokens').values({
      id: 'short-1', token_hash: 'f'.repeat(64), publisher_id: target!.id, org_id: target!.org_id, package_name: 'widget', claims: '{}', created_at: now, expires_at: later, used_version: null,
    }).execute();
    expect((await call(bea, 'DELETE', `/api/v1/orgs/acme/trusted-publishers/${target!.id}`)).status).toBe(403);
    expect((await call(adaNoManage, 'DELETE', `/api/v1/orgs/acme/trusted-publishers/${target!.id}`)).status).toBe(403);
    const removed = await call(ada, 'DELETE', `/api/v1/orgs/acme/trusted-publishers/${target!.id}`);
    expect([removed.status, await removed.json()]).toEqual([200, { ok: true }]);
    const list = (await (await call(ada, 'GET', '/api/v1/orgs/acme/trusted-publishers')).json()) as Array<{ id: string }>;
    expect(list.map((p) => p.id)).not.toContain(target!.id);
    const token = await registry.db.selectFrom('oidc_tokens').select('expires_at').where('id', '=', 'short-1').executeTakeFirstOrThrow();
    expect(token.expires_at <= new Date().toISOString()).toBe(true);
    expect((await audit('trust.remove')).map((e) => e.subject)).toEqual(['acme/widget from https://token.actions.githubusercontent.com (repository=acme/widget)']);
    const twice = await call(ada, 'DELETE', `/api/v1/orgs/acme/trusted-publishers/${target!.id}`);
    expect([twice.status, await twice.json()]).toEqual([404, { error: 'No such trusted publisher' }]);
  });

  it('org settings: members read, owners with manage write, strict bodies, audited', async () => {
    expect(await (await call(bea, 'GET', '/api/v1/orgs/acme/settings')).json()).toEqual({ trustedPublishingOnly: false, holdUnusual: false });
    expect((await call(cat, 'GET', '/api/v1/orgs/acme/settings')).status).toBe(403);
    expect((await call(bea, 'PUT', '/api/v1/orgs/acme/settings', { holdUnusual: true })).status).toBe(403);
    expect((await call(adaNoManage, 'PUT', '/api/v1/orgs/acme/settings', { holdUnusual: true })).status).toBe(403);
    for (const body of [{ holdUnusual: 'yes' }, { other: true }, '[]', 'not json']) {
      const bad = await call(ada, 'PUT', '/api/v1/orgs/acme/settings', body);
      expect([bad.status, Object.keys((await bad.json()) as object)]).toEqual([400, ['error']]);
    }
    expect(await (await call(bea, 'GET', '/api/v1/orgs/acme/settings')).json()).toEqual({ trustedPublishingOnly: false, holdUnusual: false });
    const set = await call(ada, 'PUT', '/api/v1/orgs/acme/settings', { holdUnusual: true });
    expect([set.status, await set.json()]).toEqual([200, { trustedPublishingOnly: false, holdUnusual: true }]);
    expect((await audit('settings')).map((e) => e.subject)).toEqual(['acme (holdUnusual=true)']);
  });

  it('package settings: members read, owners with manage write, strict bodies, a private package is not found for outsiders', async () => {
    expect(await (await call(bea, 'GET', '/api/v1/packages/acme/widget/settings')).json()).toEqual({ trustedPublishingOnly: false, orgTrustedPublishingOnly: false });
    expect((await call(bea, 'PUT', '/api/v1/packages/acme/widget/settings', { trustedPublishingOnly: true })).status).toBe(403);
    expect((await call(adaNoManage, 'PUT', '/api/v1/packages/acme/widget/settings', { trustedPublishingOnly: true })).status).toBe(403);
    for (const body of [{}, { trustedPublishingOnly: 1 }, { trustedPublishingOnly: true, holdUnusual: true }]) {
      expect((await call(ada, 'PUT', '/api/v1/packages/acme/widget/settings', body)).status).toBe(400);
    }
    const set = await call(ada, 'PUT', '/api/v1/packages/acme/widget/settings', { trustedPublishingOnly: true });
    expect([set.status, await set.json()]).toEqual([200, { trustedPublishingOnly: true, orgTrustedPublishingOnly: false }]);
    expect((await audit('settings')).map((e) => e.subject)).toContain('acme/widget (trustedPublishingOnly=true)');
    // Outsiders: a public package's settings are refused (403), a private one's not found, like a missing one.
    expect((await call(cat, 'GET', '/api/v1/packages/acme/widget/settings')).status).toBe(403);
    for (const path of ['/api/v1/packages/acme/secret/settings', '/api/v1/packages/acme/nothing/settings']) {
      const hidden = await call(cat, 'GET', path);
      expect([hidden.status, await hidden.json()]).toEqual([404, { error: `Package acme/${path.split('/')[5]} not found` }]);
    }
    expect((await call(bea, 'GET', '/api/v1/packages/acme/secret/settings')).status).toBe(200);
  });
});
