import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexLineDto } from '@flock/core';
import { runFlock, tempDir } from '../../../test-support/cli.js';
import { publishSpec } from '../../../test-support/project.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

const DAY = 86_400_000;

// The registry's clock is moved back while publishing, so versions are 10 days or 1 hour old in real time.
describe('the install cooldown (min-publish-age)', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let token: string;
  let offset = 0;
  let n = 0;
  const home = () => join(dir.path, 'home');
  const env = (extra: Record<string, string> = {}) => ({ HOME: home(), FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: token, ...extra });
  const flock = (args: string[], cwd: string) => runFlock(args, { cwd, env: env() });

  async function newProject(extra = '\n[dependencies]\n"your-name/banner" = "0.1"\n'): Promise<string> {
    const root = join(dir.path, `project-${++n}`);
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'flock.toml'), `[package]\nname = "app"\nversion = "0.1.0"\n${extra}`);
    return root;
  }

  async function published(pkg: string, version: string): Promise<string> {
    const text = await (await fetch(`${registry.url}/index/${pkg}`)).text();
    return text.trim().split('\n').map((l) => JSON.parse(l) as IndexLineDto).find((l) => l.version === version)!.published!;
  }

  /** The line flock prints for a held-back version, computed from the index's own publish time. */
  async function skippedLine(version: string, age: string, ms: number): Promise<string> {
    const at = await published('your-name/palette', version);
    return `Skipped your-name/palette ${version}: published ${at}, eligible from ${new Date(Date.parse(at) + ms).toISOString()} (min-publish-age ${age})`;
  }

  async function publishAt(ago: number, spec: Parameters<typeof publishSpec>[1]) {
    offset = -ago;
    try {
      await publishSpec(join(dir.path, 'src'), spec, env());
    } finally {
      offset = 0;
    }
  }

  beforeAll(async () => {
    registry = await createTestRegistry({}, { clock: () => new Date(Date.now() + offset) });
    dir = await tempDir();
    await mkdir(home());
    await mkdir(join(dir.path, 'src'));
    token = await registry.createUser('your-name');
    await publishAt(10 * DAY, { org: 'your-name', name: 'palette', version: '0.1.0' });
    await publishAt(10 * DAY, { org: 'your-name', name: 'banner', version: '0.1.0', dependencies: { 'your-name/palette': '^0.1.0' } });
    await publishAt(3_600_000, { org: 'your-name', name: 'palette', version: '0.1.1' });
  });

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('the sparse index says when each version was published, by the registry\'s clock', async () => {
    const old = Date.parse(await published('your-name/palette', '0.1.0'));
    const young = Date.parse(await published('your-name/palette', '0.1.1'));
    expect(Math.abs(Date.now() - 10 * DAY - old)).toBeLessThan(5 * 60_000);
    expect(Math.abs(Date.now() - 3_600_000 - young)).toBeLessThan(5 * 60_000);
  });

  it('flock.toml\'s [install] min-publish-age skips a version too young, says so on stderr, and installs the one before', async () => {
    const project = await newProject('\n[install]\nmin-publish-age = "3d"\n\n[dependencies]\n"your-name/banner" = "0.1"\n');
    const result = await flock(['install'], project);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`${await skippedLine('0.1.1', '3d', 3 * DAY)}\n`);
    expect(result.lines).toContain('  your-name/palette@0.1.0');
    // Without a cooldown the young version is taken.
    const plain = await flock(['install'], await newProject());
    expect(plain.stderr).toBe('');
    expect(plain.lines).toContain('  your-name/palette@0.1.1');
  });

  it('a locked version is exempt: a project that locked the young version keeps it under a cooldown', async () => {
    const project = await newProject();
    expect((await flock(['install'], project)).lines).toContain('  your-name/palette@0.1.1');
    // Without the unpacked folders the install resolves again, against the lock.
    await rm(join(project, '.flock'), { recursive: true, force: true });
    const result = await flock(['install', '--min-publish-age', '3d'], project);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.lines).toContain('  your-name/palette@0.1.1');
  });

  it('precedence: --min-publish-age over flock.toml over ~/.kestrel/config.toml, and --allow-young over all', async () => {
    await mkdir(join(home(), '.kestrel'), { recursive: true });
    await writeFile(join(home(), '.kestrel', 'config.toml'), 'min-publish-age = "1w"\n');
    try {
      const fromConfig = await flock(['install'], await newProject());
      expect(fromConfig.stderr).toBe(`${await skippedLine('0.1.1', '1w', 7 * DAY)}\n`);
      expect(fromConfig.lines).toContain('  your-name/palette@0.1.0');
      // flock.toml's 30m beats config.toml's week: the hour-old version is in.
      const fromManifest = await flock(['install'], await newProject('\n[install]\nmin-publish-age = "30m"\n\n[dependencies]\n"your-name/banner" = "0.1"\n'));
      expect(fromManifest.stderr).toBe('');
      expect(fromManifest.lines).toContain('  your-name/palette@0.1.1');
      // The flag's 2h beats flock.toml's 30m.
      const fromFlag = await flock(['install', '--min-publish-age', '2h'], await newProject('\n[install]\nmin-publish-age = "30m"\n\n[dependencies]\n"your-name/banner" = "0.1"\n'));
      expect(fromFlag.stderr).toBe(`${await skippedLine('0.1.1', '2h', 2 * 3_600_000)}\n`);
      expect(fromFlag.lines).toContain('  your-name/palette@0.1.0');
      const allowed = await flock(['install', '--allow-young'], await newProject());
      expect(allowed.stderr).toBe('');
      expect(allowed.lines).toContain('  your-name/palette@0.1.1');
      // flock add's default range starts from the newest version old enough.
      const project = await newProject('');
      const added = await flock(['add', 'your-name/palette'], project);
      expect(added.stderr).toBe(`${await skippedLine('0.1.1', '1w', 7 * DAY)}\n`);
      expect(added.lines[0]).toBe('Added your-name/palette = "^0.1.0" to flock.toml');
      expect(added.lines.slice(2)).toEqual(['  your-name/palette@0.1.0']);
    } finally {
      await rm(join(home(), '.kestrel', 'config.toml'), { force: true });
    }
  });

  it('a bad duration is one clear line and nothing is installed', async () => {
    const project = await newProject();
    const result = await flock(['install', '--min-publish-age', '3 days'], project);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('--min-publish-age: Invalid duration "3 days": expected a whole number and a unit (w, d, h or m), e.g. 3d, 12h, 90m or 1w, at most 3650d\n');
    const added = await flock(['add', 'your-name/palette', '--min-publish-age', '-1d'], project);
    expect(added.code).toBe(1);
    expect(added.stderr).toBe('--min-publish-age: Invalid duration "-1d": expected a whole number and a unit (w, d, h or m), e.g. 3d, 12h, 90m or 1w, at most 3650d\n');
    await expect(stat(join(project, 'flock.lock'))).rejects.toThrow();
    const config = join(home(), '.kestrel', 'config.toml');
    await mkdir(join(home(), '.kestrel'), { recursive: true });
    try {
      for (const [value, message] of <Array<[string, string]>>[['3', `min-publish-age in ${config} must be a duration (a string such as "3d")`], ['"3y"', `min-publish-age in ${config}: Invalid duration "3y"`]]) {
        await writeFile(config, `min-publish-age = ${value}\n`);
        const fromConfig = await flock(['install'], project);
        expect(fromConfig.code).toBe(1);
        expect(fromConfig.stderr.split('\n')).toHaveLength(2);
        expect(fromConfig.stderr.startsWith(message)).toBe(true);
      }
    } finally {
      await rm(config, { force: true });
    }
  });
});
