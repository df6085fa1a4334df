import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlock, tempDir } from '../../../test-support/cli.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

describe('flock login saves the token privately', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
  });

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('credentials 0600 in a ~/.kestrel made 0700, even when the cache made the folder 0755 before', async () => {
    const home = join(dir.path, 'home');
    const kestrel = join(home, '.kestrel');
    // As an earlier `flock install` (the archive cache) or the user may have left it.
    await mkdir(join(kestrel, 'cache'), { recursive: true, mode: 0o755 });
    await writeFile(join(kestrel, 'credentials'), 'flock_old\n', { mode: 0o644 });
    const token = await registry.createUser('your-name');
    const result = await runFlock(['login'], { cwd: dir.path, env: { HOME: home, FLOCK_REGISTRY: registry.url }, input: `${token}\n` });
    expect(result.stderr).toBe('');
    expect(result.lines).toEqual([`Logged in as your-name; token saved to ${join(kestrel, 'credentials')}`]);
    expect(result.code).toBe(0);
    expect(await readFile(join(kestrel, 'credentials'), 'utf8')).toBe(`${token}\n`);
    expect((await stat(join(kestrel, 'credentials'))).mode & 0o777).toBe(0o600);
    expect((await stat(kestrel)).mode & 0o777).toBe(0o700);
    // Written through a temporary file and a rename: none is left behind.
    expect((await readdir(kestrel)).sort()).toEqual(['cache', 'credentials']);
  });
});
