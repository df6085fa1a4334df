import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { signUpCookie } from '../../../test-support/sessions.js';

// The publishing sections of the package page and the org page: owners only, and their forms.

describe('trusted publishing on the pages', () => {
  let registry: TestRegistry;
  const cookies: Record<string, string> = {};
  let csrf: string;

  const signUp = (username: string) => signUpCookie(registry.url, username);
  const page = async (path: string, who?: string) => (await fetch(`${registry.url}${path}`, { headers: who ? { cookie: cookies[who]! } : {} })).text();
  const post = (path: string, fields: Record<string, string>) =>
    fetch(`${registry.url}${path}`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
      headers: { cookie: cookies.ada!, origin: registry.url, 'content-type': 'application/x-www-form-urlencoded' },
    });
  const live = () => registry.db.selectFrom('trusted_publishers').selectAll().where('removed_at', 'is', null).orderBy('created_at').execute();

  beforeAll(async () => {
    registry = await createTestRegistry();
    for (const name of ['ada', 'bea', 'cat']) cookies[name] = await signUp(name);
    await registry.withServices(async (s) => {
      const org = await s.accounts.createOrg({ name: 'acme', ownerId: (await s.accounts.requireUser('ada')).id });
      await s.accounts.setMember({ orgId: org.id, userId: (await s.accounts.requireUser('bea')).id, role: 'member' });
      const ada = await s.accounts.requireUser('ada');
      const { token } = await s.tokens.create({ userId: ada.id, name: 'ci', scopes: ['publish'] });
      const put = await fetch(`${registry.url}/api/v1/packages/acme/widget/1.0.0`, { method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: await manifestOnlyArchive('acme', 'widget', '1.0.0') });
      expect(put.status).toBe(200);
    });
    csrf = /name="_csrf" value="([^"]+)"/.exec(await page('/flock/acme/widget', 'ada'))![1]!;
  });
  afterAll(async () => registry?.close());

  it('an owner sees who can publish and the forms; a member and an outsider do not', async () => {
    const owner = await page('/flock/acme/widget', 'ada');
    expect(owner).toContain('id="who-can-publish"');
    expect(owner).toMatch(/data-token="[^"]+"><td>ci<\/td><td>ada<\/td>/);
    expect(owner).toContain('id="add-trusted-publisher"');
    expect(owner).toContain(`value="${new URL(registry.url).origin}"`);
    expect(owner).toContain('id="package-settings"');
    const orgPage = await page('/flock/acme', 'ada');
    expect(orgPage).toContain('id="trust"');
    expect(orgPage).toContain('id="org-settings"');
    for (const who of ['bea', 'cat', undefined]) {
      expect(await page('/flock/acme/widget', who)).not.toContain('id="publishing"');
      expect(await page('/flock/acme', who)).not.toContain('id="trust"');
    }
  });

  it('the package forms add and remove a publisher and set trusted-publishing-only; a bad issuer gives the one-line error', async () => {
    const added = await post('/flock/acme/widget/trusted-publishers', { issuer: 'https://ci.example', audience: 'https://flock.example', claims: 'repository=acme/widget\r\nref=refs/heads/main\r\n' });
    expect([added.status, added.headers.get('location')]).toEqual([303, '/flock/acme/widget#publishing']);
    const [row] = await live();
    expect([row!.package_name, row!.issuer, JSON.parse(row!.claims)]).toEqual(['widget', 'https://ci.example', { ref: 'refs/heads/main', repository: 'acme/widget' }]);
    expect(await page('/flock/acme/widget', 'ada')).toContain(`data-publisher="${row!.id}"`);

    const bad = await post('/flock/acme/widget/trusted-publishers', { issuer: 'http://ci.example', audience: 'x', claims: 'repository=acme/widget' });
    const html = await bad.text();
    expect(bad.status).toBe(400);
    expect(/<p class="notice error" id="error">([^<]*)<\/p>/.exec(html)?.[1]).toBe('issuer must be an https URL');
    expect(await live()).toHaveLength(1);

    const removed = await post(`/flock/acme/widget/trusted-publishers/${row!.id}/remove`, {});
    expect(removed.status).toBe(303);
    expect(await live()).toEqual([]);

    expect((await post('/flock/acme/widget/settings', { trustedPublishingOnly: 'on' })).status).toBe(303);
    const pkg = await registry.db.selectFrom('packages').select('trusted_publishing_only').where('name', '=', 'widget').executeTakeFirstOrThrow();
    expect(pkg.trusted_publishing_only).toBe(1);
    expect(await page('/flock/acme/widget', 'ada')).toContain('id="tokens-refused"');
    expect((await post('/flock/acme/widget/settings', {})).status).toBe(303);
    expect(await page('/flock/acme/widget', 'ada')).not.toContain('id="tokens-refused"');
  });

  it('the org forms add and remove an org-wide publisher and set both settings', async () => {
    const added = await post('/flock/acme/trusted-publishers', { issuer: 'https://ci.example', audience: 'https://flock.example', claims: 'repository=acme/mono' });
    expect([added.status, added.headers.get('location')]).toEqual([303, '/flock/acme#trust']);
    const [row] = await live();
    expect(row!.package_name).toBeNull();
    expect(await page('/flock/acme', 'ada')).toContain(`data-publisher="${row!.id}"`);
    const bad = await post('/flock/acme/trusted-publishers', { issuer: 'https://ci.example', audience: 'x', claims: 'no rule here' });
    expect(bad.status).toBe(400);
    expect(/id="error">([^<]*)</.exec(await bad.text())?.[1]).toBe('Claim rule &quot;no rule here&quot; is not name=value');
    expect((await post(`/flock/acme/trusted-publishers/${row!.id}/remove`, {})).status).toBe(303);
    expect(await live()).toEqual([]);
    expect((await post('/flock/acme/settings', { holdUnusual: 'on' })).status).toBe(303);
    const org = await registry.db.selectFrom('orgs').select(['trusted_publishing_only', 'hold_unusual']).where('name', '=', 'acme').executeTakeFirstOrThrow();
    expect(org).toEqual({ trusted_publishing_only: 0, hold_unusual: 1 });
  });
});
