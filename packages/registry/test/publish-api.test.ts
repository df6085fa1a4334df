import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packArchive, renderManifest, parseManifest, writeDocsJson, extractDocs, type DocModel, type PackageDto, type PackEntry, type VersionDto } from '@flock/core';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

function manifest(name: string, version: string, org = 'acme', extra = ''): string {
  return renderManifest(parseManifest(`[package]\nname = "${name}"\nversion = "${version}"\norg = "${org}"\n${extra}`));
}

async function archiveOf(name: string, version: string, options: { org?: string; extra?: string; files?: PackEntry[]; root?: string } = {}) {
  const entries: PackEntry[] = [
    { path: 'flock.toml', bytes: Buffer.from(manifest(name, version, options.org, options.extra)) },
    { path: 'README.md', bytes: Buffer.from(`# ${name}\n`) },
    ...(options.files ?? []),
  ];
  return packArchive({ root: options.root ?? `${name}-${version}`, entries });
}

describe('publish API', () => {
  let registry: TestRegistry;
  let token: string;

  beforeAll(async () => {
    registry = await createTestRegistry({ FLOCK_MAX_ARCHIVE_BYTES: String(64 * 1024), FLOCK_MAX_UNPACKED_BYTES: String(256 * 1024) });
    token = await registry.createUser('acme');
  });
  afterAll(() => registry?.close());

  const put = (path: string, body: Uint8Array | string, auth: string | null = token) =>
    fetch(`${registry.url}${path}`, { method: 'PUT', body, headers: auth ? { authorization: `Bearer ${auth}` } : {} });

  const countVersions = async () => (await registry.db.selectFrom('versions').select('id').execute()).length;
  const listBlobs = () => registry.listBlobs();

  it('answers {"ok":true,"checksum":"sha256:<hex of the archive>"}', async () => {
    const archive = await archiveOf('alpha', '1.0.0');
    const response = await put('/api/v1/packages/acme/alpha/1.0.0', archive);
    expect(response.status).toBe(200);
    const hex = createHash('sha256').update(archive).digest('hex');
    expect(await response.text()).toBe(`{"ok":true,"checksum":"sha256:${hex}"}`);
    const download = await fetch(`${registry.url}/api/v1/packages/acme/alpha/1.0.0/download`);
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(archive))).toBe(true);
  });

  it('20 simultaneous publishes of one version: exactly one succeeds, the rest are "Version already exists"', async () => {
    const archives = await Promise.all(
      Array.from({ length: 20 }, (_, i) => archiveOf('racer', '1.0.0', { files: [{ path: 'src/n.ks', bytes: Buffer.from(`// ${i}\n`) }] })),
    );
    const responses = await Promise.all(archives.map((a) => put('/api/v1/packages/acme/racer/1.0.0', a)));
    const bodies = await Promise.all(responses.map((r) => r.text()));
    const ok = responses.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(19);
    expect(bodies.filter((b) => b === '{"error":"Version already exists"}')).toHaveLength(19);
    // The stored bytes are those of the one that won.
    const winner = archives[responses.findIndex((r) => r.status === 200)]!;
    const download = await fetch(`${registry.url}/api/v1/packages/acme/racer/1.0.0/download`);
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(winner))).toBe(true);
    const pkg = (await (await fetch(`${registry.url}/api/v1/packages/acme/racer`)).json()) as PackageDto;
    expect(pkg.versions).toHaveLength(1);
  });

  it.each([
    ['a body that is not gzip', () => Buffer.from('hello'), 400, /^Archive is not a gzip-compressed tar/],
    ['gzip that is not a tar', () => gzipSync(Buffer.from('x'.repeat(2000))), 400, /tar/i],
    ['an archive without flock.toml', () => packArchive({ root: 'beta-1.0.0', entries: [{ path: 'README.md', bytes: Buffer.from('x') }] }), 400, /^The archive has no flock\.toml$/],
    ['a manifest that disagrees with the URL', () => archiveOf('beta', '2.0.0', { root: 'beta-1.0.0' }), 400, /says acme\/beta@2\.0\.0, but the URL says acme\/beta@1\.0\.0/],
    ['a wrong top folder', () => archiveOf('beta', '1.0.0', { root: 'other-1.0.0' }), 400, /top folder is "other-1\.0\.0"/],
    ['a malformed manifest inside', () => packArchive({ root: 'beta-1.0.0', entries: [{ path: 'flock.toml', bytes: Buffer.from('[package\n') }] }), 400, /^flock\.toml:1: /],
    ['a missing dependency', () => archiveOf('beta', '1.0.0', { extra: '[dependencies]\n"acme/nothing" = "1"\n' }), 400, /^Dependency acme\/nothing does not exist$/],
    ['an archive over the size limit', () => archiveOf('beta', '1.0.0', { files: [{ path: 'src/big.ks', bytes: Buffer.from(createHash('sha512').update('x').digest('hex').repeat(2000)) }] }).then(async (a) => (a.byteLength > 64 * 1024 ? a : Buffer.concat([a, Buffer.alloc(70 * 1024)]))), 413, /the limit is 65536 bytes/],
    ['unpacked contents over the limit', () => archiveOf('beta', '1.0.0', { files: [{ path: 'src/zeros.ks', bytes: Buffer.alloc(300 * 1024) }] }), 413, /limit/],
  ])('refuses %s with a one-line error, storing nothing', async (_label, make, status, pattern) => {
    const [blobsBefore, versionsBefore] = [await listBlobs(), await countVersions()];
    const response = await put('/api/v1/packages/acme/beta/1.0.0', await make());
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: string };
    expect(body.error).toMatch(pattern);
    expect(body.error).not.toContain('\n');
    const missing = await fetch(`${registry.url}/api/v1/packages/acme/beta`);
    expect(missing.status).toBe(404);
    expect(await listBlobs()).toEqual(blobsBefore);
    expect(await countVersions()).toBe(versionsBefore);
  });

  it.each([
    ['/api/v1/packages/Acme/x/1.0.0', /^Invalid org name "Acme"/],
    ['/api/v1/packages/acme/x_y/1.0.0', /^Invalid package name "x_y"/],
    ['/api/v1/packages/acme/x/1.0', /^Invalid version "1\.0"/],
    [`/api/v1/packages/acme/${'a'.repeat(65)}/1.0.0`, /at most 64 characters/],
  ])('refuses the bad URL %s', async (path, pattern) => {
    const response = await put(path, await archiveOf('x', '1.0.0'));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(pattern);
  });

  it('needs a token, and a valid one', async () => {
    const archive = await archiveOf('gamma', '1.0.0');
    const none = await put('/api/v1/packages/acme/gamma/1.0.0', archive, null);
    expect(none.status).toBe(401);
    const bad = await put('/api/v1/packages/acme/gamma/1.0.0', archive, 'flock_wrong');
    expect(bad.status).toBe(401);
    expect(await bad.text()).toBe('{"error":"Invalid token"}');
  });

  describe('docs', () => {
    const docsOf = (name: string, version: string) =>
      writeDocsJson(extractDocs([{ path: 'src/m.ks', text: '/// Does it.\npub fn it() {}\n' }], { org: 'acme', name, version }));

    it('stores docs for an existing version, once', async () => {
      await put('/api/v1/packages/acme/delta/1.0.0', await archiveOf('delta', '1.0.0'));
      const first = await put('/api/v1/packages/acme/delta/1.0.0/docs', docsOf('delta', '1.0.0'));
      expect(await first.text()).toBe('{"ok":true}');
      const again = await put('/api/v1/packages/acme/delta/1.0.0/docs', docsOf('delta', '1.0.0'));
      expect(again.status).toBe(409);
      const stored = (await (await fetch(`${registry.url}/api/v1/packages/acme/delta/1.0.0/docs`)).json()) as DocModel;
      expect(stored.modules[0]!.items[0]).toMatchObject({ kind: 'fn', name: 'it', signature: 'pub fn it()' });
    });

    it('refuses docs for a version that does not exist', async () => {
      const response = await put('/api/v1/packages/acme/delta/9.9.9/docs', docsOf('delta', '9.9.9'));
      expect(response.status).toBe(404);
      expect(await response.text()).toBe('{"error":"Version acme/delta@9.9.9 does not exist"}');
    });

    it('refuses docs that are not JSON, of another version, or of an unknown schema', async () => {
      await put('/api/v1/packages/acme/delta/1.1.0', await archiveOf('delta', '1.1.0'));
      const cases: Array<[string, RegExp]> = [
        ['not json', /^Invalid docs: not JSON$/],
        [docsOf('delta', '1.0.0'), /describe delta@1\.0\.0, not delta@1\.1\.0/],
        [JSON.stringify({ schema: 'flock-docs/99', package: { name: 'delta', version: '1.1.0' }, modules: [] }), /Unsupported docs schema/],
      ];
      for (const [body, pattern] of cases) {
        const response = await put('/api/v1/packages/acme/delta/1.1.0/docs', body);
        expect(response.status).toBe(400);
        expect(((await response.json()) as { error: string }).error).toMatch(pattern);
      }
      const meta = (await (await fetch(`${registry.url}/api/v1/packages/acme/delta/1.1.0`)).json()) as VersionDto;
      expect(meta.hasDocs).toBe(false);
    });
  });

  it('records a publish in the audit log within its transaction: no audit row, no version', async () => {
    const audited = async (subject: string) =>
      (await registry.db.selectFrom('audit_events').select('action').where('subject', '=', subject).execute()).map((row) => row.action);
    expect((await put('/api/v1/packages/acme/logged/1.0.0', await archiveOf('logged', '1.0.0'))).status).toBe(200);
    expect(await audited('acme/logged@1.0.0')).toEqual(['publish']);

    // A real failure of the audit write: its table is briefly gone.
    const before = await countVersions();
    await sql`ALTER TABLE audit_events RENAME TO audit_events_away`.execute(registry.db);
    try {
      const response = await put('/api/v1/packages/acme/logged/1.1.0', await archiveOf('logged', '1.1.0'));
      expect(response.status).toBe(500);
    } finally {
      await sql`ALTER TABLE audit_events_away RENAME TO audit_events`.execute(registry.db);
    }
    expect(await countVersions()).toBe(before);
    expect((await fetch(`${registry.url}/api/v1/packages/acme/logged/1.1.0`)).status).toBe(404);
    // Nothing half-done stands in the way of the same publish once the log is back.
    expect((await put('/api/v1/packages/acme/logged/1.1.0', await archiveOf('logged', '1.1.0'))).status).toBe(200);
    expect(await audited('acme/logged@1.1.0')).toEqual(['publish']);
  });

  it('answers unknown packages and versions with 404 JSON', async () => {
    expect((await fetch(`${registry.url}/api/v1/packages/acme/nope`)).status).toBe(404);
    const version = await fetch(`${registry.url}/api/v1/packages/acme/alpha/3.0.0`);
    expect(version.status).toBe(404);
    expect(await version.json()).toEqual({ error: 'Version acme/alpha@3.0.0 not found' });
  });

  it('GET /api/v1/me names the token owner and their orgs', async () => {
    const response = await fetch(`${registry.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await response.json()).toEqual({ username: 'acme', orgs: [{ name: 'acme', role: 'owner' }], token: { name: 'test', scopes: ['publish', 'yank', 'read', 'manage'] } });
    expect((await fetch(`${registry.url}/api/v1/me`)).status).toBe(401);
  });
});
