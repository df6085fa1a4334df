import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { signUpCookie } from '../../../test-support/sessions.js';

// Unusual publishes through the API, as `flock publish` sends them (provenance and lineage headers):
// each flag, the lineage answer believed only about the registry's own previous commit, and the
// org setting that holds flagged publishes for an owner's approval. publish-unusual.test.ts (cli)
// does the same with real git repositories and the real flock binary.

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

interface Sent {
  token: string;
  version: string;
  commit?: string;
  dirty?: boolean;
  build?: string;
  previous?: string;
  descends?: boolean;
  name?: string;
}

describe('unusual publishes: flags and holds', () => {
  let registry: TestRegistry;
  let cookie: string;
  let csrf: string;
  let ada: string;
  let adaSecond: string;
  let bea: string;
  let eve: string;

  const signUp = (username: string) => signUpCookie(registry.url, username);

  async function mint(name: string): Promise<string> {
    const created = await fetch(`${registry.url}/api/v1/tokens`, {
      method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ name, scopes: ['publish', 'read', 'yank', 'manage'] }),
    });
    expect(created.status).toBe(201);
    return ((await created.json()) as { token: string }).token;
  }

  async function publish(sent: Sent): Promise<Response> {
    const name = sent.name ?? 'widget';
    const headers: Record<string, string> = { authorization: `Bearer ${sent.token}`, 'flock-dirty': String(sent.dirty ?? false), 'flock-source-path': '' };
    if (sent.commit) Object.assign(headers, { 'flock-source-repository': encodeURIComponent('https://git.example/ada/widget.git'), 'flock-source-commit': sent.commit });
    if (sent.build) headers['flock-build-command'] = encodeURIComponent(sent.build);
    if (sent.previous) Object.assign(headers, { 'flock-source-previous': sent.previous, 'flock-source-descends': String(sent.descends) });
    return fetch(`${registry.url}/api/v1/packages/ada/${name}/${sent.version}`, { method: 'PUT', headers, body: await manifestOnlyArchive('ada', name, sent.version) });
  }

  async function published(sent: Sent): Promise<void> {
    const response = await publish(sent);
    expect(`${response.status} ${await response.text()}`).toMatch(/^200 /);
  }

  const api = (path: string, token?: string, init: RequestInit = {}) =>
    fetch(`${registry.url}${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string> | undefined) } });
  const versionRow = (name: string, version: string) =>
    registry.db.selectFrom('versions').innerJoin('packages', 'packages.id', 'versions.package_id').select(['versions.flags', 'versions.source_descends'])
      .where('packages.name', '=', name).where('versions.version', '=', version).executeTakeFirst();
  const flagsOf = async (name: string, version: string) => ((await (await api(`/api/v1/packages/ada/${name}/${version}`, ada)).json()) as { flags: string[] }).flags;
  const auditSubjects = async (action: string) =>
    (await registry.db.selectFrom('audit_events').select('subject').where('action', '=', action).orderBy('at').execute()).map((r) => r.subject);

  beforeAll(async () => {
    registry = await createTestRegistry();
    cookie = await signUp('ada');
    csrf = /name="_csrf" value="([^"]+)"/.exec(await (await fetch(`${registry.url}/account`, { headers: { cookie } })).text())![1]!;
    ada = await mint('laptop');
    adaSecond = await mint('ci');
    bea = await registry.createUser('bea');
    eve = await registry.createUser('eve');
    await registry.withServices(async (s) => {
      const org = await s.accounts.requireOrg('ada');
      await s.accounts.setMember({ orgId: org.id, userId: (await s.accounts.requireUser('bea')).id, role: 'member' });
    });
  });
  afterAll(() => registry?.close());

  it('a first publish is never flagged; the same token from a descending commit is not either', async () => {
    await published({ token: ada, version: '1.0.0', commit: A });
    expect(await flagsOf('widget', '1.0.0')).toEqual([]);
    await published({ token: ada, version: '1.0.1', commit: B, previous: A, descends: true });
    expect(await versionRow('widget', '1.0.1')).toEqual({ flags: null, source_descends: 1 });
    expect(await flagsOf('widget', '1.0.1')).toEqual([]);
  });

  it('orphan-commit: the client says its commit does not descend from the previous version\'s', async () => {
    await published({ token: ada, version: '1.0.2', commit: C, previous: B, descends: false });
    expect(await versionRow('widget', '1.0.2')).toEqual({ flags: JSON.stringify(['orphan-commit']), source_descends: 0 });
    expect(await flagsOf('widget', '1.0.2')).toEqual(['orphan-commit']);
    const page = await (await fetch(`${registry.url}/flock/ada/widget/1.0.2`)).text();
    expect(page).toContain(`Its commit does not descend from 1.0.1&#39;s commit ${B.slice(0, 7)}`);
    expect(await (await fetch(`${registry.url}/flock/ada/widget/1.0.1`)).text()).not.toContain('id="unusual"');
    expect(await auditSubjects('publish')).toContain('ada/widget@1.0.2 (unusual: orphan-commit)');
  });

  it('a client naming another commit than the registry has is recorded as unknown, not as descending', async () => {
    await published({ token: ada, version: '1.0.3', commit: A, previous: B, descends: true });
    expect(await versionRow('widget', '1.0.3')).toEqual({ flags: null, source_descends: null });
    // And no lineage at all (an older client): unknown too.
    await published({ token: ada, version: '1.0.4', commit: A });
    expect(await versionRow('widget', '1.0.4')).toEqual({ flags: null, source_descends: null });
  });

  it('bad lineage headers are refused at the edge with one line, and nothing is stored', async () => {
    for (const [headers, message] of [
      [{ 'flock-source-previous': A }, /must be sent together/],
      [{ 'flock-source-previous': 'HEAD', 'flock-source-descends': 'true' }, /Invalid flock-source-previous header/],
      [{ 'flock-source-previous': A, 'flock-source-descends': 'yes' }, /Invalid flock-source-descends header/],
    ] as const) {
      const response = await fetch(`${registry.url}/api/v1/packages/ada/widget/9.9.9`, {
        method: 'PUT', headers: { authorization: `Bearer ${ada}`, ...headers }, body: await manifestOnlyArchive('ada', 'widget', '9.9.9'),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
    expect(await versionRow('widget', '9.9.9')).toBeUndefined();
  });

  it('build-changed and dirty-after-clean compare with the previous version', async () => {
    await published({ token: ada, version: '1.1.0', commit: A, build: 'make dist' });
    expect(await flagsOf('widget', '1.1.0')).toEqual(['build-changed']);
    await published({ token: ada, version: '1.1.1', commit: A, build: 'make dist' });
    expect(await flagsOf('widget', '1.1.1')).toEqual([]);
    await published({ token: ada, version: '1.1.2', commit: A, build: 'make dist', dirty: true });
    expect(await flagsOf('widget', '1.1.2')).toEqual(['dirty-after-clean']);
    // The previous one is dirty now: another dirty publish is nothing new.
    await published({ token: ada, version: '1.1.3', commit: A, build: 'make dist', dirty: true });
    expect(await flagsOf('widget', '1.1.3')).toEqual([]);
    const page = await (await fetch(`${registry.url}/flock/ada/widget/1.1.0`)).text();
    expect(page).toContain('Built with a different command than 1.0.4');
  });

  it('new-credential: a second token of the same user is flagged once, then known', async () => {
    await published({ token: adaSecond, version: '1.2.0', commit: A, build: 'make dist' });
    expect(await flagsOf('widget', '1.2.0')).toEqual(['new-credential']);
    await published({ token: adaSecond, version: '1.2.1', commit: A, build: 'make dist' });
    expect(await flagsOf('widget', '1.2.1')).toEqual([]);
    await published({ token: ada, version: '1.2.2', commit: A, build: 'make dist' });
    expect(await flagsOf('widget', '1.2.2')).toEqual([]);
    expect(await (await fetch(`${registry.url}/flock/ada/widget/1.2.0`)).text()).toContain('Published with a credential that never published this package before');
    expect(await auditSubjects('publish')).toContain('ada/widget@1.2.0 (unusual: new-credential)');
  });

  it('with holdUnusual, a flagged publish is held: stored, answered 202, invisible everywhere, its number taken', async () => {
    const settings = await api('/api/v1/orgs/ada/settings', ada, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ holdUnusual: true }) });
    expect(settings.status).toBe(200);
    // A usual publish is not held.
    await published({ token: ada, version: '1.3.0', commit: B, build: 'make dist', previous: A, descends: true });
    const blobsBefore = (await registry.listBlobs()).length;
    const heldAnswer = await publish({ token: ada, version: '1.3.1', commit: C, build: 'make dist', previous: B, descends: false });
    expect(heldAnswer.status).toBe(202);
    const body = (await heldAnswer.json()) as Record<string, unknown>;
    expect(body).toEqual({ ok: true, checksum: expect.stringMatching(/^sha256:/), held: true, flags: ['orphan-commit'] });
    expect((await registry.listBlobs()).length).toBe(blobsBefore + 1);
    expect(await versionRow('widget', '1.3.1')).toBeUndefined();
    expect(await auditSubjects('publish.held')).toEqual(['ada/widget@1.3.1 (unusual: orphan-commit)']);

    // Its docs upload works, and waits with it.
    const docs = await api('/api/v1/packages/ada/widget/1.3.1/docs', ada, {
      method: 'PUT', body: JSON.stringify({ schema: 'flock-docs/1', package: { org: 'ada', name: 'widget', version: '1.3.1' }, modules: [] }),
    });
    expect(docs.status).toBe(200);

    for (const [who, token] of [['anonymous', undefined], ['member', bea], ['owner', ada]] as const) {
      expect([who, (await api('/api/v1/packages/ada/widget/1.3.1', token)).status]).toEqual([who, 404]);
      expect([who, (await api('/api/v1/packages/ada/widget/1.3.1/download', token)).status]).toEqual([who, 404]);
      const pkg = (await (await api('/api/v1/packages/ada/widget', token)).json()) as { latest: string; versions: Array<{ version: string }> };
      expect([who, pkg.latest, pkg.versions.some((v) => v.version === '1.3.1')]).toEqual([who, '1.3.0', false]);
      expect([who, (await (await api('/index/ada/widget', token)).text()).includes('"1.3.1"')]).toEqual([who, false]);
      expect([who, (await api('/flock/ada/widget/1.3.1', token)).status]).toEqual([who, 404]);
    }
    expect(await (await fetch(`${registry.url}/flock/ada/widget`)).text()).not.toContain('1.3.1');
    // The same number again is taken.
    expect((await publish({ token: ada, version: '1.3.1', commit: B, build: 'make dist', previous: B, descends: true })).status).toBe(409);
  });

  it('owners list held versions; a member cannot approve (403), an outsider of a private package gets 404', async () => {
    const list = await api('/api/v1/packages/ada/widget/held', ada);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual([
      expect.objectContaining({ version: '1.3.1', flags: ['orphan-commit'], publisher: 'ada', rejectedAt: null, provenance: expect.objectContaining({ commit: C, buildCommand: 'make dist' }) }),
    ]);
    expect((await api('/api/v1/packages/ada/widget/held', bea)).status).toBe(403);
    expect((await api('/api/v1/packages/ada/widget/1.3.1/approve', bea, { method: 'POST' })).status).toBe(403);
    expect((await api('/api/v1/packages/ada/widget/1.3.1/reject', bea, { method: 'POST' })).status).toBe(403);
    expect((await api('/api/v1/packages/ada/widget/1.3.1/approve', eve, { method: 'POST' })).status).toBe(403);
    await published({ token: ada, version: '1.0.0', name: 'secret' });
    await registry.db.updateTable('packages').set({ visibility: 'private' }).where('name', '=', 'secret').execute();
    expect((await api('/api/v1/packages/ada/secret/held', eve)).status).toBe(404);
    expect((await api('/api/v1/packages/ada/secret/1.0.0/approve', eve, { method: 'POST' })).status).toBe(404);
    expect(await registry.db.selectFrom('versions').select('version').where('version', '=', '1.3.1').execute()).toEqual([]);
  });

  it('the owner sees the held version on the package page and approves it there: then it is visible everywhere, with its docs', async () => {
    const page = await (await fetch(`${registry.url}/flock/ada/widget`, { headers: { cookie } })).text();
    expect(page).toContain('Held for approval');
    expect(page).toContain('action="/flock/ada/widget/1.3.1/approve"');
    expect(await (await fetch(`${registry.url}/flock/ada/widget`, { headers: { authorization: `Bearer ${bea}` } })).text()).not.toContain('Held for approval');
    const approved = await fetch(`${registry.url}/flock/ada/widget/1.3.1/approve`, {
      method: 'POST', redirect: 'manual', body: `_csrf=${csrf}`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: registry.url },
    });
    expect(approved.status).toBe(303);
    const version = (await (await api('/api/v1/packages/ada/widget/1.3.1')).json()) as { flags: string[]; hasDocs: boolean };
    expect(version).toMatchObject({ flags: ['orphan-commit'], hasDocs: true });
    expect((await (await api('/api/v1/packages/ada/widget')).json()) as { latest: string }).toMatchObject({ latest: '1.3.1' });
    expect(await (await api('/index/ada/widget')).text()).toContain('"1.3.1"');
    expect((await api('/api/v1/packages/ada/widget/1.3.1/download')).status).toBe(200);
    expect(await (await api('/api/v1/packages/ada/widget/held', ada)).json()).toEqual([]);
    expect(await auditSubjects('publish.approve')).toEqual(['ada/widget@1.3.1 (unusual: orphan-commit)']);
  });

  it('a rejected held version stays invisible and its number stays taken; approving it then is refused', async () => {
    const held = await publish({ token: adaSecond, version: '1.4.0', commit: B, build: 'make dist', dirty: true });
    expect(held.status).toBe(202);
    expect(((await held.json()) as { flags: string[] }).flags).toEqual(['dirty-after-clean']);
    expect((await api('/api/v1/packages/ada/widget/1.4.0/reject', ada, { method: 'POST' })).status).toBe(200);
    expect((await api('/api/v1/packages/ada/widget/1.4.0')).status).toBe(404);
    expect((await publish({ token: ada, version: '1.4.0', commit: B, build: 'make dist' })).status).toBe(409);
    expect((await api('/api/v1/packages/ada/widget/1.4.0/approve', ada, { method: 'POST' })).status).toBe(409);
    expect(await (await api('/api/v1/packages/ada/widget/held', ada)).json()).toEqual([expect.objectContaining({ version: '1.4.0', rejectedAt: expect.any(String), decidedBy: 'ada' })]);
    expect(await auditSubjects('publish.reject')).toEqual(['ada/widget@1.4.0']);
  });

  it('approving a held version whose number was taken meanwhile answers 409 and keeps it held', async () => {
    const held = await publish({ token: ada, version: '1.5.0', commit: A, build: 'make dist', previous: C, descends: false });
    expect(held.status).toBe(202);
    // As if a concurrent publish had won the number between the hold and the approval.
    const row = await registry.db.selectFrom('held_versions').select('row').where('version', '=', '1.5.0').executeTakeFirstOrThrow();
    await registry.db.insertInto('versions').values({ ...JSON.parse(row.row), id: 'winner-1.5.0' }).execute();
    const approve = await api('/api/v1/packages/ada/widget/1.5.0/approve', ada, { method: 'POST' });
    expect(approve.status).toBe(409);
    expect(await (await api('/api/v1/packages/ada/widget/held', ada)).json()).toContainEqual(expect.objectContaining({ version: '1.5.0', rejectedAt: null }));
  });
});
