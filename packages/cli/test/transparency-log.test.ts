import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNoteSigner, parseCheckpoint, sha256Hex } from '@flock/core';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { runFlock } from '../../../test-support/cli.js';
import { startLogProxy, type ProxyRoute } from '../../../test-support/log-proxy.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { appendRecord } from '../../registry/src/services/transparency-log.js';

// Issue 15, clients: install, verify and `flock log verify` check the registry's transparency log
// through a proxy that can show another registry's log (a fork) or change what the log says.
describe('the client checks the transparency log (real registries, the real flock binary)', () => {
  const ORIGIN = 'flock.test/log';
  const SECRET = randomBytes(32).toString('hex');
  let a: TestRegistry;
  let b: TestRegistry;
  let tokenA: string;
  let tokenB: string;
  let dir: string;
  let home: string;
  let proxy: Awaited<ReturnType<typeof startLogProxy>>;
  // Per test: how the proxy routes a path (default: everything to A, unchanged).
  let route: (path: string) => ProxyRoute | undefined = () => undefined;

  const publish = async (registry: TestRegistry, token: string, name: string, version: string, extra = '') => {
    const response = await fetch(`${registry.url}/api/v1/packages/acme/${name}/${version}`, {
      method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: await manifestOnlyArchive('acme', name, version, extra),
    });
    expect(response.status, await response.clone().text()).toBe(200);
  };
  let projects = 0;
  const newProject = async (deps: string[]) => {
    const root = join(dir, `app${++projects}`);
    await mkdir(root);
    await writeFile(join(root, 'flock.toml'), `[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\n${deps.map((d) => `"acme/${d}" = "^1.0.0"`).join('\n')}\n`);
    return root;
  };
  const flock = (args: string[], cwd: string, env: Record<string, string> = {}) =>
    runFlock(args, { cwd, env: { HOME: home, FLOCK_REGISTRY: proxy.url, FLOCK_TOKEN: tokenA, ...env } });
  const logDir = () => join(home, '.kestrel', 'log', new URL(proxy.url).host);
  const stored = async () => parseCheckpoint((await readFile(join(logDir(), 'checkpoint'), 'utf8')).split('\n\n')[0] + '\n');
  const untouched = (root: string) => !existsSync(join(root, 'flock.lock')) && !existsSync(join(root, '.flock'));

  beforeAll(async () => {
    const env = { FLOCK_PUBLISHES_PER_HOUR: '1000', FLOCK_LOG_ORIGIN: ORIGIN, FLOCK_SECRET_KEY: SECRET };
    [a, b] = await Promise.all([createTestRegistry(env), createTestRegistry(env)]);
    [tokenA, tokenB] = await Promise.all([a.createUser('acme'), b.createUser('acme')]);
    for (let i = 0; i < 50; i++) await publish(a, tokenA, `pkg${i % 10}`, `1.0.${i}`);
    // B: the same log key and name, other publishes: a log that forked from A's.
    for (let i = 0; i < 70; i++) await publish(b, tokenB, `pkg${i % 10}`, `1.0.${i}`);
    dir = await mkdtemp(join(tmpdir(), 'flock-tlog-client-'));
    home = join(dir, 'home');
    await mkdir(home);
    proxy = await startLogProxy((path) => route(path) ?? { target: a.url });
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await Promise.all([a?.close(), b?.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('an install checks every locked version in the log, pins the key and stores the checkpoint; `flock log verify` audits 50 records', async () => {
    const app = await newProject(['pkg0', 'pkg1', 'pkg2', 'pkg3', 'pkg4']);
    const result = await flock(['install'], app);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.lines[0]).toBe('Installed 5 packages (5 downloaded)');
    // One lookup per locked version, each tile read once.
    const lookups = proxy.paths.filter((p) => p.startsWith('/api/v1/log/lookup/acme/'));
    expect(lookups.sort()).toEqual(['pkg0/1.0.40', 'pkg1/1.0.41', 'pkg2/1.0.42', 'pkg3/1.0.43', 'pkg4/1.0.44'].map((p) => `/api/v1/log/lookup/acme/${p}`));
    const tiles = proxy.paths.filter((p) => p.startsWith('/log/tile/'));
    expect(tiles.length).toBeGreaterThan(0);
    expect(new Set(tiles).size).toBe(tiles.length);
    expect((await readFile(join(logDir(), 'key'), 'utf8')).trim()).toBe((await (await fetch(`${a.url}/log/key`)).text()).trim());
    expect((await stored()).size).toBe(50);

    const audit = await flock(['log', 'verify', '--json'], app);
    expect(audit.stderr).toBe('');
    expect(audit.code).toBe(0);
    const summary = JSON.parse(audit.stdout);
    expect(summary).toMatchObject({ origin: ORIGIN, size: 50, previousSize: 50, events: { publish: 50, docs: 0, yank: 0 }, hidden: 0 });
    const text = await flock(['log', 'verify'], app);
    expect(text.lines[0]).toMatch(/^verified the transparency log flock\.test\/log: 50 records, root \S{44}$/);
  }, 60_000);

  it('a later install after more publishes proves consistency from the stored checkpoint and stores the new one', async () => {
    const before = await readFile(join(logDir(), 'checkpoint'), 'utf8');
    for (let i = 50; i < 55; i++) await publish(a, tokenA, `pkg${i % 10}`, `1.0.${i}`);
    const app = await newProject(['pkg5']);
    const asked = proxy.paths.length;
    const result = await flock(['install'], app);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((await stored()).size).toBe(55);
    expect(await readFile(join(logDir(), 'checkpoint'), 'utf8')).not.toBe(before);
    expect(proxy.paths.slice(asked).some((p) => p.startsWith('/log/tile/'))).toBe(true);
  }, 60_000);

  it('a checkpoint older than the stored one (a rollback) fails naming both, and nothing is written', async () => {
    const storedNow = await stored();
    const older = await (await fetch(`${a.url}/log/checkpoint`)).text();
    await publish(a, tokenA, 'pkg6', '1.0.99');
    // The proxy keeps showing the checkpoint of 55 records, while the stored one is... 55: publish once more first.
    const app0 = await newProject(['pkg6']);
    expect((await flock(['install'], app0)).code).toBe(0);
    expect((await stored()).size).toBe(storedNow.size + 1);
    route = (path) => (path === '/log/checkpoint' ? { target: a.url, body: older } : undefined);
    try {
      const app = await newProject(['pkg7']);
      const result = await flock(['install'], app);
      expect(result.code).toBe(1);
      const now = await stored();
      const shown = parseCheckpoint(older.split('\n\n')[0] + '\n');
      expect(result.stderr).toBe(`The registry's transparency log forked: it showed size ${now.size} root ${Buffer.from(now.hash).toString('base64')} before, and now size ${shown.size} root ${Buffer.from(shown.hash).toString('base64')}, which does not contain it\n`);
      expect(untouched(app)).toBe(true);
    } finally {
      route = () => undefined;
    }
  }, 60_000);

  it("a fork: the same key's log on another registry (larger, not containing ours) fails naming both checkpoints; a fresh client of B installs", async () => {
    const before = await readFile(join(logDir(), 'checkpoint'), 'utf8');
    route = (path) => (path.startsWith('/log/') ? { target: b.url } : undefined);
    try {
      const app = await newProject(['pkg8']);
      const result = await flock(['install'], app);
      expect(result.code).toBe(1);
      const ours = await stored();
      expect(result.stderr).toMatch(new RegExp(`^The registry's transparency log forked: it showed size ${ours.size} root ${escape(Buffer.from(ours.hash).toString('base64'))} before, and now size 70 root \\S{44}, which does not contain it\\n$`));
      expect(untouched(app)).toBe(true);
      expect(await readFile(join(logDir(), 'checkpoint'), 'utf8')).toBe(before);
    } finally {
      route = () => undefined;
    }
    const freshHome = join(dir, 'home-b');
    await mkdir(freshHome);
    const app = await newProject(['pkg8']);
    const result = await runFlock(['install'], { cwd: app, env: { HOME: freshHome, FLOCK_REGISTRY: b.url, FLOCK_TOKEN: tokenB } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);

  it('a lookup whose record names other bytes, or an index and archive the log never saw, fail naming the package', async () => {
    route = (path) => (path === '/api/v1/log/lookup/acme/pkg7/1.0.47'
      ? { target: a.url, rewrite: (body) => Buffer.from(body.toString().replace(/archive sha256:[0-9a-f]{64}/, `archive sha256:${'0'.repeat(64)}`)) }
      : undefined);
    try {
      const app = await newProject(['pkg7']);
      const result = await flock(['install'], app);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^acme\/pkg7@1\.0\.47 does not match the registry's transparency log: the log has archive sha256:0{64}, flock\.lock sha256:[0-9a-f]{64}; nothing was installed\n$/);
      expect(untouched(app)).toBe(true);
    } finally {
      route = () => undefined;
    }
    // Other bytes, served consistently by the index and the download: only the log can tell.
    const evil = await manifestOnlyArchive('acme', 'pkg9', '1.0.49', 'description = "not what was published"');
    const evilSum = `sha256:${sha256Hex(evil)}`;
    route = (path) => {
      if (path === '/index/acme/pkg9') return { target: a.url, rewrite: (body) => Buffer.from(body.toString().replace(/("version":"1\.0\.49".*?"checksum":")sha256:[0-9a-f]{64}/, `$1${evilSum}`)) };
      if (path === '/api/v1/packages/acme/pkg9/1.0.49/download') return { target: a.url, body: evil };
      return undefined;
    };
    try {
      const app = await newProject(['pkg9']);
      const result = await flock(['install'], app, { HOME: join(dir, 'home-evil') });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`acme/pkg9@1.0.49 does not match the registry's transparency log: the log has archive sha256:`);
      expect(result.stderr).toContain(`flock.lock ${evilSum}`);
      expect(untouched(app)).toBe(true);
    } finally {
      route = () => undefined;
    }
  }, 60_000);

  it('a registry that says a version has no log record is refused (it logs every version, older ones included)', async () => {
    const row = await a.db.selectFrom('versions').select(['id', 'log_index']).where('version', '=', '1.0.48').executeTakeFirstOrThrow();
    await a.db.updateTable('versions').set({ log_index: null }).where('id', '=', row.id).execute();
    try {
      const app = await newProject(['pkg8']);
      const result = await flock(['install'], app);
      expect(result.stderr).toBe('acme/pkg8@1.0.48 does not match the registry\'s transparency log: its log lookup answered 404 {"error":"acme/pkg8@1.0.48 has no record in the transparency log"}; nothing was installed\n');
      expect(result.code).toBe(1);
      expect(untouched(app)).toBe(true);
    } finally {
      await a.db.updateTable('versions').set({ log_index: row.log_index }).where('id', '=', row.id).execute();
    }
  }, 60_000);

  it('a log answer far larger than any tile or bundle is stopped early, in one line', async () => {
    route = (path) => (path.startsWith('/log/tile/') ? { target: a.url, body: Buffer.alloc(20 * 1024 * 1024, 1) } : undefined);
    try {
      const app = await newProject(['pkg1']);
      const result = await flock(['install'], app, { HOME: join(dir, 'home-huge') });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`The answer from ${proxy.url} is larger than ${17 * 1024 * 1024} bytes\n`);
      expect(untouched(app)).toBe(true);
    } finally {
      route = () => undefined;
    }
  }, 60_000);

  it('a changed log key is refused in one line naming both key ids', async () => {
    const otherHome = join(dir, 'home-key');
    const host = new URL(proxy.url).host;
    await mkdir(join(otherHome, '.kestrel', 'log', host), { recursive: true });
    const other = createNoteSigner(ORIGIN, randomBytes(32)).verifierKey;
    await writeFile(join(otherHome, '.kestrel', 'log', host, 'key'), `${other}\n`);
    const app = await newProject(['pkg1']);
    const result = await flock(['install'], app, { HOME: otherHome });
    expect(result.code).toBe(1);
    const served = (await (await fetch(`${a.url}/log/key`)).text()).trim();
    const id = (k: string) => k.split('+').slice(0, 2).join('+');
    expect(result.stderr).toBe(`The registry's transparency log key changed: flock trusts ${id(other)}, the registry now shows ${id(served)} (if the change is expected, remove ${join(otherHome, '.kestrel', 'log', host, 'key')})\n`);
    expect(untouched(app)).toBe(true);
    // A registry that stops serving the log whose key was pinned is refused too.
    route = (path) => (path.startsWith('/log/') ? { target: `${a.url}/nothing-here` } : undefined);
    try {
      const gone = await flock(['install'], await newProject(['pkg1']));
      expect(gone.code).toBe(1);
      expect(gone.stderr).toBe(`The registry at ${proxy.url} no longer serves its transparency log, whose key flock trusts (${join(logDir(), 'key')})\n`);
    } finally {
      route = () => undefined;
    }
  }, 60_000);

  it("a member installs a private package: its hidden line is checked (another salt fails); flock verify checks inclusion", async () => {
    await publish(a, tokenA, 'secret', '1.0.0', 'visibility = "private"');
    const app = await newProject(['secret']);
    route = (path) => (path === '/api/v1/log/lookup/acme/secret/1.0.0'
      ? { target: a.url, rewrite: (body) => Buffer.from(body.toString().replace(/"salt":"[0-9a-f]{64}"/, `"salt":"${'1'.repeat(64)}"`)) }
      : undefined);
    try {
      const result = await flock(['install'], app);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^acme\/secret@1\.0\.0 does not match the registry's transparency log: record \d+ is not in the signed tree/);
      expect(untouched(app)).toBe(true);
    } finally {
      route = () => undefined;
    }
    const result = await flock(['install'], app);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const audit = JSON.parse((await flock(['log', 'verify', '--json'], app)).stdout);
    expect(audit.hidden).toBe(1);

    const verify = await flock(['verify', 'acme/pkg0@1.0.40'], app);
    expect(verify.stderr).toContain("acme/pkg0@1.0.40 is in the registry's transparency log");
    route = (path) => (path === '/api/v1/log/lookup/acme/pkg0/1.0.40' ? { target: a.url, rewrite: (body) => Buffer.from(body.toString().replace('version 1.0.40', 'version 1.0.30')) } : undefined);
    try {
      const bad = await flock(['verify', 'acme/pkg0@1.0.40'], app);
      expect(bad.code).toBe(1);
      // Said as a finding (stdout), like a rebuild mismatch; this version has no commit to rebuild from.
      expect(bad.lines).toEqual(["acme/pkg0@1.0.40 does not match the registry's transparency log: record 40 is not the publish of acme/pkg0@1.0.40"]);
      expect(bad.stderr).toBe('acme/pkg0@1.0.40 was published without a repository and commit, so it cannot be rebuilt\n');
    } finally {
      route = () => undefined;
    }
  }, 60_000);

  it('`flock log verify` fails in one line when an entry bundle differs from the signed tree', async () => {
    route = (path) => (path.startsWith('/log/tile/entries/')
      ? { target: a.url, rewrite: (body) => Buffer.from(body.toString('latin1').replace('package acme/pkg1\n', 'package acme/pkgx\n'), 'latin1') }
      : undefined);
    try {
      const app = await newProject([]);
      const result = await flock(['log', 'verify'], app);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^The transparency log's records give root \S{44} for size \d+, but its signed checkpoint says \S{44}\n$/);
    } finally {
      route = () => undefined;
    }
  }, 60_000);

  it('full tiles are cached once verified (partial ones never) and read from the cache by the next run; log verify reads 300 more records', async () => {
    // 300 yank records of one version, appended as the registry does: the log passes a full level-0 tile.
    const pkg = await a.db.selectFrom('packages').select('id').where('name', '=', 'pkg0').executeTakeFirstOrThrow();
    const checksum = ((await (await fetch(`${a.url}/api/v1/packages/acme/pkg0/1.0.40`)).json()) as { checksum: string }).checksum;
    await a.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 300; i++) {
        await appendRecord(trx, { event: 'yank', packageId: pkg.id, package: 'acme/pkg0', version: '1.0.40', archive: checksum, time: new Date().toISOString(), private: false });
      }
    });
    const cacheDir = join(home, '.kestrel', 'cache', 'log', new URL(proxy.url).host);
    const result = await flock(['install'], await newProject(['pkg0']));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const cached = await readdir(cacheDir);
    expect(cached).toContain('0_000');
    for (const name of cached) {
      expect(name).not.toContain('.p');
      expect((await stat(join(cacheDir, name))).size).toBe(8192);
    }
    const asked = proxy.paths.length;
    const again = await flock(['install'], await newProject(['pkg1']));
    expect(again.code).toBe(0);
    const tiles = proxy.paths.slice(asked).filter((p) => p.startsWith('/log/tile/'));
    expect(tiles.length).toBeGreaterThan(0);
    expect(tiles).not.toContain('/log/tile/0/000');
    const audit = JSON.parse((await flock(['log', 'verify', '--json'], await newProject([]))).stdout);
    expect(audit.events.yank).toBe(300);
    expect(audit.size).toBeGreaterThan(356);
  }, 60_000);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
