import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexLineDto, PackageDto, VersionDto } from '@flock/core';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// Yank reasons and deprecation through the API: stored, in the index and the DTOs, on the
// (cached) package page, audited, refused for bad input and for those who may not.
describe('yank reasons and deprecation (API)', () => {
  let registry: TestRegistry;
  let owner: string;
  let member: string;
  let outsider: string;

  const send = (token: string | null, method: string, path: string, body?: string) =>
    fetch(`${registry.url}/api/v1/packages/${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
    });
  const json = (value: unknown) => JSON.stringify(value);

  async function index(pkg: string): Promise<IndexLineDto[]> {
    const response = await fetch(`${registry.url}/index/${pkg}`);
    expect(response.status).toBe(200);
    return (await response.text()).trim().split('\n').map((l) => JSON.parse(l) as IndexLineDto);
  }
  const getJson = async <T>(path: string): Promise<T> => (await (await fetch(`${registry.url}/api/v1/packages/${path}`)).json()) as T;
  /** The anonymous page: kept whole in the HTML cache, stamped with the index entry. */
  const page = async (path: string) => (await fetch(`${registry.url}/flock/${path}`)).text();
  const stored = async () => ({
    versions: await registry.db.selectFrom('versions').select(['version', 'yanked', 'yank_reason']).orderBy('version').execute(),
    packages: await registry.db.selectFrom('packages').select(['name', 'deprecation']).orderBy('name').execute(),
  });

  beforeAll(async () => {
    registry = await createTestRegistry();
    owner = await registry.createUser('ada');
    member = await registry.createUser('bea');
    outsider = await registry.createUser('cyd');
    await registry.withServices(async (s) => {
      const [ada, bea] = [await s.accounts.requireUser('ada'), await s.accounts.requireUser('bea')];
      const acme = await s.accounts.createOrg({ name: 'acme', ownerId: ada.id });
      await s.accounts.setMember({ orgId: acme.id, userId: bea.id, role: 'member' });
    });
    for (const [name, version] of [['gizmo', '1.0.0'], ['gizmo', '1.1.0'], ['secret', '1.0.0']] as const) {
      const published = await fetch(`${registry.url}/api/v1/packages/acme/${name}/${version}`, {
        method: 'PUT', headers: { authorization: `Bearer ${owner}` }, body: await manifestOnlyArchive('acme', name, version),
      });
      expect(published.status).toBe(200);
    }
    expect((await send(owner, 'POST', 'acme/secret/visibility', json({ visibility: 'private' }))).status).toBe(200);
  });
  afterAll(() => registry?.close());

  it('a yank with a reason: in the index line, the version DTO and the package page; unyank clears it', async () => {
    expect(await page('acme/gizmo/1.0.0')).not.toContain('id="yanked"');
    expect((await index('acme/gizmo')).every((l) => !('yankReason' in l))).toBe(true);

    const yank = await send(member, 'POST', 'acme/gizmo/1.0.0/yank', json({ reason: '  crashes on empty input; use 1.1.0  ' }));
    expect(yank.status).toBe(200);
    const [first, second] = await index('acme/gizmo');
    expect(first).toMatchObject({ version: '1.0.0', yanked: true, yankReason: 'crashes on empty input; use 1.1.0' });
    expect(second).not.toHaveProperty('yankReason');
    expect((await getJson<VersionDto>('acme/gizmo/1.0.0')).yankReason).toBe('crashes on empty input; use 1.1.0');
    expect((await getJson<VersionDto>('acme/gizmo/1.1.0')).yankReason).toBeNull();
    expect(await page('acme/gizmo/1.0.0')).toMatch(/id="yanked">.*crashes on empty input; use 1\.1\.0/s);

    // A yank without a body (the form before reasons) still works, and replaces the reason with none.
    expect((await send(member, 'POST', 'acme/gizmo/1.0.0/yank')).status).toBe(200);
    expect((await index('acme/gizmo'))[0]).toEqual(expect.objectContaining({ yanked: true }));
    expect((await index('acme/gizmo'))[0]).not.toHaveProperty('yankReason');

    expect((await send(member, 'POST', 'acme/gizmo/1.0.0/yank', json({ reason: 'again' }))).status).toBe(200);
    expect((await send(member, 'DELETE', 'acme/gizmo/1.0.0/yank')).status).toBe(200);
    expect((await index('acme/gizmo'))[0]).toEqual(expect.objectContaining({ version: '1.0.0', yanked: false }));
    expect((await index('acme/gizmo'))[0]).not.toHaveProperty('yankReason');
    expect((await stored()).versions.find((v) => v.version === '1.0.0')).toMatchObject({ yanked: 0, yank_reason: null });
    expect(await page('acme/gizmo/1.0.0')).not.toContain('id="yanked"');
  });

  it('a bad reason is one 400 with {"error"} and changes nothing', async () => {
    const before = await stored();
    const bodies = [
      json({ reason: 'x'.repeat(501) }), json({ reason: 'two\nlines' }), json({ reason: 'bell\u0007' }), json({ reason: 'csi\u009b31m' }),
      json({ reason: 42 }), json({ reason: '   ' }), json({ reason: 'ok', extra: 1 }), json(['ok']), 'not json',
    ];
    for (const body of bodies) {
      const response = await send(member, 'POST', 'acme/gizmo/1.0.0/yank', body);
      expect([body, response.status]).toEqual([body, 400]);
      expect(Object.keys((await response.json()) as object)).toEqual(['error']);
    }
    const tooLarge = await send(member, 'POST', 'acme/gizmo/1.0.0/yank', json({ reason: 'x'.repeat(20_000) }));
    expect(tooLarge.status).toBe(413);
    expect(await stored()).toEqual(before);
    // 500 characters is the bound, not one past it.
    expect((await send(member, 'POST', 'acme/gizmo/1.1.0/yank', json({ reason: 'é'.repeat(500) }))).status).toBe(200);
    expect((await send(member, 'DELETE', 'acme/gizmo/1.1.0/yank')).status).toBe(200);
  });

  it('deprecation: on every index line, in the package DTO and page; undone by DELETE; audited', async () => {
    expect(await page('acme/gizmo')).not.toContain('id="deprecated"');
    const put = await send(owner, 'PUT', 'acme/gizmo/deprecation', json({ message: 'use acme/widget instead' }));
    expect(put.status).toBe(200);
    const lines = await index('acme/gizmo');
    expect(lines.map((l) => l.deprecated)).toEqual(['use acme/widget instead', 'use acme/widget instead']);
    expect((await getJson<PackageDto>('acme/gizmo')).deprecated).toBe('use acme/widget instead');
    expect(await page('acme/gizmo')).toMatch(/id="deprecated">.*use acme\/widget instead/s);

    expect((await send(owner, 'DELETE', 'acme/gizmo/deprecation')).status).toBe(200);
    expect((await index('acme/gizmo')).some((l) => 'deprecated' in l)).toBe(false);
    expect((await getJson<PackageDto>('acme/gizmo')).deprecated).toBeNull();
    expect(await page('acme/gizmo')).not.toContain('id="deprecated"');

    const log = await registry.withServices(async (s) => s.audit.forOrg((await s.accounts.requireOrg('acme')).id));
    const actions = log.map((e) => `${e.actor_name} ${e.action} ${e.subject}`).reverse();
    expect(actions).toEqual(expect.arrayContaining(['ada deprecate acme/gizmo', 'ada undeprecate acme/gizmo', 'bea yank acme/gizmo@1.0.0', 'bea unyank acme/gizmo@1.0.0']));
    expect(actions.indexOf('ada deprecate acme/gizmo')).toBeLessThan(actions.indexOf('ada undeprecate acme/gizmo'));
  });

  it('deprecation needs a message within the bounds', async () => {
    const before = await stored();
    for (const body of ['', json({}), json({ message: '' }), json({ message: 'a\rb' }), json({ message: 'x'.repeat(501) }), json({ reason: 'wrong field' })]) {
      const response = await send(owner, 'PUT', 'acme/gizmo/deprecation', body);
      expect([body, response.status]).toEqual([body, 400]);
      expect(Object.keys((await response.json()) as object)).toEqual(['error']);
    }
    expect(await stored()).toEqual(before);
  });

  it('who may: members yank, only owners deprecate; outsiders are refused, and of a private package find nothing', async () => {
    const before = await stored();
    const memberDeprecates = await send(member, 'PUT', 'acme/gizmo/deprecation', json({ message: 'mine now' }));
    expect(memberDeprecates.status).toBe(403);
    expect(((await memberDeprecates.json()) as { error: string }).error).toBe('Only an owner of acme can do that');
    expect((await send(outsider, 'PUT', 'acme/gizmo/deprecation', json({ message: 'x' }))).status).toBe(403);
    expect((await send(outsider, 'POST', 'acme/gizmo/1.0.0/yank', json({ reason: 'x' }))).status).toBe(403);
    expect((await send(null, 'PUT', 'acme/gizmo/deprecation', json({ message: 'x' }))).status).toBe(401);

    // A private package: to an outsider exactly like one that does not exist.
    for (const pkg of ['secret', 'nothing-here']) {
      for (const [method, path, body] of [
        ['PUT', `acme/${pkg}/deprecation`, json({ message: 'x' })], ['DELETE', `acme/${pkg}/deprecation`, undefined],
        ['POST', `acme/${pkg}/1.0.0/yank`, json({ reason: 'x' })], ['DELETE', `acme/${pkg}/1.0.0/yank`, undefined],
      ] as const) {
        const response = await send(outsider, method, path, body);
        expect([method, path, response.status, await response.json()]).toEqual([method, path, 404, { error: `Package acme/${pkg} not found` }]);
      }
    }
    expect(await stored()).toEqual(before);

    // Members of the org do find it: bea may yank it, and only ada deprecate it.
    expect((await send(member, 'POST', 'acme/secret/1.0.0/yank', json({ reason: 'leaked a key' }))).status).toBe(200);
    expect((await send(member, 'PUT', 'acme/secret/deprecation', json({ message: 'x' }))).status).toBe(403);
    expect((await send(owner, 'PUT', 'acme/secret/deprecation', json({ message: 'gone' }))).status).toBe(200);
    const lines = await fetch(`${registry.url}/index/acme/secret`, { headers: { authorization: `Bearer ${member}` } });
    expect(JSON.parse((await lines.text()).trim())).toMatchObject({ yanked: true, yankReason: 'leaked a key', deprecated: 'gone' });
  });
});
