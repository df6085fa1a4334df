import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { isUniqueViolation } from '../src/db/connect.js';

// Package names that fold to one key (case, '-' and '_' removed) are one name within an org.
describe('look-alike package names', () => {
  let registry: TestRegistry;
  let owner: string;

  const publish = async (token: string, org: string, name: string, version = '1.0.0', extra = '') => {
    const response = await fetch(`${registry.url}/api/v1/packages/${org}/${name}/${version}`, {
      method: 'PUT', body: await manifestOnlyArchive(org, name, version, extra), headers: { authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: (await response.json()) as { ok?: true; error?: string } };
  };
  const packageNames = async (org: string) =>
    (await registry.db.selectFrom('packages').innerJoin('orgs', 'orgs.id', 'packages.org_id').select('packages.name').where('orgs.name', '=', org).orderBy('packages.name').execute()).map((r) => r.name);
  const tokenFor = (username: string, scopes: Array<'publish' | 'read' | 'yank'>) =>
    registry.withServices(async (s) => (await s.tokens.create({ userId: (await s.accounts.requireUser(username)).id, name: scopes.join('+'), scopes })).token);

  beforeAll(async () => {
    registry = await createTestRegistry();
    owner = await registry.createUser('acme');
    expect((await publish(owner, 'acme', 'foo-bar')).status).toBe(200);
  });
  afterAll(() => registry?.close());

  it('refuses a new package whose name folds to an existing one, naming it, and stores nothing', async () => {
    const [blobsBefore, versionsBefore] = [await registry.listBlobs(), await registry.db.selectFrom('versions').select('id').execute()];
    for (const name of ['foobar', 'fo-obar', 'foob-ar']) {
      expect(await publish(owner, 'acme', name)).toEqual({ status: 409, body: { error: `Package name ${name} is too similar to the existing acme/foo-bar` } });
    }
    expect(await registry.listBlobs()).toEqual(blobsBefore);
    expect(await registry.db.selectFrom('versions').select('id').execute()).toEqual(versionsBefore);
    expect(await packageNames('acme')).toEqual(['foo-bar']);
  });

  it('publishes a new version under the same exact name, and look-alikes in another org', async () => {
    expect(await publish(owner, 'acme', 'foo-bar', '1.1.0')).toEqual({ status: 200, body: expect.objectContaining({ ok: true }) });
    const other = await registry.createUser('zed');
    expect((await publish(other, 'zed', 'foobar')).status).toBe(200);
    expect((await publish(owner, 'acme', 'foo-baz')).status).toBe(200);
  });

  it('names a private look-alike only to a token that may read it', async () => {
    expect((await publish(owner, 'acme', 'hush-box', '1.0.0', 'visibility = "private"')).status).toBe(200);
    const publishOnly = await tokenFor('acme', ['publish']);
    expect(await publish(publishOnly, 'acme', 'hushbox')).toEqual({ status: 409, body: { error: 'Package name hushbox is too similar to an existing package of acme' } });
    const reader = await tokenFor('acme', ['publish', 'read']);
    expect(await publish(reader, 'acme', 'hushbox')).toEqual({ status: 409, body: { error: 'Package name hushbox is too similar to the existing acme/hush-box' } });
    // Outsiders never get this far: they are refused as non-members, whatever the name.
    const stranger = await registry.createUser('stranger');
    expect(await publish(stranger, 'acme', 'hushbox')).toEqual({ status: 403, body: { error: 'Not a member of this organization' } });
  });

  it('lets exactly one of simultaneous first publishes of look-alikes win', async () => {
    const names = ['twin-pkg', 'twinpkg', 'tw-inpkg', 'twi-npkg', 'twinp-kg', 't-winpkg'];
    const blobsBefore = (await registry.listBlobs()).length;
    const results = await Promise.all(names.map((name) => publish(owner, 'acme', name)));
    const winners = names.filter((_, i) => results[i]!.status === 200);
    expect(winners).toHaveLength(1);
    for (const [i, result] of results.entries()) {
      if (names[i] === winners[0]) continue;
      expect(result).toEqual({ status: 409, body: { error: `Package name ${names[i]} is too similar to the existing acme/${winners[0]}` } });
    }
    expect((await packageNames('acme')).filter((n) => names.includes(n))).toEqual(winners);
    // The losers' archives are not left behind in the store.
    expect((await registry.listBlobs()).length).toBe(blobsBefore + 1);
  });

  it('is enforced by the database: a unique (org, folded name) key', async () => {
    const org = await registry.db.selectFrom('orgs').select('id').where('name', '=', 'acme').executeTakeFirstOrThrow();
    const now = new Date().toISOString();
    const insert = registry.db
      .insertInto('packages')
      .values({ id: randomUUID(), org_id: org.id, name: 'foob-ar', name_key: 'foobar', visibility: 'public', description: null, created_at: now, updated_at: now })
      .execute();
    await expect(insert).rejects.toSatisfy(isUniqueViolation);
  });
});
