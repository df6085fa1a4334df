import { randomBytes } from 'node:crypto';
import { DOCS_SCHEMA, packArchive } from '@flock/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../../../test-support/backend.js';
import { manifestFor } from '../../../test-support/archives.js';
import { REGISTRY_BIN, copyExample, publisherEnv, runBin, tempDir } from '../../../test-support/cli.js';
import { publishProject } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { formatBytes, parseByteQuota, usedOf } from '../src/services/quotas.js';

// Issue 16, part 4: per-org quotas on stored bytes, versions per day and packages.

/** An archive of org/name@version with `noise` bytes gzip cannot shrink, so sizes differ as a test needs. */
const archiveOf = (org: string, name: string, version: string, noise = 0) =>
  packArchive({ root: `${name}-${version}`, entries: [{ path: 'flock.toml', bytes: manifestFor(org, name, version) }, ...(noise > 0 ? [{ path: 'noise.bin', bytes: randomBytes(noise) }] : [])] });

describe('org quotas', () => {
  let registry: TestRegistry;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const tokens: Record<string, string> = {};
  const operator = (...args: string[]) => runBin(REGISTRY_BIN, args, { cwd: dir.path, env: registry.env });
  const put = (org: string, path: string, body: Uint8Array | string, token = tokens[org]!) =>
    fetch(`${registry.url}/api/v1/packages/${org}/${path}`, { method: 'PUT', body, headers: { authorization: `Bearer ${token}` } });
  const versionsOf = async (org: string) =>
    (await registry.db.selectFrom('versions').innerJoin('packages', 'packages.id', 'versions.package_id').innerJoin('orgs', 'orgs.id', 'packages.org_id')
      .select(['packages.name', 'versions.version']).where('orgs.name', '=', org).execute()).map((r) => `${r.name}@${r.version}`).sort();
  const setQuota = async (org: string, ...args: string[]) => {
    const result = await operator('org', 'quota', org, ...args);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout;
  };

  beforeAll(async () => {
    dir = await tempDir();
    registry = await createTestRegistry();
    for (const org of ['pk', 'vd', 'by', 'cc', 'hd']) tokens[org] = await registry.createUser(org);
  });
  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('flock-registry org quota sets quotas and prints them with the usage; bad values change nothing', async () => {
    expect(await setQuota('pk')).toBe('pk:\n  storage: 0 bytes used of unlimited\n  versions per day: 0 in the last 24 hours of unlimited\n  packages: 0 of unlimited\n');
    expect(await setQuota('pk', '--bytes', '10MB', '--versions-per-day', '50', '--packages', '1'))
      .toBe('pk:\n  storage: 0 bytes used of 10 MB\n  versions per day: 0 in the last 24 hours of 50\n  packages: 0 of 1\n');
    expect(await registry.db.selectFrom('orgs').select(['max_bytes', 'max_versions_per_day', 'max_packages']).where('name', '=', 'pk').executeTakeFirstOrThrow())
      .toEqual({ max_bytes: expect.anything(), max_versions_per_day: 50, max_packages: 1 });
    expect(await setQuota('pk', '--bytes', 'none', '--versions-per-day', 'none')).toContain('storage: 0 bytes used of unlimited');
    // Each with a valid value beside the bad one: neither is stored.
    for (const args of [['--bytes', 'lots', '--packages', '7'], ['--packages', '-1', '--bytes', '7'], ['--versions-per-day', '1.5', '--packages', '7']]) {
      const bad = await operator('org', 'quota', 'pk', ...args);
      expect(bad.code, args.join(' ')).toBe(1);
      expect(bad.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    const unknown = await operator('org', 'quota', 'nobody-here');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: .*nobody-here.*\n$/);
    expect(await setQuota('pk')).toBe('pk:\n  storage: 0 bytes used of unlimited\n  versions per day: 0 in the last 24 hours of unlimited\n  packages: 0 of 1\n');
  });

  it('packages: a new package past the quota is 429 with the numbers; new versions of existing ones go on', async () => {
    await setQuota('pk', '--packages', '1');
    expect((await put('pk', 'first/1.0.0', await archiveOf('pk', 'first', '1.0.0'))).status).toBe(200);
    const blobs = await registry.listBlobs();
    const refused = await put('pk', 'second/1.0.0', await archiveOf('pk', 'second', '1.0.0'));
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: 'Org pk is at its quota of 1 packages (it has 1): no new package can be published' });
    expect(await registry.listBlobs()).toEqual(blobs);
    expect(await registry.db.selectFrom('packages').select('id').where('name', '=', 'second').execute()).toEqual([]);
    expect((await put('pk', 'first/1.0.1', await archiveOf('pk', 'first', '1.0.1'))).status).toBe(200);
    expect(await versionsOf('pk')).toEqual(['first@1.0.0', 'first@1.0.1']);
  });

  it('versions per day: the publish past the quota is 429 with the numbers and when to try again', async () => {
    await setQuota('vd', '--versions-per-day', '2');
    expect((await put('vd', 'tool/1.0.0', await archiveOf('vd', 'tool', '1.0.0'))).status).toBe(200);
    expect((await put('vd', 'other/1.0.0', await archiveOf('vd', 'other', '1.0.0'))).status).toBe(200);
    const blobs = await registry.listBlobs();
    const refused = await put('vd', 'tool/1.0.1', await archiveOf('vd', 'tool', '1.0.1'));
    expect(refused.status).toBe(429);
    const { error } = (await refused.json()) as { error: string };
    expect(error).toMatch(/^Org vd is over its quota of 2 versions per day: 2 published in the last 24 hours; try again after \d{4}-\d\d-\d\dT[\d:.]+Z$/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(86_000);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(await registry.listBlobs()).toEqual(blobs);
    expect(await versionsOf('vd')).toEqual(['other@1.0.0', 'tool@1.0.0']);
    expect(await setQuota('vd')).toContain('versions per day: 2 in the last 24 hours of 2');
  });

  it('bytes: an archive or docs past the quota are 413 with the numbers, and nothing is kept', async () => {
    const first = await archiveOf('by', 'big', '1.0.0', 3000);
    expect((await put('by', 'big/1.0.0', first)).status).toBe(200);
    const limit = first.byteLength + 100;
    await setQuota('by', '--bytes', String(limit));
    const blobs = await registry.listBlobs();
    const second = await archiveOf('by', 'big', '1.1.0', 2000);
    const refused = await put('by', 'big/1.1.0', second);
    expect(refused.status).toBe(413);
    expect(await refused.json()).toEqual({ error: `Org by is over its storage quota: ${usedOf(first.byteLength + second.byteLength, limit)} with this archive of ${formatBytes(second.byteLength)}` });
    expect(await registry.listBlobs()).toEqual(blobs);
    expect(await versionsOf('by')).toEqual(['big@1.0.0']);

    // Docs count too: 100 bytes are left, and these are more.
    const docs = JSON.stringify({ schema: DOCS_SCHEMA, package: { org: 'by', name: 'big', version: '1.0.0' }, modules: [{ name: 'big', path: 'src/big.ks', doc: 'The big module, documented at some length.', items: [] }] });
    const noDocs = await put('by', 'big/1.0.0/docs', docs);
    expect(noDocs.status).toBe(413);
    expect(((await noDocs.json()) as { error: string }).error).toMatch(/^Org by is over its storage quota: .* used of .* with this documentation of \d+ bytes$/);
    expect(await registry.listBlobs()).toEqual(blobs);
    const bigOne = () => registry.db.selectFrom('versions').innerJoin('packages', 'packages.id', 'versions.package_id').select(['versions.docs_key', 'versions.docs_size'])
      .where('packages.name', '=', 'big').where('versions.version', '=', '1.0.0').executeTakeFirstOrThrow();
    expect(await bigOne()).toEqual({ docs_key: null, docs_size: null });

    const report = await setQuota('by', '--bytes', 'none');
    expect(report).toContain(`storage: ${formatBytes(first.byteLength)} used of unlimited`);
    expect((await put('by', 'big/1.0.0/docs', docs)).status).toBe(200);
    const row = await bigOne();
    expect(Number(row.docs_size)).toBeGreaterThan(100);
    expect(await setQuota('by')).toContain(`storage: ${formatBytes(first.byteLength + Number(row.docs_size))} used of unlimited`);
  });

  it('held publishes and their docs count against the storage quota', async () => {
    const first = await archiveOf('hd', 'kept', '1.0.0', 500);
    expect((await put('hd', 'kept/1.0.0', first)).status).toBe(200);
    await registry.db.updateTable('orgs').set({ hold_unusual: 1 }).where('name', '=', 'hd').execute();
    // A new token of the same user: "new-credential", so the publish is held.
    const other = await registry.withServices(async (s) => (await s.tokens.create({ userId: (await s.accounts.requireUser('hd')).id, name: 'second', scopes: ['publish', 'read'] })).token);
    const held = await archiveOf('hd', 'kept', '1.1.0', 700);
    expect((await put('hd', 'kept/1.1.0', held, other)).status).toBe(202);
    const docs = JSON.stringify({ schema: DOCS_SCHEMA, package: { org: 'hd', name: 'kept', version: '1.1.0' }, modules: [] });
    expect((await put('hd', 'kept/1.1.0/docs', docs, other)).status).toBe(200);
    const { usage } = await registry.withServices((s) => s.quotas.show('hd'));
    const row = await registry.db.selectFrom('held_versions').select(['bytes', 'row']).executeTakeFirstOrThrow();
    const docsSize = Number((JSON.parse(row.row) as { docs_size: number }).docs_size);
    expect(docsSize).toBeGreaterThan(0);
    expect(Number(row.bytes)).toBe(held.byteLength + docsSize);
    expect(usage.bytes).toBe(first.byteLength + held.byteLength + docsSize);
    expect(usage.versionsLastDay).toBe(2);
  });

  it('concurrent publishes cannot both take the last slot', async () => {
    await setQuota('cc', '--versions-per-day', '3');
    for (const v of ['1.0.0', '1.0.1']) expect((await put('cc', `race/${v}`, await archiveOf('cc', 'race', v))).status).toBe(200);
    const contenders = await Promise.all(['2.0.0', '2.0.1', '2.0.2', '2.0.3'].map((v) => archiveOf('cc', 'race', v)));
    // On PostgreSQL the race is made certain: the transparency log's head, which every publish's
    // transaction updates after its quota check, is held locked until all four are waiting. Without
    // the org's row lock each would have passed its check by then; with it, three wait before theirs.
    const blobsBefore = await registry.listBlobs();
    const holder = backendName() === 'postgres-s3' ? new pg.Client({ connectionString: registry.env.FLOCK_DATABASE_URL }) : null;
    await holder?.connect();
    await holder?.query('begin');
    await holder?.query('update log_head set size = size where id = 1');
    const answers = contenders.map((archive, i) => put('cc', `race/2.0.${i}`, archive).then((r) => r.status));
    if (holder) {
      // Inside a transaction the statistics views are a snapshot: cleared before each look.
      const waiting = async () => {
        await holder.query('select pg_stat_clear_snapshot()');
        return Number((await holder.query("select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")).rows[0].n);
      };
      try {
        for (let i = 0; i < 200 && (await waiting()) < 4; i++) await new Promise((r) => setTimeout(r, 50));
        expect(await waiting()).toBe(4);
      } finally {
        await holder.query('commit');
        await holder.end();
      }
    }
    const statuses = await Promise.all(answers);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    expect(await versionsOf('cc')).toHaveLength(3);
    // Only the winner's archive is kept: the losers stored theirs before their check and removed them.
    expect((await registry.listBlobs()).length).toBe(blobsBefore.length + 1);
  });

  it('the org page shows owners their usage and quotas, and no one else', async () => {
    await setQuota('pk', '--bytes', '5MB');
    const owner = await (await fetch(`${registry.url}/flock/pk`, { headers: { authorization: `Bearer ${tokens.pk}` } })).text();
    expect(owner).toContain('id="quota"');
    expect(owner).toMatch(/Storage: [\d.]+ (bytes|kB) of 5 MB/);
    expect(owner).toContain('Packages: 1 of 1');
    expect(await (await fetch(`${registry.url}/flock/pk`)).text()).not.toContain('id="quota"');
    expect(await (await fetch(`${registry.url}/flock/pk`, { headers: { authorization: `Bearer ${tokens.vd}` } })).text()).not.toContain('id="quota"');
  });

  it('the real flock publish prints the refusal with its numbers', async () => {
    const project = await copyExample('palette', dir.path);
    const env = await publisherEnv(registry, dir.path);
    await setQuota('your-name', '--packages', '0');
    const result = await publishProject(project, env);
    expect(result.code, JSON.stringify(result)).not.toBe(0);
    // flock publish prints the registry's refusal as it came, as its last line.
    expect(result.lines.at(-1), JSON.stringify(result)).toBe('{"error":"Org your-name is at its quota of 0 packages (it has 0): no new package can be published"}');
    expect(await versionsOf('your-name')).toEqual([]);
  });
});

describe('quota values', () => {
  it('parses and prints sizes in decimal and binary units', () => {
    expect(parseByteQuota('100MB')).toBe(100_000_000);
    expect(parseByteQuota('1.5 GiB')).toBe(1.5 * 2 ** 30);
    expect(parseByteQuota('5000')).toBe(5000);
    expect(parseByteQuota('none')).toBeNull();
    for (const bad of ['', 'MB', '10 parsecs', '-5', '1e9']) expect(() => parseByteQuota(bad), bad).toThrow(/Invalid byte quota/);
    expect(formatBytes(999)).toBe('999 bytes');
    expect(formatBytes(10_240_000)).toBe('10.2 MB');
    expect(formatBytes(999_999)).toBe('1 MB');
    // Rounding never makes an over-quota total look equal to its quota.
    expect(usedOf(10_000_001, 10_000_000)).toBe('10000001 bytes used of 10000000 bytes');
    expect(usedOf(10_200_000, 10_000_000)).toBe('10.2 MB used of 10 MB');
  });
});
