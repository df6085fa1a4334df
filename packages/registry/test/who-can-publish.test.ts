import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOrgName, parseTrustedPublisherInput, type PublishersDto } from '@flock/core';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { runFlock, tempDir } from '../../../test-support/cli.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import type { Scope } from '../src/auth/principal.js';

// GET /api/v1/packages/:org/:name/publishers and `flock owners`: every credential that could publish
// acme/widget now, and nothing else. Each kind of token and publisher that must NOT be listed is made
// here next to the ones that must, and the lists are compared as exact sets of ids.

describe('who can publish a package', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let adaToken: string;
  let beaToken: string;
  let catToken: string;
  const covering = { tokens: new Set<string>(), publishers: new Set<string>(), shortLived: new Set<string>() };

  const get = (token: string, path = '/api/v1/packages/acme/widget/publishers') => fetch(`${registry.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const ids = (items: Array<{ id: string }>) => new Set(items.map((i) => i.id));

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    adaToken = await registry.createUser('ada');
    beaToken = await registry.createUser('bea');
    catToken = await registry.createUser('cat');
    const now = Date.now();
    await registry.withServices(async (s) => {
      const [ada, bea, cat] = [await s.accounts.requireUser('ada'), await s.accounts.requireUser('bea'), await s.accounts.requireUser('cat')];
      const acme = await s.accounts.createOrg({ name: 'acme', ownerId: ada.id });
      const other = await s.accounts.createOrg({ name: 'other', ownerId: ada.id });
      await s.accounts.setMember({ orgId: acme.id, userId: bea.id, role: 'member' });
      const mint = async (userId: string, name: string, scopes: Scope[], orgIds: string[] | null = null, expiresAt: Date | null = null) =>
        (await s.tokens.create({ userId, name, scopes, orgIds, expiresAt })).row.id;
      // The tokens createUser made ('test', every scope, all orgs): ada's and bea's cover; cat is no member.
      for (const t of await registry.db.selectFrom('tokens').select(['id', 'user_id']).execute()) if (t.user_id !== cat.id) covering.tokens.add(t.id);
      covering.tokens.add(await mint(ada.id, 'acme-only', ['publish'], [acme.id]));
      covering.tokens.add(await mint(bea.id, 'expires-later', ['publish', 'read'], null, new Date(now + 86_400_000)));
      const revoked = await mint(ada.id, 'revoked', ['publish']);
      await registry.db.updateTable('tokens').set({ revoked_at: new Date(now).toISOString() }).where('id', '=', revoked).execute();
      await mint(ada.id, 'expired', ['publish'], null, new Date(now - 1000));
      await mint(ada.id, 'no-publish', ['read', 'yank', 'manage']);
      await mint(ada.id, 'other-only', ['publish'], [other.id]);
      await mint(cat.id, 'outsider', ['publish']);

      const principal = { userId: ada.id, username: 'ada', token: null };
      const add = async (org: string, pkg: string | null, repository: string) =>
        (await s.trustedPublishers.add(principal, parseOrgName(org), parseTrustedPublisherInput({ package: pkg, issuer: 'https://ci.example', audience: 'https://flock.example', claims: { repository } }))).id;
      const own = await add('acme', 'widget', 'acme/widget');
      covering.publishers.add(own);
      covering.publishers.add(await add('acme', null, 'acme/monorepo'));
      const gadget = await add('acme', 'gadget', 'acme/gadget');
      await add('other', null, 'other/all');
      const removed = await add('acme', 'widget', 'acme/old-widget');
      await s.trustedPublishers.remove(principal, parseOrgName('acme'), removed);

      const short = (id: string, publisher: string, pkg: string, expires: number, used: string | null) => ({
        id, token_hash: id.padEnd(64, '0'), publisher_id: publisher, org_id: acme.id, package_name: pkg, claims: '{}',
        created_at: new Date(now).toISOString(), expires_at: new Date(expires).toISOString(), used_version: used,
      });
      await registry.db.insertInto('oidc_tokens').values([
        short('live', own, 'widget', now + 600_000, null),
        short('used', own, 'widget', now + 600_000, '1.0.0'),
        short('expired', own, 'widget', now - 1000, null),
        short('gadget', gadget, 'gadget', now + 600_000, null),
      ]).execute();
      covering.shortLived.add('live');
    });
    for (const name of ['widget', 'hidden']) {
      const put = await fetch(`${registry.url}/api/v1/packages/acme/${name}/1.0.0`, { method: 'PUT', headers: { authorization: `Bearer ${adaToken}` }, body: await manifestOnlyArchive('acme', name, '1.0.0') });
      expect(put.status).toBe(200);
    }
    const hide = await fetch(`${registry.url}/api/v1/packages/acme/hidden/visibility`, { method: 'POST', headers: { authorization: `Bearer ${adaToken}` }, body: '{"visibility":"private"}' });
    expect(hide.status).toBe(200);
  });
  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('lists exactly the covering tokens, publishers and short-lived tokens, with every member', async () => {
    const response = await get(adaToken);
    expect(response.status).toBe(200);
    const list = (await response.json()) as PublishersDto;
    expect(list.package).toBe('acme/widget');
    expect(list.people).toEqual([{ username: 'ada', role: 'owner' }, { username: 'bea', role: 'member' }]);
    expect(ids(list.tokens)).toEqual(covering.tokens);
    expect(ids(list.trustedPublishers)).toEqual(covering.publishers);
    expect(ids(list.shortLivedTokens)).toEqual(covering.shortLived);
    expect(list.tokenPublishes).toBe(true);
    expect(list.settings).toEqual({ trustedPublishingOnly: false, orgTrustedPublishingOnly: false, holdUnusual: false });
    const later = list.tokens.find((t) => t.name === 'expires-later')!;
    expect([later.owner, later.scopes, later.expiresAt !== null]).toEqual(['bea', ['publish', 'read'], true]);
    // Nothing secret: no hash of any kind is sent.
    expect(JSON.stringify(list)).not.toMatch(/hash|[0-9a-f]{64}/);
  });

  it('flock owners --json prints the same sets; the text form lists them too', async () => {
    const home = join(dir.path, 'home');
    await mkdir(home, { recursive: true });
    const env = { HOME: home, FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: adaToken };
    const json = await runFlock(['owners', 'acme/widget', '--json'], { cwd: dir.path, env });
    expect([json.code, json.stderr]).toEqual([0, '']);
    const list = JSON.parse(json.stdout) as PublishersDto;
    expect([ids(list.tokens), ids(list.trustedPublishers), ids(list.shortLivedTokens)]).toEqual([covering.tokens, covering.publishers, covering.shortLived]);
    const text = await runFlock(['owners', 'acme/widget'], { cwd: dir.path, env });
    expect(text.code).toBe(0);
    for (const id of [...covering.tokens, ...covering.publishers, ...covering.shortLived]) expect(text.stdout).toContain(id);
    expect(text.stdout).not.toContain('other-only');
    const member = await runFlock(['owners', 'acme/widget'], { cwd: dir.path, env: { ...env, FLOCK_TOKEN: beaToken } });
    expect([member.code, member.stdout, member.stderr]).toEqual([1, '', 'Cannot list who can publish acme/widget: Only an owner of acme can do that\n']);
    const bad = await runFlock(['owners', 'acme'], { cwd: dir.path, env });
    expect([bad.code, bad.stderr]).toEqual([1, 'Cannot list who can publish acme: name a package, ORG/NAME\n']);
  });

  it('trusted-publishing-only on the package or the org: no token is listed, and it says so', async () => {
    const put = (path: string, body: unknown) => fetch(`${registry.url}${path}`, { method: 'PUT', headers: { authorization: `Bearer ${adaToken}` }, body: JSON.stringify(body) });
    expect((await put('/api/v1/packages/acme/widget/settings', { trustedPublishingOnly: true })).status).toBe(200);
    let list = (await (await get(adaToken)).json()) as PublishersDto;
    expect([list.tokenPublishes, list.tokens, ids(list.trustedPublishers)]).toEqual([false, [], covering.publishers]);
    expect((await put('/api/v1/packages/acme/widget/settings', { trustedPublishingOnly: false })).status).toBe(200);
    expect((await put('/api/v1/orgs/acme/settings', { trustedPublishingOnly: true })).status).toBe(200);
    list = (await (await get(adaToken)).json()) as PublishersDto;
    expect([list.tokenPublishes, list.tokens, list.settings.orgTrustedPublishingOnly]).toEqual([false, [], true]);
    expect((await put('/api/v1/orgs/acme/settings', { trustedPublishingOnly: false })).status).toBe(200);
    list = (await (await get(adaToken)).json()) as PublishersDto;
    expect(ids(list.tokens)).toEqual(covering.tokens);
  });

  it('owners only: a member and an outsider are refused; a private package is not found for outsiders', async () => {
    expect((await get(beaToken)).status).toBe(403);
    expect((await get(catToken)).status).toBe(403);
    const hidden = await get(catToken, '/api/v1/packages/acme/hidden/publishers');
    expect([hidden.status, await hidden.json()]).toEqual([404, { error: 'Package acme/hidden not found' }]);
    const missing = await get(catToken, '/api/v1/packages/acme/missing/publishers');
    expect([missing.status, await missing.json()]).toEqual([404, { error: 'Package acme/missing not found' }]);
    expect((await get(adaToken, '/api/v1/packages/acme/hidden/publishers')).status).toBe(200);
  });
});
