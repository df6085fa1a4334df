import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_LIMITS, packArchive, unpackArchive, type VersionDto } from '@flock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, publisherEnv, REGISTRY_BIN, runBin, runFlock, tempDir, type RunResult } from '../../../test-support/cli.js';
import { commitAndPush, git, initGitPackage } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// The registry rebuilding what it hosts: `flock-registry rebuild-worker` (the real binary) on the
// test registry's own database and store, over versions published by the real `flock`.
describe('flock-registry rebuild-worker', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let env: Record<string, string>;
  let token: string;
  let palette: string;
  let remote: string;
  let workerTmp: string;

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    env = await publisherEnv(registry, dir.path);
    token = env.FLOCK_TOKEN!;
    palette = await copyExample('palette', dir.path);
    remote = await initGitPackage(palette);
    workerTmp = join(dir.path, 'worker-tmp');
    await mkdir(workerTmp);
  });

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  // The worker's temp folders go to a folder of the test's, to check that none is left behind.
  // The test repositories are local paths: allowed only with FLOCK_REBUILD_LOCAL_REPOS (the last test goes without).
  const workerEnv = () => ({ ...registry.env, TMPDIR: workerTmp, FLOCK_REBUILD_LOCAL_REPOS: '1' });
  const worker = (...args: string[]): Promise<RunResult> => runBin(REGISTRY_BIN, ['rebuild-worker', ...args], { cwd: dir.path, env: workerEnv() });
  const versionOf = async (version: string, name = 'palette') =>
    (await (await fetch(`${registry.url}/api/v1/packages/your-name/${name}/${version}`)).json()) as VersionDto;
  const indexLines = async (name = 'palette') =>
    (await (await fetch(`${registry.url}/index/your-name/${name}`)).text()).trim().split('\n').map((l) => JSON.parse(l) as { version: string; rebuild?: string });

  async function setVersion(version: string): Promise<void> {
    const toml = await readFile(join(palette, 'flock.toml'), 'utf8');
    await writeFile(join(palette, 'flock.toml'), toml.replace(/^version = ".*"$/m, `version = "${version}"`));
  }

  it('marks a clean `flock publish` reproduced; the API, index, page and `flock show` say so, and the index cache learns it', async () => {
    const published = await runFlock(['publish'], { cwd: palette, env });
    expect(published.code, published.stderr).toBe(0);
    // Read (and so cached) before the worker runs: the worker's change must reach the server's caches.
    expect((await indexLines())[0]!.rebuild).toBeUndefined();
    expect((await versionOf('0.1.0')).rebuild).toBeNull();
    expect(await (await fetch(`${registry.url}/flock/your-name/palette`)).text()).not.toContain('id="rebuild"');

    const run = await worker('--once');
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines).toEqual(['your-name/palette@0.1.0: reproduced']);
    expect(run.stderr).toBe('');

    const dto = await versionOf('0.1.0');
    expect(dto.rebuild).toEqual({ status: 'reproduced', detail: null, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    await expect.poll(async () => (await indexLines())[0]!.rebuild, { timeout: 5000 }).toBe('reproduced');
    await expect.poll(async () => (await fetch(`${registry.url}/flock/your-name/palette`)).text(), { timeout: 5000 })
      .toContain('Rebuilt by the registry: <strong id="rebuild-status">reproduced</strong>');
    const show = await runFlock(['show', 'your-name/palette'], { cwd: dir.path, env });
    expect(show.lines).toContain('Rebuild: reproduced');
    expect(await readdir(workerTmp)).toEqual([]);
  });

  it('a second run finds nothing to do', async () => {
    const again = await worker('--once');
    expect(again.code).toBe(0);
    expect(again.lines).toEqual([]);
  });

  it('marks an archive uploaded with provenance naming a commit, but one file changed, differs, naming that file', async () => {
    await setVersion('0.2.0');
    await commitAndPush(palette, 'palette 0.2.0');
    const commit = (await git(palette, 'rev-parse', 'HEAD')).trim();
    // The honest archive of that commit, from `flock pack`, with one file changed.
    const packed = await runFlock(['pack', '--out', join(dir.path, 'honest.tar.gz')], { cwd: palette, env });
    expect(packed.code, packed.stderr).toBe(0);
    const tree = join(dir.path, 'tampered');
    const files = await unpackArchive(await readFile(join(dir.path, 'honest.tar.gz')), { dest: tree, limits: DEFAULT_LIMITS });
    await writeFile(join(tree, 'src', 'palette.ks'), `${await readFile(join(tree, 'src', 'palette.ks'), 'utf8')}\npub fn backdoor() {}\n`);
    const entries = await Promise.all(files.map(async (f) => ({ path: f.path, bytes: await readFile(join(tree, f.path)), executable: f.executable })));
    const put = await fetch(`${registry.url}/api/v1/packages/your-name/palette/0.2.0`, {
      method: 'PUT',
      body: await packArchive({ root: 'palette-0.2.0', entries }),
      headers: { authorization: `Bearer ${token}`, 'flock-source-repository': encodeURIComponent(remote), 'flock-source-commit': commit, 'flock-dirty': 'false' },
    });
    expect(put.status, await put.clone().text()).toBe(200);

    const run = await worker('--once');
    expect(run.lines).toEqual(['your-name/palette@0.2.0: differs (src/palette.ks)']);
    expect((await versionOf('0.2.0')).rebuild).toMatchObject({ status: 'differs', detail: { paths: ['src/palette.ks'] } });
    await expect.poll(async () => (await indexLines()).find((l) => l.version === '0.2.0')?.rebuild, { timeout: 5000 }).toBe('differs');
    const show = await runFlock(['show', 'your-name/palette@0.2.0'], { cwd: dir.path, env });
    expect(show.lines).toContain('Rebuild: differs: src/palette.ks');
  });

  it('marks an --allow-dirty publish not verifiable, and a repository that cannot be cloned failed, with one-line reasons', async () => {
    await setVersion('0.3.0');
    await commitAndPush(palette, 'palette 0.3.0');
    await writeFile(join(palette, 'README.md'), 'Changed, not committed.\n');
    const dirty = await runFlock(['publish', '--allow-dirty'], { cwd: palette, env });
    expect(dirty.code, dirty.stderr).toBe(0);
    await git(palette, 'checkout', '--', 'README.md');
    const gone = await fetch(`${registry.url}/api/v1/packages/your-name/palette/0.4.0`, {
      method: 'PUT',
      body: await packArchive({ root: 'palette-0.4.0', entries: [{ path: 'flock.toml', bytes: Buffer.from('[package]\nname = "palette"\nversion = "0.4.0"\norg = "your-name"\n') }] }),
      headers: { authorization: `Bearer ${token}`, 'flock-source-repository': encodeURIComponent(join(dir.path, 'no-such-repo.git')), 'flock-source-commit': 'b'.repeat(40), 'flock-dirty': 'false' },
    });
    expect(gone.status, await gone.clone().text()).toBe(200);

    const run = await worker('--once');
    expect(run.code).toBe(0);
    expect(run.lines[0]).toBe('your-name/palette@0.3.0: not-verifiable (published with uncommitted changes)');
    expect(run.lines[1]).toMatch(/^your-name\/palette@0\.4\.0: failed \(could not clone .*no-such-repo\.git: .+\)$/);
    expect((await versionOf('0.3.0')).rebuild).toMatchObject({ status: 'not-verifiable', detail: { reason: 'published with uncommitted changes' } });
    const failed = (await versionOf('0.4.0')).rebuild!;
    expect(failed.status).toBe('failed');
    expect(failed.detail!.reason).not.toContain('\n');
    const page = await (await fetch(`${registry.url}/flock/your-name/palette/0.3.0`)).text();
    expect(page).toContain('Rebuilt by the registry: <strong id="rebuild-status">not verifiable: published with uncommitted changes</strong>');
    expect(await readdir(workerTmp)).toEqual([]);
  });

  it('two workers at once rebuild each of several versions exactly once', async () => {
    const versions = ['0.5.0', '0.6.0', '0.7.0', '0.8.0'];
    for (const version of versions) {
      await setVersion(version);
      await commitAndPush(palette, `palette ${version}`);
      const published = await runFlock(['publish'], { cwd: palette, env });
      expect(published.code, published.stderr).toBe(0);
    }
    const [a, b] = await Promise.all([worker('--once'), worker('--once')]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const done = [...a.lines, ...b.lines].sort();
    expect(done).toEqual(versions.map((v) => `your-name/palette@${v}: reproduced`));
    const rows = await registry.db.selectFrom('versions').select(['version', 'rebuild_status']).where('version', 'in', versions).execute();
    expect(rows.map((r) => r.rebuild_status)).toEqual(versions.map(() => 'reproduced'));
  });

  it('on SIGTERM, gives back the version it holds, removes its temp folder and exits 0', async () => {
    // A build that takes long once a marker file exists (created after the publish): the worker is stopped while it runs.
    const slow = join(dir.path, 'slow');
    const marker = join(dir.path, 'slow-marker');
    await mkdir(join(slow, 'src'), { recursive: true });
    await writeFile(join(slow, 'flock.toml'), `[package]\nname = "slow"\nversion = "1.0.0"\norg = "your-name"\n\n[build]\ncommand = "if [ -e '${marker}' ]; then sleep 30; fi"\n`);
    await writeFile(join(slow, 'src', 'slow.ks'), 'pub fn slow() -> Int { 1 }\n');
    await initGitPackage(slow);
    const published = await runFlock(['publish'], { cwd: slow, env });
    expect(published.code, published.stderr).toBe(0);
    await writeFile(marker, '');
    const child = spawn(process.execPath, [REGISTRY_BIN, 'rebuild-worker'], { cwd: dir.path, env: { PATH: process.env.PATH ?? '', ...workerEnv() }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const row = () => registry.db.selectFrom('versions').select(['rebuild_status', 'rebuild_claimed_at'])
      .where('package_id', 'in', registry.db.selectFrom('packages').select('id').where('name', '=', 'slow')).executeTakeFirstOrThrow();
    await expect.poll(async () => (await row()).rebuild_status, { timeout: 15_000, interval: 20 }).toBe('running');
    // Into the build (clone done, `flock pack` started), which would run 30 s.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const stoppedAt = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    expect(await row()).toEqual({ rebuild_status: null, rebuild_claimed_at: null });
    expect(await readdir(workerTmp)).toEqual([]);
  });

  it('without FLOCK_REBUILD_LOCAL_REPOS, a repository recorded as a local path is not verifiable and never cloned', async () => {
    await setVersion('0.9.0');
    await commitAndPush(palette, 'palette 0.9.0');
    const published = await runFlock(['publish'], { cwd: palette, env });
    expect(published.code, published.stderr).toBe(0);
    // On the registry's machine such a path would be the registry's own files.
    const run = await runBin(REGISTRY_BIN, ['rebuild-worker', '--once'], { cwd: dir.path, env: { ...registry.env, TMPDIR: workerTmp } });
    expect(run.code, run.stderr).toBe(0);
    const reason = "(its repository is a path on the publisher's machine, not a network URL)";
    expect(run.lines.sort()).toEqual([`your-name/palette@0.9.0: not-verifiable ${reason}`, `your-name/slow@1.0.0: not-verifiable ${reason}`]);
    expect(await readdir(workerTmp)).toEqual([]);
  });
});
