import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOCK_BIN, runFlock } from '../../../test-support/cli.js';
import { publishSpec } from '../../../test-support/project.js';
import { createExamplesRegistry, type ExamplesRegistry } from '../../../test-support/examples-registry.js';
import type { TestRegistry } from '../../../test-support/registry.js';

// "Depend on It": publish palette and banner, then depend on banner from a new project.
describe('flock add / install / yank against a real registry', () => {
  let world: ExamplesRegistry;
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let token: string;
  let app: string;
  const home = () => world.home;
  const env = (extra: Record<string, string> = {}) => world.env(extra);
  const flock = (args: string[], cwd = app, extra: Record<string, string> = {}) => runFlock(args, { cwd, env: env(extra) });
  const newProject = (deps = '') => world.newProject(deps);
  const index = (pkg: string) => world.index(pkg);
  const publishPaletteVersion = (version: string) => world.publishPaletteVersion(version);

  beforeAll(async () => {
    world = await createExamplesRegistry();
    ({ registry, dir, token } = world);
    app = await newProject();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('flock add your-name/banner writes the dependency, installs both packages and pins both checksums', async () => {
    const result = await flock(['add', 'your-name/banner']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.lines).toEqual([
      'Added your-name/banner = "^0.1.0" to flock.toml',
      'Installed 2 packages (2 downloaded)',
      '  your-name/banner@0.1.0',
      '  your-name/palette@0.1.0',
    ]);
    expect(await readFile(join(app, 'flock.toml'), 'utf8')).toContain('[dependencies]\n"your-name/banner" = "^0.1.0"\n');
    const lock = await readFile(join(app, 'flock.lock'), 'utf8');
    for (const pkg of ['your-name/banner', 'your-name/palette']) {
      const [line] = await index(pkg);
      expect(lock).toContain(`name = "${pkg}"\nversion = "0.1.0"\nchecksum = "${line!.checksum}"`);
    }
    expect(lock.indexOf('your-name/banner"\nversion')).toBeLessThan(lock.indexOf('your-name/palette"\nversion'));
    expect(await readFile(join(app, '.flock/deps/your-name/palette@0.1.0/src/palette.ks'), 'utf8')).toContain('pub fn parse_hex');
    expect(await readFile(join(app, '.flock/deps/your-name/banner@0.1.0/flock.toml'), 'utf8')).toContain('"your-name/palette" = "^0.1.0"');
  });

  it('a second install with the same lockfile and a warm cache downloads nothing (install-warm.test.ts: nor asks the registry)', async () => {
    const lockBefore = await readFile(join(app, 'flock.lock'), 'utf8');
    const [palette] = await index('your-name/palette');
    const hex = palette!.checksum.slice('sha256:'.length);
    const cached = join(home(), '.kestrel/cache/sha256', hex.slice(0, 2), `${hex}.tar.gz`);
    const mtime = (await stat(cached)).mtimeMs;
    const result = await flock(['install']);
    expect(result.code).toBe(0);
    expect(result.lines[0]).toBe('Up to date: 2 packages from flock.lock');
    expect(await readFile(join(app, 'flock.lock'), 'utf8')).toBe(lockBefore);
    expect((await stat(cached)).mtimeMs).toBe(mtime);
  });

  it('install --locked passes on an unchanged project and fails when a range was edited', async () => {
    expect((await flock(['install', '--locked'])).code).toBe(0);
    const manifest = join(app, 'flock.toml');
    const original = await readFile(manifest, 'utf8');
    const lockBefore = await readFile(join(app, 'flock.lock'), 'utf8');
    await writeFile(manifest, original.replace('"^0.1.0"', '"0.1"'));
    const result = await flock(['install', '--locked']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('flock.lock is out of date with flock.toml: run `flock install` without --locked to update it\n');
    expect(await readFile(join(app, 'flock.lock'), 'utf8')).toBe(lockBefore);
    await writeFile(manifest, original);
  });

  it('a tampered archive fails with the checksum error naming the package, and nothing is unpacked', async () => {
    const [palette] = await index('your-name/palette');
    const hex = palette!.checksum.slice('sha256:'.length);
    // Through the registry's own store (a folder or S3): the bytes under the content key change.
    const blob = `sha256/${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex}`;
    const original = (await registry.withServices((s) => s.blobs.get(blob)))!;
    const tampered = Buffer.from(original);
    tampered[tampered.length - 1] = tampered.at(-1)! ^ 0xff;
    await registry.withServices((s) => s.blobs.put(blob, tampered));
    try {
      const fresh = await newProject();
      const result = await flock(['add', 'your-name/banner'], fresh, { HOME: join(dir.path, 'other-home') });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^Checksum mismatch for your-name\/palette@0\.1\.0: expected sha256:[0-9a-f]{64}, downloaded sha256:[0-9a-f]{64}; nothing was installed\n$/);
      await expect(stat(join(fresh, '.flock'))).rejects.toThrow();
      await expect(stat(join(fresh, 'flock.lock'))).rejects.toThrow();
    } finally {
      await registry.withServices((s) => s.blobs.put(blob, original));
    }
  });

  it('flock add palette 0.2 next to banner (which needs palette ^0.1) installs both: 0.1.x and 0.2.x are separate groups', async () => {
    await publishPaletteVersion('0.2.0');
    const project = await newProject();
    expect((await flock(['add', 'your-name/banner'], project)).code).toBe(0);
    const added = await flock(['add', 'your-name/palette'], project);
    expect(added.stderr).toBe('');
    expect(added.lines).toEqual([
      'Added your-name/palette = "^0.2.0" to flock.toml',
      'Installed 3 packages (1 downloaded)',
      '  your-name/banner@0.1.0',
      '  your-name/palette@0.1.0',
      '  your-name/palette@0.2.0',
    ]);
    const lock = await readFile(join(project, 'flock.lock'), 'utf8');
    expect(lock).toContain('name = "your-name/palette"\nversion = "0.1.0"');
    expect(lock).toContain('name = "your-name/palette"\nversion = "0.2.0"');
    for (const folder of ['palette@0.1.0', 'palette@0.2.0', 'banner@0.1.0']) {
      expect((await stat(join(project, '.flock/deps/your-name', folder, 'flock.toml'))).isFile()).toBe(true);
    }
    // The lock answers the manifest as it is: nothing to do, nothing asked of the registry.
    const again = await flock(['install', '--locked'], project);
    expect(again.lines[0]).toBe('Up to date: 3 packages from flock.lock');
  });

  it('a yanked version stays installable from a lockfile, is marked in show, on the page and in the index, and is never newly chosen', async () => {
    await publishPaletteVersion('0.1.1');
    const yank = await flock(['yank', 'your-name/palette@0.1.0']);
    expect(yank.lines).toEqual(['Yanked your-name/palette@0.1.0']);
    expect((await index('your-name/palette')).map((l) => [l.version, l.yanked])).toEqual([['0.1.0', true], ['0.1.1', false], ['0.2.0', false]]);

    // The existing lockfile keeps 0.1.0.
    const locked = await flock(['install', '--locked']);
    expect(locked.code).toBe(0);
    expect(locked.lines).toContain('  your-name/palette@0.1.0');

    // A new project gets 0.1.1.
    const fresh = await newProject();
    const added = await flock(['add', 'your-name/banner'], fresh);
    expect(added.code).toBe(0);
    expect(added.lines).toContain('  your-name/palette@0.1.1');

    const show = await flock(['show', 'your-name/palette@0.1.0']);
    expect(show.lines[0]).toBe('your-name/palette 0.1.0 (yanked)');
    expect(show.lines).toContain('versions: 0.2.0, 0.1.1, 0.1.0 (yanked)');
    const page = await (await fetch(`${registry.url}/flock/your-name/palette/0.1.0`)).text();
    expect(page).toContain('<span class="badge yanked">yanked</span>');

    // Asking for exactly the yanked version finds nothing to choose.
    const exact = await newProject('\n[dependencies]\n"your-name/palette" = "=0.1.0"\n');
    const refused = await flock(['install'], exact);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe([
      'Cannot resolve dependencies:',
      'Because your-name/palette 0.1.0 is yanked and your flock.toml asks for your-name/palette =0.1.0, no choice of versions satisfies your flock.toml.',
      '',
    ].join('\n'));

    const undo = await flock(['yank', 'your-name/palette@0.1.0', '--undo']);
    expect(undo.lines).toEqual(['Unyanked your-name/palette@0.1.0']);
    expect((await flock(['install'], exact)).code).toBe(0);
    // A publish and nine runs of flock: well within 30 s alone, but not on a loaded machine.
  }, 90_000);

  it('yank needs a token with the yank scope', async () => {
    const publishOnly = await registry.withServices(async (s) => {
      const user = await s.accounts.requireUser('your-name');
      return (await s.tokens.create({ userId: user.id, name: 'ci', scopes: ['publish'] })).token;
    });
    const result = await flock(['yank', 'your-name/palette@0.1.1'], app, { FLOCK_TOKEN: publishOnly });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('Cannot yank your-name/palette@0.1.1: This token does not have the yank scope\n');
    expect((await index('your-name/palette')).find((l) => l.version === '0.1.1')?.yanked).toBe(false);
  });

  it('flock search and flock show print one line per hit and the package details, and both take --json', async () => {
    const search = await flock(['search', 'palette']);
    expect(search.code).toBe(0);
    expect(search.lines[0]).toBe('your-name/palette 0.2.0 — Colour palettes, hex parsing and mixing for terminal and web output');
    const json = JSON.parse((await flock(['search', 'colour', 'banners', '--json'])).stdout);
    expect(json.hits.map((h: { name: string }) => h.name)).toEqual(['banner']);

    const show = await flock(['show', 'your-name/banner']);
    expect(show.lines).toEqual([
      'your-name/banner 0.1.0',
      'description: Coloured banners for command-line programs',
      'license: MIT',
      'repository: -',
      'dependencies: your-name/palette ^0.1.0',
      'versions: 0.1.0',
      expect.stringMatching(/^published: \d{4}-\d\d-\d\dT[\d:.]+Z by your-name$/),
      `page: ${registry.url}/flock/your-name/banner/0.1.0`,
    ]);
    const shown = JSON.parse((await flock(['show', 'your-name/banner@0.1.0', '--json'])).stdout);
    expect(shown.version.checksum).toBe((await index('your-name/banner'))[0]!.checksum);
    const missing = await flock(['show', 'your-name/nothing']);
    expect(missing.stderr).toBe('Cannot show your-name/nothing: Package your-name/nothing not found\n');
  });

  it('flock remove drops the entry, the lock entries and the unpacked folders', async () => {
    const result = await flock(['remove', 'your-name/banner']);
    expect(result.code).toBe(0);
    expect(result.lines).toEqual(['Removed your-name/banner from flock.toml', 'Installed 0 packages (0 downloaded)']);
    expect(await readFile(join(app, 'flock.toml'), 'utf8')).not.toContain('banner');
    expect(await readFile(join(app, 'flock.lock'), 'utf8')).not.toContain('name = "your-name/');
    await expect(stat(join(app, '.flock/deps/your-name/banner@0.1.0'))).rejects.toThrow();
  });

  it('a dependency that does not exist is refused at publish', async () => {
    await expect(publishSpec(dir.path, { org: 'your-name', name: 'orphan', version: '1.0.0', dependencies: { 'your-name/ghost': '1' } }, env()))
      .rejects.toThrow('{"error":"Dependency your-name/ghost does not exist"}');
  });

  it('a private package installs with a member\'s token and does not exist for anyone else', async () => {
    await publishSpec(dir.path, { org: 'your-name', name: 'inner', version: '1.0.0', visibility: 'private' }, env());
    const project = await newProject('\n[dependencies]\n"your-name/inner" = "1"\n');
    const member = await flock(['install'], project);
    expect(member.code).toBe(0);
    expect(member.lines).toEqual(['Installed 1 package (1 downloaded)', '  your-name/inner@1.0.0']);
    const stranger = await registry.createUser('stranger');
    for (const token of [stranger, '']) {
      const other = await newProject('\n[dependencies]\n"your-name/inner" = "1"\n');
      const result = await flock(['install'], other, { FLOCK_TOKEN: token, HOME: join(dir.path, 'stranger-home') });
      expect(result.stderr).toBe(`Package your-name/inner not found at ${registry.url}\n`);
      expect(result.code).toBe(1);
    }
  });

  // util-linux's `script` gives the CLI a real terminal (a pty) for stderr.
  const hasScript = existsSync('/usr/bin/script');
  if (!hasScript) console.warn('skipping the terminal progress test: /usr/bin/script (util-linux) is not installed');
  it.skipIf(!hasScript)('on a terminal, downloads show a progress line', async () => {
    const project = await newProject('\n[dependencies]\n"your-name/banner" = "0.1"\n');
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(FLOCK_BIN)} install`;
    const { stdout } = await promisify(execFile)('/usr/bin/script', ['-qec', command, '/dev/null'], {
      cwd: project,
      env: { PATH: process.env.PATH ?? '', ...env({ HOME: join(dir.path, 'tty-home') }) },
    });
    expect(stdout).toMatch(/\r\x1b\[KDownloading 1\/2 your-name\/(banner|palette)@0\.1\.\d/);
    expect(stdout).toMatch(/\r\x1b\[KDownloading 2\/2 /);
    expect(stdout).toContain('Installed 2 packages (2 downloaded)');
  });
});
