import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkRecord, checkTree, leafHash, merkleTreeHash, parseVerifierKey, proveRecord, proveTree, type Checkpoint, type VersionDto,
} from '@flock/core';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { fetchCheckpoint, fetchEntries, httpTileReader } from '../../../test-support/tlog.js';
import { appendRecord } from '../src/services/transparency-log.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

describe('the transparency log, served as tiles and checked as a client would', () => {
  let registry: TestRegistry;
  let token: string;
  let outsider: string;
  let atTen: Checkpoint;

  const api = (path: string, init: RequestInit & { auth?: string | null } = {}) =>
    fetch(`${registry.url}${path}`, { ...init, headers: init.auth === null ? {} : { authorization: `Bearer ${init.auth ?? token}` } });
  const publish = async (name: string, version: string, extra = '') => {
    const response = await api(`/api/v1/packages/acme/${name}/${version}`, { method: 'PUT', body: await manifestOnlyArchive('acme', name, version, extra) });
    expect(response.status, await response.clone().text()).toBe(200);
  };
  const version = async (name: string, v: string, auth?: string) => (await (await api(`/api/v1/packages/acme/${name}/${v}`, auth === undefined ? {} : { auth })).json()) as VersionDto;

  beforeAll(async () => {
    registry = await createTestRegistry({ FLOCK_PUBLISHES_PER_HOUR: '1000', FLOCK_LOG_ORIGIN: 'registry.test/log' });
    token = await registry.createUser('acme');
    outsider = await registry.createUser('stranger');
    for (let i = 0; i < 10; i++) await publish(`pkg${i % 5}`, `1.0.${i}`);
    atTen = (await fetchCheckpoint(registry.url)).checkpoint;
    for (let i = 10; i < 50; i++) await publish(`pkg${i % 5}`, `1.0.${i}`);
  }, 60_000);
  afterAll(() => registry?.close());

  it('checkpoints are signed by /log/key under the origin, and start empty-free at size 10', async () => {
    const { checkpoint, note, vkey } = await fetchCheckpoint(registry.url);
    expect(parseVerifierKey(vkey).name).toBe('registry.test/log');
    expect(note.startsWith('registry.test/log\n')).toBe(true);
    expect(atTen.size).toBe(10);
    expect(checkpoint.size).toBeGreaterThanOrEqual(50);
    const response = await fetch(`${registry.url}/log/checkpoint`);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('every one of 50 versions has an inclusion proof from the tiles that verifies against the signed checkpoint', async () => {
    const { checkpoint } = await fetchCheckpoint(registry.url);
    const entries = await fetchEntries(registry.url, checkpoint.size);
    // The root recomputed from every record equals the signed one.
    expect(Buffer.from(merkleTreeHash(entries)).equals(Buffer.from(checkpoint.hash))).toBe(true);
    const read = httpTileReader(registry.url, checkpoint.size);
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const found = await version(`pkg${i % 5}`, `1.0.${i}`);
      expect(found.logIndex).not.toBeNull();
      const index = found.logIndex!;
      seen.add(index);
      const record = text(entries[index]!);
      expect(record).toBe(`flock-log v1\nevent publish\npackage acme/pkg${i % 5}\nversion 1.0.${i}\narchive ${found.checksum}\ntime ${found.publishedAt}\n`);
      const proof = await proveRecord(checkpoint.size, index, read);
      checkRecord(proof, checkpoint.size, checkpoint.hash, index, leafHash(entries[index]!));
      // A proof for another record's leaf fails: the check can fail.
      expect(() => checkRecord(proof, checkpoint.size, checkpoint.hash, index, leafHash(Buffer.from(`${record}x`)))).toThrow();
    }
    expect(seen.size).toBe(50);
    // The hash tiles came from the server: the level-0 tile at least.
    expect([...read.fetched].some((path) => path.startsWith('tile/0/000'))).toBe(true);
  });

  it('a consistency proof from the checkpoint at size 10 to the latest verifies', async () => {
    const { checkpoint } = await fetchCheckpoint(registry.url);
    const read = httpTileReader(registry.url, checkpoint.size);
    const proof = await proveTree(checkpoint.size, atTen.size, read);
    checkTree(proof, checkpoint.size, checkpoint.hash, atTen.size, atTen.hash);
    expect(() => checkTree(proof, checkpoint.size, checkpoint.hash, atTen.size, leafHash(Buffer.from('forked')))).toThrow();
  });

  it('yank, unyank, docs and visibility changes add records', async () => {
    const before = (await fetchCheckpoint(registry.url)).checkpoint.size;
    const checksum = (await version('pkg0', '1.0.0')).checksum;
    expect((await api('/api/v1/packages/acme/pkg0/1.0.0/yank', { method: 'POST' })).status).toBe(200);
    expect((await api('/api/v1/packages/acme/pkg0/1.0.0/yank', { method: 'DELETE' })).status).toBe(200);
    const docs = JSON.stringify({ schema: 'flock-docs/1', package: { org: 'acme', name: 'pkg1', version: '1.0.1' }, modules: [] });
    expect((await api('/api/v1/packages/acme/pkg1/1.0.1/docs', { method: 'PUT', body: docs })).status).toBe(200);
    const visibility = (v: string) => api('/api/v1/packages/acme/pkg2/visibility', { method: 'POST', body: JSON.stringify({ visibility: v }) });
    expect((await visibility('private')).status).toBe(200);
    expect((await visibility('public')).status).toBe(200);

    const { checkpoint } = await fetchCheckpoint(registry.url);
    expect(checkpoint.size).toBe(before + 5);
    const added = (await fetchEntries(registry.url, checkpoint.size)).slice(before).map(text);
    expect(added[0]).toMatch(new RegExp(`^flock-log v1\nevent yank\npackage acme/pkg0\nversion 1\\.0\\.0\narchive ${checksum}\ntime \\S+\n$`));
    expect(added[1]).toMatch(/^flock-log v1\nevent unyank\npackage acme\/pkg0\nversion 1\.0\.0\narchive sha256:[0-9a-f]{64}\ntime \S+\n$/);
    // The docs line names the stored docs' bytes, as served.
    const served = Buffer.from(await (await api('/api/v1/packages/acme/pkg1/1.0.1/docs')).arrayBuffer());
    const docsHex = createHash('sha256').update(served).digest('hex');
    expect(added[2]).toMatch(new RegExp(`^flock-log v1\nevent docs\npackage acme/pkg1\nversion 1\\.0\\.1\ndocs sha256:${docsHex}\ntime \\S+\n$`));
    // Going private names nothing; coming back public does.
    expect(added[3]).toMatch(/^flock-log v1\nevent visibility\nhidden sha256:[0-9a-f]{64}\nvisibility private\ntime \S+\n$/);
    expect(added[4]).toMatch(/^flock-log v1\nevent visibility\npackage acme\/pkg2\nvisibility public\ntime \S+\n$/);
  });

  it("a private package's record hides its name; the lookup gives members the clear record and salt, outsiders a 404", async () => {
    await publish('secret', '2.0.0', 'visibility = "private"\n');
    const found = await version('secret', '2.0.0');
    const { checkpoint } = await fetchCheckpoint(registry.url);
    const leaf = text((await fetchEntries(registry.url, checkpoint.size))[found.logIndex!]!);
    expect(leaf).toMatch(/^flock-log v1\nevent publish\nhidden sha256:[0-9a-f]{64}\narchive sha256:[0-9a-f]{64}\ntime \S+\n$/);
    expect(leaf).not.toMatch(/secret|2\.0\.0/);

    const missing = await api('/api/v1/log/lookup/acme/nothing/2.0.0', { auth: outsider });
    for (const auth of [null, outsider]) {
      const refused = await api('/api/v1/log/lookup/acme/secret/2.0.0', { auth });
      expect(refused.status).toBe(404);
      expect(((await refused.json()) as { error: string }).error).toBe('Package acme/secret not found');
    }
    expect(missing.status).toBe(404);

    const lookup = (await (await api('/api/v1/log/lookup/acme/secret/2.0.0')).json()) as { index: number; record: string; salt: string };
    expect(lookup.index).toBe(found.logIndex);
    expect(lookup.record).toBe(`flock-log v1\nevent publish\npackage acme/secret\nversion 2.0.0\narchive ${found.checksum}\ntime ${found.publishedAt}\n`);
    const hidden = createHash('sha256').update(Buffer.from(lookup.salt, 'hex')).update(lookup.record).digest('hex');
    expect(leaf).toContain(`hidden sha256:${hidden}\n`);
    // A public version's lookup is the record as logged, without a salt.
    const open = (await (await api('/api/v1/log/lookup/acme/pkg3/1.0.3', { auth: null })).json()) as Record<string, unknown>;
    expect(Object.keys(open).sort()).toEqual(['index', 'record']);
  });

  it('a held version is logged when approved, with the docs that came while it waited', async () => {
    const before = (await fetchCheckpoint(registry.url)).checkpoint.size;
    const row = await registry.db.selectFrom('versions').selectAll().where('version', '=', '1.0.4').executeTakeFirstOrThrow();
    const docsHex = 'ab'.repeat(32);
    const copy = { ...row, id: 'held-9.9.9', version: '9.9.9', log_index: null, docs_key: `sha256/ab/ab/${docsHex}` };
    await registry.db.insertInto('held_versions')
      .values({ id: copy.id, package_id: row.package_id, version: '9.9.9', row: JSON.stringify(copy), flags: '["new-credential"]', held_at: row.published_at, rejected_at: null, decided_by: null })
      .execute();
    expect((await api('/api/v1/packages/acme/pkg4/9.9.9/approve', { method: 'POST' })).status).toBe(200);
    const { checkpoint } = await fetchCheckpoint(registry.url);
    expect(checkpoint.size).toBe(before + 2);
    const found = await version('pkg4', '9.9.9');
    expect(found.logIndex).toBe(before);
    const added = (await fetchEntries(registry.url, checkpoint.size)).slice(before).map(text);
    expect(added[0]).toBe(`flock-log v1\nevent publish\npackage acme/pkg4\nversion 9.9.9\narchive ${row.checksum}\ntime ${found.publishedAt}\n`);
    expect(added[1]).toBe(`flock-log v1\nevent docs\npackage acme/pkg4\nversion 9.9.9\ndocs sha256:${docsHex}\ntime ${found.publishedAt}\n`);
  });

  it('serves tiles strictly: beyond the size is 404, malformed paths 400, full tiles immutable', async () => {
    const { checkpoint } = await fetchCheckpoint(registry.url);
    expect(checkpoint.size).toBeLessThan(256);
    const partial = await fetch(`${registry.url}/log/tile/0/000.p/${checkpoint.size}`);
    expect(partial.status).toBe(200);
    expect(partial.headers.get('cache-control')).toBe('public, max-age=10');
    expect((await partial.arrayBuffer()).byteLength).toBe(32 * checkpoint.size);
    for (const path of [`tile/0/000.p/${checkpoint.size + 1}`, 'tile/0/000', 'tile/entries/000', 'tile/1/000.p/1', 'tile/0/001.p/1']) {
      expect((await fetch(`${registry.url}/log/${path}`)).status, path).toBe(404);
    }
    for (const path of ['tile/0/0.p/1', 'tile/0/000.p/256', 'tile/0/x000/000.p/1', 'tile/9/000', 'tile/0/000.p/01']) {
      const response = await fetch(`${registry.url}/log/${path}`);
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(/^Not a tile path/);
    }
  });

  it('a change that fails after its append leaves no record, and a race for one version logs it once', async () => {
    const size = async () => (await fetchCheckpoint(registry.url)).checkpoint.size;
    const before = await size();
    await expect(registry.db.transaction().execute(async (trx) => {
      await appendRecord(trx, { event: 'publish', packageId: 'x', package: 'acme/ghost', version: '1.0.0', archive: `sha256:${'0'.repeat(64)}`, time: new Date().toISOString(), private: false });
      throw new Error('forced failure after the append');
    })).rejects.toThrow('forced failure');
    expect(await size()).toBe(before);
    expect(await registry.db.selectFrom('log_records').select('idx').where('idx', '>=', before).execute()).toEqual([]);

    const archives = await Promise.all(Array.from({ length: 8 }, (_, i) => manifestOnlyArchive('acme', 'racer', '1.0.0', `description = "take ${i}"\n`)));
    const statuses = await Promise.all(archives.map(async (body) => (await api('/api/v1/packages/acme/racer/1.0.0', { method: 'PUT', body })).status));
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(7);
    const after = await size();
    expect(after).toBe(before + 1);
    const leaf = text((await fetchEntries(registry.url, after))[before]!);
    expect(leaf).toContain('package acme/racer\nversion 1.0.0\n');
    expect(leaf).toContain(`archive ${(await version('racer', '1.0.0')).checksum}\n`);
  });
});
