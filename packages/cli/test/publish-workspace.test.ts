import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VersionDto } from '@flock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publisherEnv, runFlock, tempDir } from '../../../test-support/cli.js';
import { commitAndPush, initGitPackage } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// Workspaces (Flox's `flox publish <name>`): one repository, several packages, published by name or --all in dependency order.
describe('flock publish in a workspace', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let env: Record<string, string>;
  let root: string;

  async function member(name: string, deps: Record<string, string>): Promise<void> {
    const path = join(root, 'packages', name);
    await mkdir(join(path, 'src'), { recursive: true });
    const depLines = Object.entries(deps).map(([k, v]) => `"${k}" = "${v}"`).join('\n');
    await writeFile(join(path, 'flock.toml'), `[package]\nname = "${name}"\nversion = "0.1.0"\norg = "your-name"\n\n[dependencies]\n${depLines}\n`);
    await writeFile(join(path, 'README.md'), `# ${name}\n`);
    await writeFile(join(path, 'src', `${name}.ks`), `/// The ${name} entry point.\npub fn ${name}() {}\n`);
  }

  const publishingLines = (lines: string[]): string[] => lines.filter((l) => l.startsWith('Publishing '));
  const status = async (name: string): Promise<number> => (await fetch(`${registry.url}/api/v1/packages/your-name/${name}`)).status;

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    env = await publisherEnv(registry, dir.path);
    root = join(dir.path, 'mono');
    await mkdir(root);
    await writeFile(join(root, 'flock.toml'), '[workspace]\nmembers = ["packages/*"]\n');
    // Alphabetical order (banner, colors, shades) is the reverse of dependency order.
    await member('colors', {});
    await member('shades', { 'your-name/colors': '^0.1' });
    await member('banner', { 'your-name/shades': '^0.1', 'your-name/colors': '^0.1' });
    await initGitPackage(root);
  });

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('plain `flock publish` at a workspace root asks for a member name or --all', async () => {
    const result = await runFlock(['publish'], { cwd: root, env });
    expect(result.stderr).toBe('flock.toml here is a workspace root: publish one member with `flock publish NAME`, or all with `flock publish --all`\n');
    expect(result.code).toBe(1);
  });

  it('--all checks every member before uploading the first: a range no member satisfies uploads nothing', async () => {
    await member('banner', { 'your-name/shades': '^2.0', 'your-name/colors': '^0.1' });
    await commitAndPush(root, 'bad range');
    const result = await runFlock(['publish', '--all'], { cwd: root, env });
    expect(result.stderr).toBe('your-name/banner depends on your-name/shades ^2.0, but the workspace has your-name/shades@0.1.0\n');
    expect(result.code).toBe(1);
    for (const name of ['colors', 'shades', 'banner']) expect(await status(name)).toBe(404);
    await member('banner', { 'your-name/shades': '^0.1', 'your-name/colors': '^0.1' });
    await commitAndPush(root, 'fix range');
  });

  it('--all checks dependencies outside the workspace before uploading the first member', async () => {
    await member('shades', { 'your-name/colors': '^0.1', 'your-name/elsewhere': '^1' });
    await commitAndPush(root, 'outside dependency');
    const result = await runFlock(['publish', '--all'], { cwd: root, env });
    expect(result.stderr).toBe('your-name/shades@0.1.0 depends on your-name/elsewhere ^1, which is neither a workspace member nor on the registry\n');
    expect(result.code).toBe(1);
    for (const name of ['colors', 'shades', 'banner']) expect(await status(name)).toBe(404);
    await member('shades', { 'your-name/colors': '^0.1' });
    await commitAndPush(root, 'no outside dependency');
  });

  it('--all refuses a dependency cycle between members', async () => {
    await member('colors', { 'your-name/banner': '^0.1' });
    await commitAndPush(root, 'cycle');
    const result = await runFlock(['publish', '--all'], { cwd: root, env });
    expect(result.stderr).toMatch(/^Workspace members depend on each other in a cycle: your-name\/\w+ → .+\n$/);
    expect(result.code).toBe(1);
    for (const name of ['colors', 'shades', 'banner']) expect(await status(name)).toBe(404);
    await member('colors', {});
    await commitAndPush(root, 'no cycle');
  });

  it('--all publishes every member of the workspace, in dependency order', async () => {
    const result = await runFlock(['publish', '--all'], { cwd: root, env });
    expect(result.stderr).toBe('');
    expect(publishingLines(result.lines)).toEqual([
      `Publishing your-name/colors@0.1.0 to ${registry.url}...`,
      `Publishing your-name/shades@0.1.0 to ${registry.url}...`,
      `Publishing your-name/banner@0.1.0 to ${registry.url}...`,
    ]);
    expect(result.lines.filter((l) => l.startsWith('{"ok":true'))).toHaveLength(6);
    expect(result.lines).toHaveLength(15);
    expect(result.code).toBe(0);
    const banner = (await (await fetch(`${registry.url}/api/v1/packages/your-name/banner/0.1.0`)).json()) as VersionDto;
    expect(banner.dependencies).toEqual([{ package: 'your-name/colors', range: '^0.1' }, { package: 'your-name/shades', range: '^0.1' }]);
    expect(banner.provenance).toMatchObject({ path: 'packages/banner', dirty: false });
  });

  it('`flock publish NAME` publishes that member alone, even from inside another member', async () => {
    await writeFile(join(root, 'packages', 'colors', 'flock.toml'), '[package]\nname = "colors"\nversion = "0.1.1"\norg = "your-name"\n');
    await commitAndPush(root, 'colors 0.1.1');
    const result = await runFlock(['publish', 'colors'], { cwd: join(root, 'packages', 'banner'), env });
    expect(result.stderr).toBe('');
    expect(result.lines).toHaveLength(5);
    expect(result.lines[0]).toMatch(/^wrote 1 modules, 1 items \(Json\) → .+\/flock-docs-colors-0\.1\.1$/);
    expect(result.lines[1]).toBe(`Publishing your-name/colors@0.1.1 to ${registry.url}...`);
    expect(result.code).toBe(0);
    const meta = (await (await fetch(`${registry.url}/api/v1/packages/your-name/colors/0.1.1`)).json()) as VersionDto;
    expect(meta.provenance).toMatchObject({ path: 'packages/colors', dirty: false });
  });

  it('an unknown member name is one line listing the members', async () => {
    const result = await runFlock(['publish', 'nope'], { cwd: root, env });
    expect(result.stderr).toBe('No workspace member is named nope (members: banner, colors, shades)\n');
    expect(result.code).toBe(1);
  });

  it('--all again skips every member already on the registry', async () => {
    const result = await runFlock(['publish', '--all'], { cwd: root, env });
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      'your-name/colors@0.1.1 is already on the registry; skipping',
      'your-name/shades@0.1.0 is already on the registry; skipping',
      'your-name/banner@0.1.0 is already on the registry; skipping',
      'Every workspace member is already published.',
      '',
    ]);
    expect(result.code).toBe(0);
  });

  it('a workspace member verifies from its folder in the repository', async () => {
    const result = await runFlock(['verify', 'your-name/banner@0.1.0'], { cwd: dir.path, env });
    expect(result.lines[0]).toMatch(/^verified your-name\/banner@0\.1\.0 sha256:[0-9a-f]{64}$/);
    expect(result.code).toBe(0);
  });
});
