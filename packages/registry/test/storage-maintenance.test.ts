import { randomBytes } from 'node:crypto';
import { appendFile, cp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packArchive, parseManifest, renderManifest, sha256Hex } from '@flock/core';
import { createTestDatabase } from '../../../test-support/backend.js';
import { REGISTRY_BIN, runBin, spawnRegistry, tempDir } from '../../../test-support/cli.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { startTestS3, type TestS3 } from '../../../test-support/s3.js';
import { SCOPES } from '../src/auth/principal.js';
import { contentKey } from '../src/blobs/keys.js';
import type { BlobStore } from '../src/blobs/store.js';

async function archive(org: string, name: string, version: string) {
  const manifest = renderManifest(parseManifest(`[package]\nname = "${name}"\nversion = "${version}"\norg = "${org}"\n`));
  return packArchive({ root: `${name}-${version}`, entries: [{ path: 'flock.toml', bytes: Buffer.from(manifest) }] });
}
const docsOf = (org: string, name: string, version: string) => JSON.stringify({ schema: 'flock-docs/1', package: { org, name, version }, modules: [] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function keysOf(store: BlobStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of store.list('sha256/')) keys.push(entry.key);
  return keys.sort();
}

// fsck, gc, backup and restore as an operator runs them: the real flock-registry binary, on the
// test registry's database and store (org store included) while that registry serves.
describe('storage maintenance: fsck, gc, backup and restore', () => {
  let registry: TestRegistry;
  let orgS3: TestS3;
  let dir: { path: string; cleanup(): Promise<void> };
  let boss = '';
  let registryStore: BlobStore;
  let acmeStore: BlobStore;
  const op = (...args: string[]) => runBin(REGISTRY_BIN, args, { cwd: dir.path, env: registry.env });
  const put = (path: string, body: string | Uint8Array, token = boss) =>
    fetch(`${registry.url}${path}`, { method: 'PUT', body, headers: { authorization: `Bearer ${token}` } });
  const publish = async (org: string, name: string, version: string, token = boss) => put(`/api/v1/packages/${org}/${name}/${version}`, await archive(org, name, version), token);
  const blobKeyOf = async (org: string, name: string, version: string) => (await registry.db
    .selectFrom('versions').innerJoin('packages', 'packages.id', 'versions.package_id').innerJoin('orgs', 'orgs.id', 'packages.org_id')
    .select(['versions.blob_key', 'versions.docs_key'])
    .where('orgs.name', '=', org).where('packages.name', '=', name).where('versions.version', '=', version)
    .executeTakeFirstOrThrow());
  const orphan = async (store: BlobStore) => {
    const bytes = randomBytes(300);
    const key = contentKey(sha256Hex(bytes));
    await store.put(key, bytes);
    return key;
  };
  // Archives and docs in the registry store, an org store's, and a held publish's: six referenced blobs.
  const REFERENCED = 6;

  beforeAll(async () => {
    dir = await tempDir();
    // The publish loop below may run a while (gc on two cores): the hourly publish limit must not answer it 429.
    registry = await createTestRegistry({ FLOCK_PUBLISHES_PER_HOUR: '100000' });
    orgS3 = await startTestS3('acme-catalog');
    boss = await registry.createUser('boss');
    const second = await registry.withServices(async (s) => {
      const user = await s.accounts.requireUser('boss');
      await s.accounts.createOrg({ name: 'acme', ownerId: user.id });
      return (await s.tokens.create({ userId: user.id, name: 'second', scopes: [...SCOPES] })).token;
    });
    const store = { endpoint: orgS3.endpoint, bucket: orgS3.bucket, region: 'us-east-1', prefix: 'flock', accessKeyId: 'S3RVER', secretAccessKey: 'whatever' };
    expect((await put('/api/v1/orgs/acme/store', JSON.stringify(store))).status).toBe(200);
    expect((await publish('boss', 'palette', '0.1.0')).status).toBe(200);
    expect((await put('/api/v1/packages/boss/palette/0.1.0/docs', docsOf('boss', 'palette', '0.1.0'))).status).toBe(200);
    expect((await publish('boss', 'palette', '0.2.0')).status).toBe(200);
    expect((await publish('acme', 'widget', '1.0.0')).status).toBe(200);
    expect((await put('/api/v1/packages/acme/widget/1.0.0/docs', docsOf('acme', 'widget', '1.0.0'))).status).toBe(200);
    // A publish with a credential the package has not seen, held for approval: its blob is referenced by held_versions only.
    expect((await put('/api/v1/orgs/boss/settings', JSON.stringify({ holdUnusual: true }))).status).toBe(200);
    expect((await publish('boss', 'palette', '0.3.0', second)).status).toBe(202);
    registryStore = await registry.withServices(async (s) => s.blobs);
    acmeStore = await registry.withServices(async (s) => {
      const acme = await s.accounts.requireOrg('acme');
      return (await s.orgStores.placementFor(acme.id, 'acme')).store;
    });
  });

  afterAll(async () => {
    await registry?.close();
    await orgS3?.close();
    await dir?.cleanup();
  });

  it('fsck is clean on a registry with archives, docs, an org store and a held publish', async () => {
    const result = await op('fsck');
    expect(result.stderr).toBe('');
    expect(result.lines).toEqual([`fsck: ${REFERENCED} referenced blobs; 0 missing, 0 corrupt, 0 unreadable; 0 orphans: ok`]);
    expect(result.code).toBe(0);
    expect(await keysOf(acmeStore)).toHaveLength(2);
  });

  it('fsck finds planted orphans, a deleted referenced blob and two corrupted ones (size, hash), in both stores; exit 1', async () => {
    const registryOrphan = await orphan(registryStore);
    const acmeOrphan = await orphan(acmeStore);
    const palette = await blobKeyOf('boss', 'palette', '0.1.0');
    const widget = await blobKeyOf('acme', 'widget', '1.0.0');
    const archiveBytes = (await registryStore.get(palette.blob_key))!;
    const docsBytes = (await acmeStore.get(widget.docs_key!))!;
    const second = await blobKeyOf('boss', 'palette', '0.2.0');
    const secondBytes = (await registryStore.get(second.blob_key))!;
    await registryStore.delete(palette.blob_key);
    await acmeStore.put(widget.docs_key!, Buffer.from('{"not":"the docs"}'));
    await registryStore.put(second.blob_key, secondBytes.subarray(0, 10));
    try {
      const result = await op('fsck');
      expect(result.code).toBe(1);
      expect(result.lines).toContain(`missing archive boss/palette@0.1.0 (${palette.blob_key}) in the registry store`);
      expect(result.lines).toContain(`wrong hash docs acme/widget@1.0.0 (${widget.docs_key}) in the store of organization acme: sha256:${sha256Hex(Buffer.from('{"not":"the docs"}'))}, expected sha256:${widget.docs_key!.slice(-64)}`);
      expect(result.lines).toContain(`wrong size archive boss/palette@0.2.0 (${second.blob_key}) in the registry store: 10 bytes, expected ${secondBytes.byteLength}`);
      expect(result.lines.filter((l) => l.startsWith('orphan '))).toEqual([
        expect.stringMatching(new RegExp(`^orphan ${registryOrphan} in the registry store \\(300 bytes, written `)),
        expect.stringMatching(new RegExp(`^orphan ${acmeOrphan} in the store of organization acme \\(300 bytes, written `)),
      ]);
      expect(result.lines.at(-1)).toBe(`fsck: ${REFERENCED} referenced blobs; 1 missing, 2 corrupt, 0 unreadable; 2 orphans: PROBLEMS`);
      const json = JSON.parse((await op('fsck', '--json')).stdout) as { ok: boolean; referenced: number; problems: { kind: string }[]; orphans: { key: string }[] };
      expect(json).toMatchObject({ ok: false, referenced: REFERENCED });
      expect(json.problems.map((p) => p.kind).sort()).toEqual(['missing', 'wrong-hash', 'wrong-size']);
      expect(json.orphans.map((o) => o.key).sort()).toEqual([acmeOrphan, registryOrphan].sort());
    } finally {
      await registryStore.put(palette.blob_key, archiveBytes);
      await acmeStore.put(widget.docs_key!, docsBytes);
      await registryStore.put(second.blob_key, secondBytes);
    }
    // Orphans alone are reported but pass, unless --strict.
    const orphansOnly = await op('fsck');
    expect(orphansOnly.lines.at(-1)).toBe(`fsck: ${REFERENCED} referenced blobs; 0 missing, 0 corrupt, 0 unreadable; 2 orphans: ok`);
    expect(orphansOnly.code).toBe(0);
    expect((await op('fsck', '--strict')).code).toBe(1);
  });

  it('gc refuses without exactly one of --dry-run and --apply, or with a grace under 1h; --dry-run deletes nothing', async () => {
    for (const args of [[], ['--dry-run', '--apply']]) {
      const refused = await op('gc', ...args);
      expect(refused).toMatchObject({ code: 1, stdout: '', stderr: 'error: Give exactly one of --dry-run and --apply\n' });
    }
    const short = await op('gc', '--apply', '--grace', '30m');
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/^error: --grace 30m is too short: at least 1h.*\n$/);
    const before = [await keysOf(registryStore), await keysOf(acmeStore)];
    // Default grace (24h): the orphans are new, so nothing would go.
    expect((await op('gc', '--dry-run')).lines).toEqual(['gc: would delete 0 orphans (0 bytes); kept 2 younger than the grace period']);
    const dry = await op('gc', '--dry-run', '--grace-seconds', '0');
    expect(dry.code).toBe(0);
    expect(dry.lines.filter((l) => l.startsWith('would delete '))).toHaveLength(2);
    expect(dry.lines.at(-1)).toBe('gc: would delete 2 orphans (600 bytes); kept 0 younger than the grace period');
    expect([await keysOf(registryStore), await keysOf(acmeStore)]).toEqual(before);
  });

  it('gc --apply removes only the orphans while publishes run: every publish succeeds and keeps its blobs', async () => {
    const planted = [await orphan(registryStore), await orphan(acmeStore)];
    // With the earlier tests' orphans, when they ran.
    const orphans = (JSON.parse((await op('fsck', '--json')).stdout) as { orphans: { key: string }[] }).orphans.map((o) => o.key);
    expect(orphans).toEqual(expect.arrayContaining(planted));
    // Older than the grace period given below; the publishes' blobs are younger or referenced.
    await sleep(2500);
    let gcDone = false;
    const statuses: number[] = [];
    const loop = (async () => {
      for (let i = 0; (!gcDone || i < 4) && i < 500; i++) {
        statuses.push((await publish('boss', 'loop', `1.0.${i}`)).status);
        statuses.push((await put(`/api/v1/packages/boss/loop/1.0.${i}/docs`, docsOf('boss', 'loop', `1.0.${i}`))).status);
      }
    })();
    while (statuses.length === 0) await sleep(20);
    const gc = await op('gc', '--apply', '--grace-seconds', '2');
    gcDone = true;
    await loop;
    expect(gc.stderr).toBe('');
    expect(gc.code).toBe(0);
    expect(gc.lines.filter((l) => l.startsWith('deleted ')).map((l) => l.split(' ')[1]).sort()).toEqual([...orphans].sort());
    expect(gc.lines.at(-1)).toMatch(new RegExp(`^gc: deleted ${orphans.length} orphans \\(${300 * orphans.length} bytes\\); kept \\d+ younger than the grace period`));
    expect(statuses.length).toBeGreaterThanOrEqual(8);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    for (const key of orphans) expect([...(await keysOf(registryStore)), ...(await keysOf(acmeStore))]).not.toContain(key);
    const after = await op('fsck', '--strict');
    expect(after.lines.at(-1)).toBe(`fsck: ${REFERENCED + statuses.length} referenced blobs; 0 missing, 0 corrupt, 0 unreadable; 0 orphans: ok`);
    expect(after.code).toBe(0);
  }, 120_000);

  it('backup, then restore into a fresh database on the same store: a new server answers the index and the API identically', async () => {
    const backupDir = join(dir.path, 'backup');
    const backedUp = await op('backup', backupDir);
    expect(backedUp.stderr).toBe('');
    expect(backedUp.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(backupDir, 'manifest.json'), 'utf8')) as {
      backend: string; blobsIncluded: boolean; blobs: { store: string; key: string; size: number | null; sha256: string | null }[]; migration: string;
    };
    const referenced = (JSON.parse((await op('fsck', '--json')).stdout) as { referenced: number }).referenced;
    expect(manifest).toMatchObject({ backend: registry.config.databaseUrl.startsWith('postgres') ? 'postgres' : 'sqlite', blobsIncluded: false, migration: expect.stringMatching(/^\d{4}_/) });
    expect(manifest.blobs).toHaveLength(referenced);
    const widget = await blobKeyOf('acme', 'widget', '1.0.0');
    expect(manifest.blobs).toContainEqual({ store: 'org:acme', key: widget.docs_key, size: (await acmeStore.head(widget.docs_key!))!.size, sha256: widget.docs_key!.slice(-64) });
    expect(manifest.blobs.every((b) => b.size !== null && b.sha256 !== null)).toBe(true);
    const again = await op('backup', backupDir);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`error: The backup folder ${backupDir} is not empty: give a new or empty folder\n`);

    // PostgreSQL needs pg_dump: without it on PATH, one line and no backup folder left behind. SQLite needs no tool.
    const noTools = join(dir.path, 'no-tools');
    const withoutPath = await runBin(REGISTRY_BIN, ['backup', noTools], { cwd: dir.path, env: { ...registry.env, PATH: join(dir.path, 'no-such-bin') } });
    if (manifest.backend === 'postgres') {
      expect(withoutPath.stderr).toMatch(/^error: pg_dump is not installed \(it comes with the PostgreSQL client tools.*\n$/);
      expect(withoutPath.code).toBe(1);
      expect(await readdir(dir.path)).not.toContain('no-tools');
    } else {
      expect(withoutPath.code).toBe(0);
      expect((await readdir(noTools)).sort()).toEqual(['flock.db', 'manifest.json']);
    }

    const fresh = join(dir.path, 'fresh');
    const database = registry.config.databaseUrl.startsWith('postgres') ? await createTestDatabase() : null;
    const secret = (await readFile(join(registry.dataDir, 'secret.key'), 'utf8')).trim();
    const env = {
      ...registry.env, FLOCK_DATA_DIR: fresh, FLOCK_SECRET_KEY: secret, FLOCK_BLOB_STORE: registry.config.blobStore,
      FLOCK_DATABASE_URL: database ? database.url : `sqlite:${join(fresh, 'flock.db')}`,
    };
    const restoreInto = (args: string[]) => runBin(REGISTRY_BIN, args, { cwd: dir.path, env });
    let server: Awaited<ReturnType<typeof spawnRegistry>> | undefined;
    try {
      // A damaged copy of the backup is refused before anything is written.
      const damaged = join(dir.path, 'damaged');
      await cp(backupDir, damaged, { recursive: true });
      await appendFile(join(damaged, manifest.backend === 'postgres' ? 'flock.dump' : 'flock.db'), 'x');
      const refused = await restoreInto(['restore', damaged]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/does not match manifest\.json \(sha256 or size differs\): the backup is damaged\n$/);

      const restored = await restoreInto(['restore', backupDir]);
      expect(restored.stderr).toMatch(/^restored the (sqlite|postgres) database from .*; checking the store\n$/);
      expect(restored.lines).toEqual([`fsck: ${referenced} referenced blobs; 0 missing, 0 corrupt, 0 unreadable; 0 orphans: ok`]);
      expect(restored.code).toBe(0);
      const twice = await restoreInto(['restore', backupDir]);
      expect(twice.code).toBe(1);
      expect(twice.stderr).toMatch(/^error: The database .* is not empty: restore needs an empty database/);

      server = await spawnRegistry(env, dir.path);
      const paths = [
        '/index/boss/palette', '/index/boss/loop', '/index/acme/widget',
        '/api/v1/packages/boss/palette', '/api/v1/packages/acme/widget', '/api/v1/packages/boss/loop/1.0.1', '/api/v1/packages/acme/widget/1.0.0/docs',
      ];
      for (const path of paths) {
        const [before, after] = await Promise.all([fetch(`${registry.url}${path}`), fetch(`${server.url}${path}`)]);
        expect({ path, status: after.status, body: await after.text() }).toEqual({ path, status: before.status, body: await before.text() });
        expect(before.status).toBe(200);
      }
    } finally {
      await server?.stop();
      await database?.drop();
    }
  }, 120_000);
});
