import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_LIMITS, inspectArchive, type VersionDto } from '@flock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, FLOCK_BIN, publisherEnv, runFlock, tempDir } from '../../../test-support/cli.js';
import { commitAndPush, initGitPackage } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// The clean rebuild: publish packs only what a fresh clone of the pushed commit holds (plus `include`d build outputs).
describe('flock publish: the clean clone, the build and what gets packed', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let env: Record<string, string>;
  let tmp: string;
  let n = 0;

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    tmp = join(dir.path, 'tmp');
    await mkdir(tmp);
    // Our own TMPDIR, so we can see that the temporary clone is gone afterwards.
    env = { ...(await publisherEnv(registry, dir.path)), TMPDIR: tmp };
  });

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  /** palette renamed to `name`, with extra flock.toml lines, in a pushed git repository. */
  async function project(name: string, extra = ''): Promise<string> {
    const parent = join(dir.path, `case-${++n}`);
    await mkdir(parent);
    const path = await copyExample('palette', parent);
    const manifest = (await readFile(join(path, 'flock.toml'), 'utf8')).replace('name = "palette"', `name = "${name}"`);
    await writeFile(join(path, 'flock.toml'), manifest + extra);
    await initGitPackage(path);
    return path;
  }

  async function archiveFiles(name: string): Promise<string[]> {
    const response = await fetch(`${registry.url}/api/v1/packages/your-name/${name}/0.1.0/download`);
    expect(response.status).toBe(200);
    const archive = await inspectArchive(new Uint8Array(await response.arrayBuffer()), { limits: DEFAULT_LIMITS });
    expect(archive.root).toBe(`${name}-0.1.0`);
    return archive.files.map((f) => f.path);
  }

  const clonesLeft = async (): Promise<string[]> => (await readdir(tmp)).filter((f) => f.startsWith('flock-publish-'));

  it('untracked and ignored files never reach the archive; the temporary clone is removed', async () => {
    const path = await project('clean', '');
    await writeFile(join(path, '.gitignore'), 'secret.env\n');
    await commitAndPush(path, 'ignore secrets');
    await writeFile(join(path, 'secret.env'), 'TOKEN=hunter2\n');
    await writeFile(join(path, 'src', 'scratch.ks'), '/// not committed\npub fn scratch() {}\n');
    const result = await runFlock(['publish'], { cwd: path, env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // The untracked module is not documented either: docs come from the clone too.
    expect(result.lines[0]).toMatch(/^wrote 1 modules, 7 items \(Json\) → /);
    expect(await archiveFiles('clean')).toEqual(['.gitignore', 'README.md', 'flock.toml', 'src/palette.ks']);
    expect(await clonesLeft()).toEqual([]);
  });

  it('runs [build] command in the clone, streams its output, and `include` picks up the build output', async () => {
    const path = await project('built', '\n[build]\ncommand = "mkdir -p dist && echo built-from-clone > dist/out.txt && echo building... token=$FLOCK_TOKEN"\n');
    // include belongs to [package]: put it there.
    const manifest = await readFile(join(path, 'flock.toml'), 'utf8');
    await writeFile(join(path, 'flock.toml'), manifest.replace('keywords =', 'include = ["dist/**"]\nexclude = ["README.md"]\nkeywords ='));
    await commitAndPush(path);
    const result = await runFlock(['publish'], { cwd: path, env });
    // Build output streams to stderr; the build never sees the publish token.
    expect(result.stderr).toBe('building... token=\n');
    expect(result.code).toBe(0);
    expect(await archiveFiles('built')).toEqual(['dist/out.txt', 'flock.toml', 'src/palette.ks']);
    // The build ran in the clone, not in the working folder.
    await expect(readdir(join(path, 'dist'))).rejects.toThrow();
    const meta = (await (await fetch(`${registry.url}/api/v1/packages/your-name/built/0.1.0`)).json()) as VersionDto;
    expect(meta.provenance?.buildCommand).toBe('mkdir -p dist && echo built-from-clone > dist/out.txt && echo building... token=$FLOCK_TOKEN');
    expect(await clonesLeft()).toEqual([]);
  });

  it('a failing build stops the publish with the build\'s exit code, uploads nothing and removes the clone', async () => {
    const path = await project('broken-build', '\n[build]\ncommand = "echo compiling; echo boom >&2; exit 7"\n');
    const result = await runFlock(['publish'], { cwd: path, env });
    expect(result.code).toBe(7);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('compiling\nboom\nBuild failed (`echo compiling; echo boom >&2; exit 7` exited with code 7)\n');
    expect((await fetch(`${registry.url}/api/v1/packages/your-name/broken-build`)).status).toBe(404);
    expect(await clonesLeft()).toEqual([]);
  });

  it('a tracked symbolic link is refused (it could pack a file from outside the repository); exclude lets it be', async () => {
    const path = await project('linked');
    await symlink('/etc/hostname', join(path, 'src', 'host.ks'));
    await commitAndPush(path, 'add a link');
    const result = await runFlock(['publish'], { cwd: path, env });
    expect(result.stderr).toBe('src/host.ks is a symbolic link; a package holds regular files only (list it in [package] exclude)\n');
    expect(result.code).toBe(1);
    expect((await fetch(`${registry.url}/api/v1/packages/your-name/linked`)).status).toBe(404);

    const manifest = await readFile(join(path, 'flock.toml'), 'utf8');
    await writeFile(join(path, 'flock.toml'), manifest.replace('keywords =', 'exclude = ["src/host.ks"]\nkeywords ='));
    await commitAndPush(path, 'exclude the link');
    const excluded = await runFlock(['publish'], { cwd: path, env });
    expect(excluded.code).toBe(0);
    expect(await archiveFiles('linked')).toEqual(['README.md', 'flock.toml', 'src/palette.ks']);
  });

  it('Ctrl-C during the build stops it, removes the temporary clone and exits 130', async () => {
    const marker = join(dir.path, 'build-started');
    const path = await project('interrupted', `\n[build]\ncommand = "pwd > '${marker}'; sleep 30"\n`);
    const child = spawn(process.execPath, [FLOCK_BIN, 'publish'], { cwd: path, env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait until the build runs inside the clone (it writes its folder to the marker).
    let cloneDir = '';
    for (let i = 0; i < 200 && cloneDir === ''; i++) {
      cloneDir = await readFile(marker, 'utf8').then((t) => t.trim(), () => '');
      if (cloneDir === '') await new Promise((r) => setTimeout(r, 50));
    }
    expect(cloneDir.startsWith(join(tmp, 'flock-publish-'))).toBe(true);
    expect(await clonesLeft()).toHaveLength(1);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(await clonesLeft()).toEqual([]);
    expect((await fetch(`${registry.url}/api/v1/packages/your-name/interrupted`)).status).toBe(404);
  });
});
