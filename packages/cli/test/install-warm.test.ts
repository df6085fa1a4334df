import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { copyExample, runFlock, tempDir } from '../../../test-support/cli.js';
import { publishProject } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { forwardTo, startFakeServer, type FakeServer } from './fake-server.js';

// With an unchanged flock.lock and everything unpacked, `flock install` is done without the registry;
// anything changed (flock.toml, flock.lock, a folder in .flock/deps) takes the full install again.
describe('flock install with nothing changed', () => {
  let registry: TestRegistry;
  // In front of the registry: it sees every request flock makes.
  let proxy: FakeServer;
  let dir: { path: string; cleanup(): Promise<void> };
  let app: string;
  const home = () => join(dir.path, 'home');
  const flock = async (args: string[]) => runFlock(args, { cwd: app, env: { HOME: home(), FLOCK_REGISTRY: proxy.url } });
  const palette = () => join(app, '.flock/deps/your-name/palette@0.1.0');
  const MANIFEST = '[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\n"your-name/banner" = "^0.1.0"\n';

  /** What an unpack or a rewrite would change: each file's inode and mtime. */
  async function fingerprint(): Promise<string[]> {
    const files = [join(palette(), 'src/palette.ks'), join(palette(), '.flock-checksum'), join(app, 'flock.lock')];
    return Promise.all(files.map(async (f) => {
      const s = await stat(f);
      return `${f} ${s.ino} ${s.mtimeMs}`;
    }));
  }

  beforeAll(async () => {
    registry = await createTestRegistry();
    proxy = await startFakeServer(forwardTo(registry.url));
    dir = await tempDir();
    await mkdir(home());
    const env = { HOME: home(), FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: await registry.createUser('your-name') };
    for (const example of ['palette', 'banner'] as const) {
      const result = await publishProject(await copyExample(example, dir.path), env);
      expect(result.code, result.stderr + result.stdout).toBe(0);
    }
    app = join(dir.path, 'app');
    await mkdir(app);
  });

  // Every test starts from a fresh, complete install.
  beforeEach(async () => {
    await rm(join(app, '.flock'), { recursive: true, force: true });
    await rm(join(app, 'flock.lock'), { force: true });
    await writeFile(join(app, 'flock.toml'), MANIFEST);
    const first = await flock(['install']);
    expect(first.code, first.stderr).toBe(0);
    proxy.requests.length = 0;
  });

  afterAll(async () => {
    await proxy?.close();
    await registry?.close();
    await dir?.cleanup();
  });

  it('asks the registry nothing and rewrites nothing, with and without --locked', async () => {
    const before = await fingerprint();
    const result = await flock(['install']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.lines).toEqual(['Up to date: 2 packages from flock.lock', '  your-name/banner@0.1.0', '  your-name/palette@0.1.0']);
    expect((await flock(['install', '--locked'])).code).toBe(0);
    expect(proxy.requests).toEqual([]);
    expect(await fingerprint()).toEqual(before);
  });

  it('still works with the registry and the archive cache gone: no archive is read or hashed', async () => {
    await proxy.close();
    const cache = join(home(), '.kestrel/cache');
    await rm(cache, { recursive: true });
    try {
      const result = await flock(['install']);
      expect(result.code).toBe(0);
      expect(result.lines[0]).toBe('Up to date: 2 packages from flock.lock');
      await expect(stat(cache)).rejects.toThrow();
    } finally {
      proxy = await startFakeServer(forwardTo(registry.url));
    }
  });

  it('resolves again when a range in flock.toml changed, without unpacking what is in place', async () => {
    const [unpacked] = await fingerprint();
    await writeFile(join(app, 'flock.toml'), MANIFEST.replace('"^0.1.0"', '"0.1"'));
    const result = await flock(['install']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.lines[0]).toBe('Installed 2 packages (0 downloaded)');
    expect(proxy.requests).toContain('GET /index/your-name/banner');
    expect(await readFile(join(app, 'flock.lock'), 'utf8')).toContain('[root.dependencies]\n"your-name/banner" = "^0.1"\n');
    expect((await fingerprint())[0]).toBe(unpacked);
  });

  it('unpacks a deleted package folder again', async () => {
    await rm(palette(), { recursive: true });
    const result = await flock(['install']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.lines[0]).toBe('Installed 2 packages (0 downloaded)');
    expect(proxy.requests).toContain('GET /index/your-name/palette');
    expect(await readFile(join(palette(), 'src/palette.ks'), 'utf8')).toContain('pub fn parse_hex');
  });

  it('replaces a folder whose marker does not name the locked checksum', async () => {
    const source = join(palette(), 'src/palette.ks');
    const original = await readFile(source, 'utf8');
    await writeFile(source, 'tampered');
    await writeFile(join(palette(), '.flock-checksum'), `sha256:${'0'.repeat(64)}\n`);
    const result = await flock(['install']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.lines[0]).toBe('Installed 2 packages (0 downloaded)');
    expect(await readFile(source, 'utf8')).toBe(original);
  });

  it('removes a folder that flock.lock does not name', async () => {
    const stray = join(app, '.flock/deps/your-name/old@1.0.0');
    await mkdir(stray, { recursive: true });
    const result = await flock(['install']);
    expect(result.code, result.stderr).toBe(0);
    expect(proxy.requests.length).toBeGreaterThan(0);
    await expect(stat(stray)).rejects.toThrow();
  });

  it('resolves again when flock.lock lost a package', async () => {
    const lockPath = join(app, 'flock.lock');
    const lock = await readFile(lockPath, 'utf8');
    const cut = lock.slice(0, lock.indexOf('[[package]]\nname = "your-name/palette"'));
    await writeFile(lockPath, cut);
    const result = await flock(['install']);
    expect(result.code, result.stderr).toBe(0);
    expect(proxy.requests).toContain('GET /index/your-name/palette');
    expect(await readFile(lockPath, 'utf8')).toBe(lock);
  });
});
