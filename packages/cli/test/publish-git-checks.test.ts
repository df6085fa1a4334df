import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VersionDto } from '@flock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, publisherEnv, runFlock, tempDir } from '../../../test-support/cli.js';
import { git, initGitPackage, publishProject } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// The publish checks of seed 000 ("Publish process"), each against a real git repository with a bare remote.
describe('flock publish: the git checks before anything is uploaded', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let env: Record<string, string>;
  let n = 0;

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    env = await publisherEnv(registry, dir.path);
  });

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  /** A fresh copy of palette in its own folder. */
  async function palette(): Promise<string> {
    const parent = join(dir.path, `case-${++n}`);
    await mkdir(parent);
    return copyExample('palette', parent);
  }

  async function expectNothingPublished(): Promise<void> {
    const response = await fetch(`${registry.url}/api/v1/packages/your-name/palette`);
    expect(response.status).toBe(404);
  }

  it('refuses a package that is not in a git repository', async () => {
    const project = await palette();
    const result = await runFlock(['publish'], { cwd: project, env });
    expect(result.stderr).toBe(`${project} is not in a git repository; flock publish packs a pushed commit (use --allow-dirty to skip the git checks)\n`);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(1);
    await expectNothingPublished();
  });

  it('refuses modified and staged tracked files, naming them', async () => {
    const project = await palette();
    await initGitPackage(project);
    await appendFile(join(project, 'README.md'), '\nmore\n');
    await appendFile(join(project, 'src', 'palette.ks'), '\n// staged\n');
    await git(project, 'add', 'src/palette.ks');
    const result = await runFlock(['publish'], { cwd: project, env });
    expect(result.stderr).toBe('Tracked files have uncommitted changes: README.md, src/palette.ks (commit and push them, or use --allow-dirty)\n');
    expect(result.code).toBe(1);
    await expectNothingPublished();
  });

  it('lists at most ten changed files, then "and N more"', async () => {
    const project = await palette();
    const names = Array.from({ length: 13 }, (_, i) => `src/m${String(i).padStart(2, '0')}.ks`);
    for (const name of names) await writeFile(join(project, name), '// v1\n');
    await initGitPackage(project);
    for (const name of names) await writeFile(join(project, name), '// v2\n');
    const result = await runFlock(['publish'], { cwd: project, env });
    expect(result.stderr).toBe(`Tracked files have uncommitted changes: ${names.slice(0, 10).join(', ')} and 3 more (commit and push them, or use --allow-dirty)\n`);
    expect(result.code).toBe(1);
  });

  it('an untracked file does not make the repository dirty', async () => {
    const project = await palette();
    await initGitPackage(project, { remote: false });
    await writeFile(join(project, 'notes.txt'), 'scratch\n');
    const result = await runFlock(['publish'], { cwd: project, env });
    // It gets past the clean check and stops at the next one.
    expect(result.stderr).toMatch(/ has no remote; add one and push \(or use --allow-dirty\)\n$/);
  });

  it('refuses a repository without a remote', async () => {
    const project = await palette();
    await initGitPackage(project, { remote: false });
    const result = await runFlock(['publish'], { cwd: project, env });
    expect(result.stderr).toBe(`The git repository at ${project} has no remote; add one and push (or use --allow-dirty)\n`);
    expect(result.code).toBe(1);
    await expectNothingPublished();
  });

  it('refuses a commit that is on no remote branch', async () => {
    const project = await palette();
    await initGitPackage(project, { push: false });
    const head = (await git(project, 'rev-parse', 'HEAD')).trim();
    const result = await runFlock(['publish'], { cwd: project, env });
    expect(result.stderr).toBe(`Commit ${head.slice(0, 12)} is not on any remote branch; push it first (or use --allow-dirty)\n`);
    expect(result.code).toBe(1);

    // Pushed once, a newer local commit is again not on the remote.
    await git(project, 'push', '--quiet', '-u', 'origin', 'main');
    await appendFile(join(project, 'README.md'), '\nlocal only\n');
    await git(project, 'commit', '--quiet', '-am', 'local');
    const again = await runFlock(['publish'], { cwd: project, env });
    expect(again.stderr).toMatch(/^Commit [0-9a-f]{12} is not on any remote branch; push it first/);
    await expectNothingPublished();
  });

  it('--allow-dirty skips the checks and the version records dirty: true', async () => {
    const project = await palette();
    await initGitPackage(project);
    await appendFile(join(project, 'README.md'), '\nUncommitted line.\n');
    const result = await runFlock(['publish', '--allow-dirty'], { cwd: project, env });
    expect(result.stderr).toBe('');
    expect(result.lines[2]).toMatch(/^\{"ok":true,"checksum":"sha256:[0-9a-f]{64}"\}$/);
    expect(result.code).toBe(0);
    const meta = (await (await fetch(`${registry.url}/api/v1/packages/your-name/palette/0.1.0`)).json()) as VersionDto;
    expect(meta.provenance).toMatchObject({ dirty: true, commit: (await git(project, 'rev-parse', 'HEAD')).trim(), path: '' });
    const page = await (await fetch(`${registry.url}/flock/your-name/palette`)).text();
    expect(page).toContain('id="source-dirty"');
  });

  it('test-support: publishProject makes a plain folder a pushed repository, and commits later changes before publishing', async () => {
    const project = await palette();
    const manifest = await readFile(join(project, 'flock.toml'), 'utf8');
    await writeFile(join(project, 'flock.toml'), manifest.replace('name = "palette"', 'name = "helper"'));
    const [first, racer] = await Promise.all([publishProject(project, env), publishProject(project, env)]);
    expect([first!.code, racer!.code].sort()).toEqual([0, 1]);
    await writeFile(join(project, 'flock.toml'), manifest.replace('name = "palette"', 'name = "helper"').replace('0.1.0', '0.2.0'));
    const second = await publishProject(project, env);
    expect(second.code).toBe(0);
    expect((await git(project, 'status', '--porcelain')).trim()).toBe('');
    const meta = (await (await fetch(`${registry.url}/api/v1/packages/your-name/helper/0.2.0`)).json()) as VersionDto;
    expect(meta.provenance?.commit).toBe((await git(project, 'rev-parse', 'HEAD')).trim());
  });

  it('--allow-dirty outside git publishes with no repository or commit, and dirty: true', async () => {
    const project = await palette();
    const manifest = await readFile(join(project, 'flock.toml'), 'utf8');
    await writeFile(join(project, 'flock.toml'), manifest.replace('name = "palette"', 'name = "loose"'));
    const result = await runFlock(['publish', '--allow-dirty'], { cwd: project, env });
    expect(result.code).toBe(0);
    const meta = (await (await fetch(`${registry.url}/api/v1/packages/your-name/loose/0.1.0`)).json()) as VersionDto;
    expect(meta.provenance).toEqual({ repository: null, commit: null, dirty: true, path: '', buildCommand: null });
  });

  it('--allow-dirty in a repository without a remote records no commit either (nobody could fetch it)', async () => {
    const project = await palette();
    const manifest = await readFile(join(project, 'flock.toml'), 'utf8');
    await writeFile(join(project, 'flock.toml'), manifest.replace('name = "palette"', 'name = "unshared"'));
    await initGitPackage(project, { remote: false });
    const result = await runFlock(['publish', '--allow-dirty'], { cwd: project, env });
    expect([result.code, result.stderr]).toEqual([0, '']);
    const meta = (await (await fetch(`${registry.url}/api/v1/packages/your-name/unshared/0.1.0`)).json()) as VersionDto;
    expect(meta.provenance).toMatchObject({ repository: null, commit: null, dirty: true });
  });
});
