import { cp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlock } from '../../../test-support/cli.js';
import { createExamplesRegistry, type ExamplesRegistry } from '../../../test-support/examples-registry.js';
import type { TestRegistry } from '../../../test-support/registry.js';
import { answerWith, startFakeServer, type FakeServer } from './fake-server.js';

// add several, tree, why, outdated, update and install --offline/--frozen on palette and banner
// (banner depends on palette ^0.1.0). The tests run in order: each starts where the last one left off.
describe('flock add (several), tree, why, outdated, update, install --offline / --frozen', () => {
  let world: ExamplesRegistry;
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let token: string;
  let app: string;
  /** A project with banner alone in flock.toml (made by the outdated test, updated by the update test). */
  let bannerOnly: string;
  const home = () => world.home;
  const env = (extra: Record<string, string> = {}) => world.env(extra);
  const flock = (args: string[], cwd = app, extra: Record<string, string> = {}) => runFlock(args, { cwd, env: env(extra) });
  const newProject = (deps = '') => world.newProject(deps);
  const publishPaletteVersion = (version: string) => world.publishPaletteVersion(version);

  async function cachedArchive(pkg: string, version: string): Promise<string> {
    const lines = await world.index(pkg);
    const hex = lines.find((l) => l.version === version)!.checksum.slice('sha256:'.length);
    return join(home(), '.kestrel/cache/sha256', hex.slice(0, 2), `${hex}.tar.gz`);
  }

  beforeAll(async () => {
    world = await createExamplesRegistry();
    ({ registry, dir, token } = world);
    app = await newProject();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('flock add takes several packages: one install, one flock.toml write', async () => {
    const result = await flock(['add', 'your-name/banner', 'your-name/palette@0.1']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.lines).toEqual([
      'Added your-name/banner = "^0.1.0" to flock.toml',
      'Added your-name/palette = "^0.1" to flock.toml',
      'Installed 2 packages (2 downloaded)',
      '  your-name/banner@0.1.0',
      '  your-name/palette@0.1.0',
    ]);
    expect(await readFile(join(app, 'flock.toml'), 'utf8')).toContain('[dependencies]\n"your-name/banner" = "^0.1.0"\n"your-name/palette" = "^0.1"\n');
  });

  it('flock add with one bad package changes nothing', async () => {
    const project = await newProject();
    const before = await readFile(join(project, 'flock.toml'), 'utf8');
    const cases: Array<[string[], string]> = [
      [['your-name/banner', 'your-name/ghost'], `Package your-name/ghost not found at ${registry.url}\n`],
      [['your-name/banner', 'your-name/banner@0.1'], 'your-name/banner is named twice\n'],
      [['your-name/banner', 'your-name/palette@not-a-range'], 'Invalid version range "not-a-range"\n'],
      [['your-name/banner', 'your-name/palette@9'], 'Cannot resolve dependencies:\nYour flock.toml asks for your-name/palette ^9 (no version of your-name/palette matches ^9; available: 0.1.0).\n'],
    ];
    for (const [args, stderr] of cases) {
      const result = await flock(['add', ...args], project);
      expect(result.stderr).toBe(stderr);
      expect(result.code).toBe(1);
      expect(await readFile(join(project, 'flock.toml'), 'utf8')).toBe(before);
      await expect(stat(join(project, 'flock.lock'))).rejects.toThrow();
    }
  });

  it('flock tree draws flock.lock as a tree, and --json gives the same as nested nodes', async () => {
    const result = await flock(['tree']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.lines).toEqual([
      'app 0.1.0',
      '├── your-name/banner 0.1.0',
      '│   └── your-name/palette 0.1.0',
      '└── your-name/palette 0.1.0',
    ]);
    const json = JSON.parse((await flock(['tree', '--json'])).stdout);
    expect(json).toEqual({
      package: 'app',
      version: '0.1.0',
      dependencies: [
        {
          package: 'your-name/banner', version: '0.1.0', range: '^0.1.0', repeated: false,
          dependencies: [{ package: 'your-name/palette', version: '0.1.0', range: '^0.1.0', repeated: false, dependencies: [] }],
        },
        { package: 'your-name/palette', version: '0.1.0', range: '^0.1', repeated: false, dependencies: [] },
      ],
    });
  });

  it('flock why shows every path from flock.toml to a package, and --json the same', async () => {
    const result = await flock(['why', 'your-name/palette']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.lines).toEqual([
      'your-name/palette 0.1.0',
      '├── your-name/banner 0.1.0 (^0.1.0)',
      '│   └── flock.toml (^0.1.0)',
      '└── flock.toml (^0.1)',
    ]);
    expect(JSON.parse((await flock(['why', 'your-name/banner', '--json'])).stdout)).toEqual([
      { package: 'your-name/banner', version: '0.1.0', dependents: [{ package: 'flock.toml', version: null, range: '^0.1.0', repeated: false, dependents: [] }] },
    ]);
  });

  it('tree and why ask no registry, and refuse what they cannot answer in one line', async () => {
    const offline = { FLOCK_REGISTRY: 'http://127.0.0.1:9' };
    expect((await flock(['tree'], app, offline)).code).toBe(0);
    for (const [args, stderr] of [
      [['why', 'your-name/nope'], 'your-name/nope is not in flock.lock\n'],
      [['why', 'your-name/palette@0.9.0'], 'your-name/palette@0.9.0 is not in flock.lock\n'],
      [['why', 'nope'], 'Invalid package "nope": expected org/name\n'],
    ] as Array<[string[], string]>) {
      const result = await flock(args, app, offline);
      expect(result.stderr).toBe(stderr);
      expect(result.code).toBe(1);
    }
    // A lock made for other ranges is still shown, with a note.
    const edited = await newProject('\n[dependencies]\n"your-name/banner" = "^0.1.0"\n');
    await cp(join(app, 'flock.lock'), join(edited, 'flock.lock'));
    const stale = await flock(['tree'], edited, offline);
    expect(stale.stderr).toBe('Note: flock.lock is out of date with flock.toml (run `flock install` to update it)\n');
    expect(stale.code).toBe(0);
    // Drawn from flock.toml's [dependencies] (banner alone), through the lock.
    expect(stale.lines).toEqual(['app 0.1.0', '└── your-name/banner 0.1.0', '    └── your-name/palette 0.1.0']);

    const bare = await newProject('\n[dependencies]\n"your-name/banner" = "0.1"\n');
    for (const command of ['tree', 'why']) {
      const result = await flock(command === 'why' ? ['why', 'your-name/banner'] : ['tree'], bare, offline);
      expect(result.stderr).toBe(`No flock.lock in ${bare}: run \`flock install\` first\n`);
      expect(result.code).toBe(1);
    }
  });

  it('flock outdated lists locked, newest compatible (not yanked) and newest versions; --json and --all', async () => {
    await publishPaletteVersion('0.1.1');
    await publishPaletteVersion('0.2.0');
    await publishPaletteVersion('0.3.0');
    expect((await flock(['yank', 'your-name/palette@0.3.0'])).code).toBe(0);
    const result = await flock(['outdated']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.lines).toEqual([
      'package            current  compatible  latest  range',
      'your-name/banner   0.1.0    0.1.0       0.1.0   ^0.1.0',
      'your-name/palette  0.1.0    0.1.1       0.2.0   ^0.1',
    ]);
    expect(JSON.parse((await flock(['outdated', '--json'])).stdout)).toEqual([
      { package: 'your-name/banner', current: '0.1.0', compatible: '0.1.0', latest: '0.1.0', range: '^0.1.0' },
      { package: 'your-name/palette', current: '0.1.0', compatible: '0.1.1', latest: '0.2.0', range: '^0.1' },
    ]);

    // Only banner is direct: --all adds palette, with the range banner asks for it with.
    bannerOnly = await newProject('\n[dependencies]\n"your-name/banner" = "^0.1.0"\n');
    const lock = (await readFile(join(app, 'flock.lock'), 'utf8')).replace(/\[root\.dependencies\]\n[^[]*/, '[root.dependencies]\n"your-name/banner" = "^0.1.0"\n\n');
    expect(lock).toContain('[root.dependencies]\n"your-name/banner" = "^0.1.0"\n\n[[package]]');
    await writeFile(join(bannerOnly, 'flock.lock'), lock);
    const direct = JSON.parse((await flock(['outdated', '--json'], bannerOnly)).stdout);
    expect(direct.map((r: { package: string }) => r.package)).toEqual(['your-name/banner']);
    const all = await flock(['outdated', '--all', '--json'], bannerOnly);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual([
      { package: 'your-name/banner', current: '0.1.0', compatible: '0.1.0', latest: '0.1.0', range: '^0.1.0' },
      { package: 'your-name/palette', current: '0.1.0', compatible: '0.1.1', latest: '0.2.0', range: '^0.1.0' },
    ]);

    // Without flock.lock: nothing is locked yet.
    const fresh = await newProject('\n[dependencies]\n"your-name/palette" = "0.2"\n');
    expect(JSON.parse((await flock(['outdated', '--json'], fresh)).stdout)).toEqual([
      { package: 'your-name/palette', current: null, compatible: '0.2.0', latest: '0.2.0', range: '^0.2' },
    ]);
  }, 90_000); // four publishes: slow on a busy machine

  it('flock update moves the named package to the newest version its ranges allow and says so', async () => {
    const unknown = await flock(['update', 'your-name/nope']);
    expect(unknown.stderr).toBe('your-name/nope is not in flock.lock\n');
    expect(unknown.code).toBe(1);

    const result = await flock(['update', 'your-name/palette']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.lines).toEqual(['Updated your-name/palette 0.1.0 -> 0.1.1']);
    const lock = await readFile(join(app, 'flock.lock'), 'utf8');
    expect(lock).toContain('name = "your-name/palette"\nversion = "0.1.1"');
    expect(lock).not.toContain('name = "your-name/palette"\nversion = "0.1.0"');
    expect(await readdir(join(app, '.flock/deps/your-name'))).toEqual(['banner@0.1.0', 'palette@0.1.1']);
    expect(await readFile(join(app, 'flock.lock'), 'utf8')).toContain('[root.dependencies]\n"your-name/banner" = "^0.1.0"\n"your-name/palette" = "^0.1"\n');

    const again = await flock(['update']);
    expect(again.code).toBe(0);
    expect(again.lines).toEqual(['Nothing to update']);
    expect((await flock(['install', '--locked'])).lines[0]).toBe('Up to date: 2 packages from flock.lock');
  });

  it('flock update without names updates every package, transitive ones too; a named one leaves the rest locked', async () => {
    // From the outdated test: banner alone in flock.toml, palette 0.1.0 locked for banner's ^0.1.0.
    const named = await flock(['update', 'your-name/banner'], bannerOnly);
    expect(named.stderr).toBe('');
    expect(named.lines).toEqual(['Nothing to update']);
    expect(await readFile(join(bannerOnly, 'flock.lock'), 'utf8')).toContain('name = "your-name/palette"\nversion = "0.1.0"');
    const all = await flock(['update'], bannerOnly);
    expect(all.stderr).toBe('');
    expect(all.code).toBe(0);
    expect(all.lines).toEqual(['Updated your-name/palette 0.1.0 -> 0.1.1']);
    expect(await readdir(join(bannerOnly, '.flock/deps/your-name'))).toEqual(['banner@0.1.0', 'palette@0.1.1']);
  });

  describe('install --offline and --frozen', () => {
    // FLOCK_REGISTRY points here: a server that counts requests and answers none usefully.
    let server: FakeServer;
    let project: string;
    const offlineFlock = (args: string[], extra: Record<string, string> = {}) => flock(args, project, { FLOCK_REGISTRY: server.url, ...extra });

    beforeAll(async () => {
      server = await startFakeServer(answerWith(500, '{"error":"offline test: no requests expected"}', 'application/json'));
    });
    afterAll(async () => server?.close());

    async function copyOfApp(): Promise<string> {
      const root = await newProject();
      await cp(join(app, 'flock.toml'), join(root, 'flock.toml'));
      await cp(join(app, 'flock.lock'), join(root, 'flock.lock'));
      return root;
    }

    it('installs from flock.lock and the archive cache without a single request', async () => {
      project = await copyOfApp();
      for (const flag of ['--offline', '--frozen']) {
        await rm(join(project, '.flock'), { recursive: true, force: true });
        const result = await offlineFlock(['install', flag]);
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(result.lines).toEqual(['Installed 2 packages (0 downloaded)', '  your-name/banner@0.1.0', '  your-name/palette@0.1.1']);
        expect(await readFile(join(project, '.flock/deps/your-name/palette@0.1.1/src/palette.ks'), 'utf8')).toContain('pub fn parse_hex');
        expect(await readFile(join(project, 'flock.lock'), 'utf8')).toBe(await readFile(join(app, 'flock.lock'), 'utf8'));
      }
      expect((await offlineFlock(['install', '--offline'])).lines[0]).toBe('Up to date: 2 packages from flock.lock');
      expect(server.requests).toEqual([]);
    });

    it('names every package missing from the cache, and unpacks nothing', async () => {
      project = await copyOfApp();
      const emptyHome = join(dir.path, 'empty-home');
      await mkdir(emptyHome, { recursive: true });
      const none = await offlineFlock(['install', '--offline'], { HOME: emptyHome });
      expect(none.stderr).toBe(`Cannot install offline: your-name/banner@0.1.0, your-name/palette@0.1.1 are not in the cache (${join(emptyHome, '.kestrel/cache')})\n`);
      expect(none.code).toBe(1);

      // One archive gone from the warm cache (a damaged file counts as gone too).
      const palette = await cachedArchive('your-name/palette', '0.1.1');
      const bytes = await readFile(palette);
      await writeFile(palette, 'damaged');
      try {
        const one = await offlineFlock(['install', '--frozen']);
        expect(one.stderr).toBe(`Cannot install offline: your-name/palette@0.1.1 is not in the cache (${join(home(), '.kestrel/cache')})\n`);
        expect(one.code).toBe(1);
      } finally {
        await writeFile(palette, bytes);
      }
      await expect(stat(join(project, '.flock'))).rejects.toThrow();
      expect(server.requests).toEqual([]);
    });

    it('refuses without a flock.lock, or with one that no longer answers flock.toml', async () => {
      project = await copyOfApp();
      const manifest = join(project, 'flock.toml');
      await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('"^0.1"', '"0.2"'));
      const lockBefore = await readFile(join(project, 'flock.lock'), 'utf8');
      for (const flag of ['--offline', '--frozen']) {
        const stale = await offlineFlock(['install', flag]);
        expect(stale.stderr).toBe('Cannot install offline: flock.lock is out of date with flock.toml (run `flock install` with the network to update it)\n');
        expect(stale.code).toBe(1);
      }
      expect(await readFile(join(project, 'flock.lock'), 'utf8')).toBe(lockBefore);
      await rm(join(project, 'flock.lock'));
      const missing = await offlineFlock(['install', '--offline']);
      expect(missing.stderr).toBe('Cannot install offline: there is no flock.lock (run `flock install` with the network first)\n');
      expect(missing.code).toBe(1);
      await expect(stat(join(project, '.flock'))).rejects.toThrow();
      expect(server.requests).toEqual([]);
    });
  });
});
