import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentKey } from '../src/blobs/keys.js';
import { loadConfig } from '../src/config.js';
import { REGISTRY_BIN, copyExample, runBin, runFlock } from '../../../test-support/cli.js';
import { createExamplesRegistry, type ExamplesRegistry } from '../../../test-support/examples-registry.js';
import { startLogProxy } from '../../../test-support/log-proxy.js';
import { publishProject } from '../../../test-support/publish.js';
import { sha256Hex } from '@flock/core';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// FLOCK_UPSTREAM (issue 16 part 7): a mirror on one port in front of a real upstream registry on
// another, where your-name has published examples/palette and examples/banner. The tests run in
// order; the last one stops the upstream.
describe('a mirror of another registry (FLOCK_UPSTREAM)', () => {
  let upstream: ExamplesRegistry;
  let mirror: TestRegistry;
  let projects = 0;
  let upstreamStopped = false;

  /** A fresh project (and a fresh HOME, so nothing comes from flock's own cache) depending on `deps`. */
  async function project(deps: string): Promise<{ root: string; env: Record<string, string> }> {
    const root = join(upstream.dir.path, `mirror-project-${++projects}`);
    const home = join(root, 'home');
    await mkdir(home, { recursive: true });
    await writeFile(join(root, 'flock.toml'), `[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\n${deps}`);
    return { root, env: { HOME: home, FLOCK_REGISTRY: mirror.url } };
  }

  const install = async (p: { root: string; env: Record<string, string> }) => runFlock(['install'], { cwd: p.root, env: p.env });

  /** The upstream's count of index answers with this status (its /metrics answers 127.0.0.1). */
  async function upstreamIndexAnswers(status: number): Promise<number> {
    const text = await (await fetch(`${upstream.registry.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('flock_http_requests_total{') && l.includes('route="/index/:org/:name"') && l.includes(`status="${status}"`));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  }

  const archivesStored = async () =>
    (await mirror.db.selectFrom('mirror_archives').select(['org', 'name', 'version', 'checksum', 'log_index', 'local_log_index']).orderBy('name').orderBy('version').execute())
      .map((r) => ({ ...r, log_index: r.log_index === null ? null : Number(r.log_index) }));

  beforeAll(async () => {
    upstream = await createExamplesRegistry();
    // Max age 0: every index request asks the upstream, so what it changes shows at once (its own test below).
    mirror = await createTestRegistry({ FLOCK_UPSTREAM: upstream.registry.url, FLOCK_UPSTREAM_TIMEOUT: '5', FLOCK_UPSTREAM_MAX_AGE: '0' });
  });

  afterAll(async () => {
    await mirror?.close();
    if (upstreamStopped) await upstream.dir.cleanup();
    else await upstream?.close();
  });

  it('FLOCK_UPSTREAM is https, or plain http to this machine only, without credentials; the timeout a positive number', () => {
    expect(loadConfig({ FLOCK_UPSTREAM: 'https://registry.example.com/' }).upstream).toEqual({ url: 'https://registry.example.com', timeoutMs: 30_000, maxAgeMs: 60_000 });
    expect(loadConfig({ FLOCK_UPSTREAM: 'http://127.0.0.1:7000', FLOCK_UPSTREAM_TIMEOUT: '5', FLOCK_UPSTREAM_MAX_AGE: '0' }).upstream).toEqual({ url: 'http://127.0.0.1:7000', timeoutMs: 5000, maxAgeMs: 0 });
    expect(() => loadConfig({ FLOCK_UPSTREAM: 'https://r.example', FLOCK_UPSTREAM_MAX_AGE: '-1' })).toThrow('Invalid FLOCK_UPSTREAM_MAX_AGE "-1": expected whole seconds (0: ask the upstream on every request)');
    expect(loadConfig({}).upstream).toBeNull();
    expect(() => loadConfig({ FLOCK_UPSTREAM: 'http://registry.example.com' })).toThrow('Invalid FLOCK_UPSTREAM "http://registry.example.com": expected https:// (plain http:// only to 127.0.0.1 or localhost)');
    expect(() => loadConfig({ FLOCK_UPSTREAM: 'https://user:secret@registry.example.com' })).toThrow(/no credentials, query or fragment/);
    expect(() => loadConfig({ FLOCK_UPSTREAM: 'registry' })).toThrow('Invalid FLOCK_UPSTREAM "registry": expected an http(s) URL');
    expect(() => loadConfig({ FLOCK_UPSTREAM: 'https://r.example', FLOCK_UPSTREAM_TIMEOUT: '0' })).toThrow(/Invalid FLOCK_UPSTREAM_TIMEOUT "0"/);
  });

  it('flock install through the mirror installs banner and palette, each archive checked and kept', async () => {
    const p = await project('"your-name/banner" = "^0.1.0"\n');
    const result = await install(p);
    expect(result.code, result.stderr).toBe(0);
    expect(result.lines).toEqual(['Installed 2 packages (2 downloaded)', '  your-name/banner@0.1.0', '  your-name/palette@0.1.0']);
    // The client checked both against the mirror's own log, where the mirror logged what it stored.
    expect(result.stderr).toBe('');
    const palette = (await upstream.index('your-name/palette'))[0]!;
    const banner = (await upstream.index('your-name/banner'))[0]!;
    const stored = await archivesStored();
    expect(stored.map((r) => [r.name, r.version, r.checksum])).toEqual([['banner', '0.1.0', banner.checksum], ['palette', '0.1.0', palette.checksum]]);
    // Each was found in the upstream's log (the index of its publish record there), and logged in the mirror's.
    for (const row of stored) {
      const lookup = (await (await fetch(`${upstream.registry.url}/api/v1/log/lookup/your-name/${row.name}/0.1.0`)).json()) as { index: number };
      expect(row.log_index).toBe(lookup.index);
      const local = (await (await fetch(`${mirror.url}/api/v1/log/lookup/your-name/${row.name}/0.1.0`)).json()) as { index: number; record: string };
      expect(local.index).toBe(Number(row.local_log_index));
      expect(local.record).toContain(`event publish\npackage your-name/${row.name}\nversion 0.1.0\narchive ${row.checksum}\n`);
    }
    const blobs = await mirror.listBlobs();
    for (const line of [palette, banner]) expect(blobs.some((key) => key.endsWith(contentKey(line.checksum.slice('sha256:'.length))))).toBe(true);
    // Its fetched archives are referenced blobs: fsck finds no orphan, gc would delete nothing.
    const fsck = await runBin(REGISTRY_BIN, ['fsck', '--strict'], { cwd: upstream.dir.path, env: mirror.env });
    expect(fsck.stdout).toBe('fsck: 2 referenced blobs; 0 missing, 0 corrupt, 0 unreadable; 0 orphans: ok\n');
    expect(fsck.code, fsck.stderr).toBe(0);
    const gc = await runBin(REGISTRY_BIN, ['gc', '--dry-run', '--grace-seconds', '0'], { cwd: upstream.dir.path, env: mirror.env });
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.stdout).not.toMatch(/sha256\//);
    // The upstream's log key is pinned on first use.
    const pinned = await mirror.db.selectFrom('mirror_state').select('value').where('name', '=', 'log_key').executeTakeFirst();
    expect(pinned?.value).toBe((await (await fetch(`${upstream.registry.url}/log/key`)).text()).trim());
  });

  it('index answers are revalidated with the upstream ETag: 304 keeps the cache, a new upstream version shows at once', async () => {
    const before = await upstreamIndexAnswers(304);
    const first = await fetch(`${mirror.url}/index/your-name/palette`);
    expect(first.status).toBe(200);
    expect(await upstreamIndexAnswers(304)).toBe(before + 1);
    // The mirror's own ETag answers the client's If-None-Match.
    const again = await fetch(`${mirror.url}/index/your-name/palette`, { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);
    await upstream.publishPaletteVersion('0.2.0');
    const text = await (await fetch(`${mirror.url}/index/your-name/palette`)).text();
    expect(text.trim().split('\n').map((l) => (JSON.parse(l) as { version: string }).version)).toEqual(['0.1.0', '0.2.0']);
    const cached = await mirror.db.selectFrom('mirror_index').select('body').where('org', '=', 'your-name').where('name', '=', 'palette').executeTakeFirstOrThrow();
    expect(cached.body).toBe(text);
  });

  it('an upstream archive with a byte flipped is refused (502): the install fails and nothing is stored', async () => {
    const version = await upstream.registry.db.selectFrom('versions').innerJoin('packages', 'packages.id', 'versions.package_id')
      .select(['versions.blob_key', 'versions.checksum']).where('packages.name', '=', 'palette').where('versions.version', '=', '0.2.0').executeTakeFirstOrThrow();
    await upstream.registry.withServices(async ({ blobs }) => {
      const bytes = (await blobs.get(version.blob_key))!;
      bytes[100] = bytes[100]! ^ 0xff;
      await blobs.put(version.blob_key, bytes);
    });
    const blobsBefore = await mirror.listBlobs();
    const download = await fetch(`${mirror.url}/api/v1/packages/your-name/palette/0.2.0/download`);
    expect(download.status).toBe(502);
    expect(await download.json()).toEqual({ error: 'Upstream archive for your-name/palette@0.2.0 does not match the upstream index checksum' });
    const p = await project('"your-name/palette" = "=0.2.0"\n');
    const result = await install(p);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Upstream archive for your-name/palette@0.2.0 does not match the upstream index checksum');
    expect((await archivesStored()).map((r) => r.version)).toEqual(['0.1.0', '0.1.0']);
    expect(await mirror.listBlobs()).toEqual(blobsBefore);
  });

  it('a local org may not take an upstream org name (API and operator command); a free name is checked upstream and allowed', async () => {
    // alice is no org upstream: her sign-up on the mirror goes through.
    const alice = await mirror.createUser('alice');
    const refused = await fetch(`${mirror.url}/api/v1/orgs`, { method: 'POST', headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'your-name' }) });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({ error: `The name "your-name" is an organization on the upstream registry ${upstream.registry.url}; this mirror does not let a local organization shadow it` });
    const command = await runBin(REGISTRY_BIN, ['org', 'add', 'your-name', '--owner', 'alice'], { cwd: upstream.dir.path, env: mirror.env });
    expect(command.code).toBe(1);
    expect(command.stderr).toBe(`error: The name "your-name" is an organization on the upstream registry ${upstream.registry.url}; this mirror does not let a local organization shadow it\n`);
    const user = await runBin(REGISTRY_BIN, ['user', 'add', 'your-name'], { cwd: upstream.dir.path, env: mirror.env });
    expect(user.code).toBe(1);
    expect(user.stderr).toContain('is an organization on the upstream registry');
    expect(await mirror.db.selectFrom('orgs').select('name').where('name', '=', 'your-name').execute()).toEqual([]);
  });

  /** A new upstream user `org` publishes examples/palette as org/palette; returns their upstream token. */
  async function publishUpstreamAs(org: string): Promise<string> {
    const home = join(upstream.dir.path, `${org}-home`);
    await mkdir(home);
    const token = await upstream.registry.createUser(org);
    const copy = await copyExample('palette', join(upstream.dir.path, `${org}-palette`));
    await writeFile(join(copy, 'flock.toml'), (await readFile(join(copy, 'flock.toml'), 'utf8')).replace('org = "your-name"', `org = "${org}"`));
    const published = await publishProject(copy, { HOME: home, FLOCK_REGISTRY: upstream.registry.url, FLOCK_TOKEN: token });
    expect(published.code, published.stderr).toBe(0);
    return token;
  }

  it('a local org is answered locally, never from the upstream', async () => {
    // Upstream, alice publishes palette; on the mirror alice is a local org without it.
    await publishUpstreamAs('alice');
    expect((await fetch(`${upstream.registry.url}/index/alice/palette`)).status).toBe(200);
    expect((await fetch(`${mirror.url}/index/alice/palette`)).status).toBe(404);
    expect((await fetch(`${mirror.url}/api/v1/packages/alice/palette/0.1.0/download`)).status).toBe(404);
  });

  it('mirror token stores an org token sealed and never prints it; --remove removes it; bad input is one line', async () => {
    const secret = 'flk_upstream_secret_for_test_0123456789';
    const set = await runBin(REGISTRY_BIN, ['mirror', 'token', 'your-name', secret], { cwd: upstream.dir.path, env: mirror.env });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('set the upstream token for your-name\n');
    const row = await mirror.db.selectFrom('mirror_tokens').select('sealed').where('org', '=', 'your-name').executeTakeFirstOrThrow();
    expect(row.sealed).not.toContain(secret);
    const removed = await runBin(REGISTRY_BIN, ['mirror', 'token', 'your-name', '--remove'], { cwd: upstream.dir.path, env: mirror.env });
    expect(removed.stdout).toBe('removed the upstream token for your-name\n');
    expect(await mirror.db.selectFrom('mirror_tokens').selectAll().execute()).toEqual([]);
    const neither = await runBin(REGISTRY_BIN, ['mirror', 'token', 'your-name'], { cwd: upstream.dir.path, env: mirror.env });
    expect([neither.code, neither.stderr]).toEqual([1, 'error: Give either a token or --remove\n']);
  });

  it("an upstream org's private packages: only with its token set, and then only to the mirror's accounts", async () => {
    const carol = await publishUpstreamAs('carol');
    const made = await fetch(`${upstream.registry.url}/api/v1/packages/carol/palette/visibility`, {
      method: 'POST', headers: { authorization: `Bearer ${carol}`, 'content-type': 'application/json' }, body: JSON.stringify({ visibility: 'private' }),
    });
    expect(made.status).toBe(200);
    const dave = await mirror.createUser('dave');
    const asDave = { headers: { authorization: `Bearer ${dave}` } };
    // Without the org's token the upstream shows the mirror nothing.
    expect((await fetch(`${mirror.url}/index/carol/palette`, asDave)).status).toBe(404);
    const set = await runBin(REGISTRY_BIN, ['mirror', 'token', 'carol', carol], { cwd: upstream.dir.path, env: mirror.env });
    expect(set.code, set.stderr).toBe(0);
    expect((await fetch(`${mirror.url}/index/carol/palette`)).status).toBe(404);
    const index = await fetch(`${mirror.url}/index/carol/palette`, asDave);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('private, no-cache');
    expect((await fetch(`${mirror.url}/api/v1/packages/carol/palette/0.1.0/download`)).status).toBe(404);
    const p = await project('"carol/palette" = "^0.1.0"\n');
    const result = await runFlock(['install'], { cwd: p.root, env: { ...p.env, FLOCK_TOKEN: dave } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.lines).toEqual(['Installed 1 package (1 downloaded)', '  carol/palette@0.1.0']);
    // The private archive was checked against the upstream log's hidden record (with the salt the token may read).
    const stored = await mirror.db.selectFrom('mirror_archives').select('log_index').where('org', '=', 'carol').executeTakeFirstOrThrow();
    expect(stored.log_index).not.toBeNull();
    await runBin(REGISTRY_BIN, ['mirror', 'token', 'carol', '--remove'], { cwd: upstream.dir.path, env: mirror.env });
  });

  it('an index answer checked within FLOCK_UPSTREAM_MAX_AGE is served without asking the upstream', async () => {
    const fresh = await createTestRegistry({ FLOCK_UPSTREAM: upstream.registry.url, FLOCK_UPSTREAM_MAX_AGE: '3600' });
    try {
      const asked = async () => (await upstreamIndexAnswers(200)) + (await upstreamIndexAnswers(304));
      const before = await asked();
      const bodies = [];
      for (let i = 0; i < 5; i++) {
        const answer = await fetch(`${fresh.url}/index/your-name/banner`);
        expect(answer.status).toBe(200);
        bodies.push(await answer.text());
      }
      expect(new Set(bodies).size).toBe(1);
      expect(await asked()).toBe(before + 1);
      // A version not in the cached lines is looked up upstream at once, fresh or not.
      expect((await fetch(`${fresh.url}/api/v1/packages/your-name/banner/9.9.9/download`)).status).toBe(404);
      expect(await asked()).toBe(before + 2);
    } finally {
      await fresh.close();
    }
  });

  it('an upstream serving an index and archive that agree, but that its own transparency log contradicts, is refused', async () => {
    // A compromised upstream: banner's archive changed, and its index line changed to match.
    const original = Buffer.from(await (await fetch(`${upstream.registry.url}/api/v1/packages/your-name/banner/0.1.0/download`)).arrayBuffer());
    const forged = Buffer.from(original);
    forged[100] = forged[100]! ^ 0xff;
    const realChecksum = `sha256:${sha256Hex(original)}`;
    const forgedChecksum = `sha256:${sha256Hex(forged)}`;
    const proxy = await startLogProxy((path) => {
      if (path === '/api/v1/packages/your-name/banner/0.1.0/download') return { target: upstream.registry.url, body: forged };
      if (path === '/index/your-name/banner') return { target: upstream.registry.url, rewrite: (body) => Buffer.from(body.toString('utf8').replace(realChecksum, forgedChecksum)) };
      return { target: upstream.registry.url };
    });
    const second = await createTestRegistry({ FLOCK_UPSTREAM: proxy.url });
    try {
      const download = await fetch(`${second.url}/api/v1/packages/your-name/banner/0.1.0/download`);
      expect(download.status).toBe(502);
      expect(await download.json()).toEqual({
        error: `Upstream archive for your-name/banner@0.1.0 does not match the upstream transparency log: the log has archive ${realChecksum}, the upstream index ${forgedChecksum}`,
      });
      expect(await second.db.selectFrom('mirror_archives').selectAll().execute()).toEqual([]);
      expect(await second.listBlobs()).toEqual([]);
      // The same mirror serves the untouched palette, checked against the same log.
      expect((await fetch(`${second.url}/api/v1/packages/your-name/palette/0.1.0/download`)).status).toBe(200);
    } finally {
      await second.close();
      await proxy.close();
    }
  });

  it('an upstream whose log has no record of a version (as an old registry says of versions from before its log) is refused', async () => {
    const proxy = await startLogProxy((path) => path === '/api/v1/log/lookup/your-name/palette/0.1.0'
      ? { target: upstream.registry.url, status: 404, body: '{"error":"your-name/palette@0.1.0 was published before the transparency log began"}' }
      : { target: upstream.registry.url });
    const second = await createTestRegistry({ FLOCK_UPSTREAM: proxy.url });
    try {
      const download = await fetch(`${second.url}/api/v1/packages/your-name/palette/0.1.0/download`);
      expect(download.status).toBe(502);
      expect(await download.json()).toEqual({ error: 'Upstream archive for your-name/palette@0.1.0 does not match the upstream transparency log: its log lookup answered HTTP 404' });
      expect(await second.db.selectFrom('mirror_archives').selectAll().execute()).toEqual([]);
    } finally {
      await second.close();
      await proxy.close();
    }
  });

  it('with the upstream stopped, a fresh project with the same dependencies still installs from the mirror', async () => {
    await upstream.registry.close();
    upstreamStopped = true;
    const p = await project('"your-name/banner" = "^0.1.0"\n');
    const result = await install(p);
    expect(result.code, result.stderr).toBe(0);
    expect(result.lines).toEqual(['Installed 2 packages (2 downloaded)', '  your-name/banner@0.1.0', '  your-name/palette@0.1.0']);
    // A package never cached cannot come from a stopped upstream: 503, saying so.
    const missing = await fetch(`${mirror.url}/index/your-name/ghost`);
    expect(missing.status).toBe(503);
    expect(((await missing.json()) as { error: string }).error).toMatch(/^The upstream registry is unreachable \(.+\) and your-name\/ghost is not cached here$/);
  });
});
