import { chmod, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, runFlock, tempDir, type RunResult } from '../../../test-support/cli.js';

// Everything a user can do to their own files ends in one line on stderr and exit 1, never a
// stack trace. Most cases use a folder or file in the way, which fails even when tests run as root.
describe('file-system errors are one line', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let n = 0;
  // Nothing here reaches a registry: port 9 on 127.0.0.1 would refuse if anything tried.
  const flock = (args: string[], cwd: string, home = join(dir.path, 'home')) =>
    runFlock(args, { cwd, env: { HOME: home, FLOCK_REGISTRY: 'http://127.0.0.1:9' } });

  async function newFolder(): Promise<string> {
    const folder = join(dir.path, `case-${++n}`);
    await mkdir(folder);
    return folder;
  }

  async function newProject(): Promise<string> {
    const root = await newFolder();
    await writeFile(join(root, 'flock.toml'), '[package]\nname = "app"\nversion = "0.1.0"\n');
    return root;
  }

  function expectOneLine(result: RunResult, line: string | RegExp): void {
    expect(result.stderr).not.toContain('    at ');
    expect(result.stderr.split('\n')).toHaveLength(2);
    if (typeof line === 'string') expect(result.stderr).toBe(`${line}\n`);
    else expect(result.stderr.trimEnd()).toMatch(line);
    expect(result.code).toBe(1);
  }

  beforeAll(async () => {
    dir = await tempDir();
    await mkdir(join(dir.path, 'home'));
  });
  afterAll(() => dir?.cleanup());

  it('a folder named flock.toml', async () => {
    const root = await newFolder();
    await mkdir(join(root, 'flock.toml'));
    expectOneLine(await flock(['install'], root), `Cannot read ${join(root, 'flock.toml')}: it is a folder`);
  });

  it('a folder named flock.lock', async () => {
    const root = await newProject();
    await mkdir(join(root, 'flock.lock'));
    expectOneLine(await flock(['install'], root), `Cannot read ${join(root, 'flock.lock')}: it is a folder`);
  });

  it('a folder named ~/.kestrel/config.toml', async () => {
    const home = await newFolder();
    await mkdir(join(home, '.kestrel', 'config.toml'), { recursive: true });
    // Without FLOCK_REGISTRY, so that config.toml is read.
    const result = await runFlock(['search', 'x'], { cwd: await newFolder(), env: { HOME: home } });
    expectOneLine(result, `Cannot read ${join(home, '.kestrel', 'config.toml')}: it is a folder`);
  });

  it('init with a file named src creates nothing', async () => {
    const root = await newFolder();
    await writeFile(join(root, 'src'), 'not a folder');
    expectOneLine(await flock(['init'], root), `Cannot create the folder ${join(root, 'src')}: it already exists and is not a folder`);
    expect(await readdir(root)).toEqual(['src']);
  });

  it('init that fails halfway removes what it made', async () => {
    const root = await newFolder();
    // A dangling symlink named README.md: it does not "exist", yet creating the file (never overwriting) fails.
    await symlink(join(root, 'nowhere'), join(root, 'README.md'));
    expectOneLine(await flock(['init'], root), `Cannot open ${join(root, 'README.md')}: it already exists`);
    expect(await readdir(root)).toEqual(['README.md']);
  });

  it('doc --out naming a file, a path through a file, or nothing', async () => {
    const palette = await copyExample('palette', await newFolder());
    const readme = await readFile(join(palette, 'README.md'), 'utf8');
    expectOneLine(await flock(['doc', '--out', 'README.md'], palette), `Cannot create the folder ${join(palette, 'README.md')}: it already exists and is not a folder`);
    expectOneLine(await flock(['doc', '--out', 'README.md/docs'], palette), `Cannot create the folder ${join(palette, 'README.md/docs')}: a folder on its path is a file`);
    await writeFile(join(palette, 'index.html'), 'my own page');
    expectOneLine(await flock(['doc', '--out', ''], palette), '--out needs a folder name (use --out . for this folder)');
    expect(await readFile(join(palette, 'index.html'), 'utf8')).toBe('my own page');
    expect(await readFile(join(palette, 'README.md'), 'utf8')).toBe(readme);
  });

  // Permissions do not stop root: as root, flock runs as `nobody` through setpriv (util-linux).
  const asRoot = process.getuid?.() === 0;
  const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
  it('a read-only folder', async (context) => {
    if (asRoot) {
      // nobody must reach node, the repo and the test's folder; a checkout it cannot read is skipped, with the reason.
      await chmod(dir.path, 0o755);
      const probe = await runFlock(['--help'], { cwd: dir.path, wrapper: NOBODY });
      if (probe.code !== 0) {
        console.warn(`skipping the read-only folder test: running as root, and flock cannot run as nobody here (${probe.stderr.trim().split('\n')[0]})`);
        context.skip();
      }
    }
    const run = (args: string[], cwd: string) =>
      runFlock(args, { cwd, env: { HOME: join(dir.path, 'home'), FLOCK_REGISTRY: 'http://127.0.0.1:9' }, ...(asRoot ? { wrapper: NOBODY } : {}) });
    const empty = await newFolder();
    const root = await newProject();
    await chmod(empty, 0o555);
    await chmod(root, 0o555);
    try {
      expectOneLine(await run(['init'], empty), `Cannot create the folder ${join(empty, 'src')}: permission denied`);
      expectOneLine(await run(['install'], root), `Cannot write ${join(root, 'flock.lock')}: permission denied`);
    } finally {
      await chmod(empty, 0o755);
      await chmod(root, 0o755);
    }
  });
});
