import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_LIMITS, inspectArchive } from '@flock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, publisherEnv, runFlock, tempDir } from '../../../test-support/cli.js';
import { commitAndPush, initGitPackage } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

// `flock pack`: the archive `flock publish` would upload, written to a file, with no registry at all.
describe('flock pack', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let env: Record<string, string>;
  let palette: string;
  // No registry, no token: pack must not need either (an unreachable registry would fail any request).
  const offline = () => ({ HOME: env.HOME!, FLOCK_REGISTRY: 'http://127.0.0.1:9' });

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    env = await publisherEnv(registry, dir.path);
    palette = await copyExample('palette', dir.path);
    // A build whose output is packed (untracked, through include), so pack must run the build as publish does.
    const toml = await readFile(join(palette, 'flock.toml'), 'utf8');
    await writeFile(join(palette, 'flock.toml'), toml.replace('license = "MIT"', 'license = "MIT"\ninclude = ["gen/**"]') + '\n[build]\ncommand = "mkdir -p gen && echo built > gen/out.txt"\n');
    await writeFile(join(palette, '.gitignore'), 'gen/\n*.tar.gz\n');
    await initGitPackage(palette);
  });

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('writes NAME-VERSION.tar.gz, prints its path, size and sha256, and its bytes are what publish uploads', async () => {
    const packed = await runFlock(['pack'], { cwd: palette, env: offline() });
    expect(packed.code, packed.stderr).toBe(0);
    const file = join(palette, 'palette-0.1.0.tar.gz');
    const bytes = await readFile(file);
    expect(packed.lines).toEqual([`${file}: ${bytes.byteLength} bytes, sha256:${sha256(bytes)}`]);
    const inside = await inspectArchive(bytes, { limits: DEFAULT_LIMITS, keep: () => true });
    expect(inside.files.map((f) => f.path).sort()).toEqual(['.gitignore', 'README.md', 'flock.toml', 'gen/out.txt', 'src/palette.ks']);

    const dryRun = await runFlock(['publish', '--dry-run'], { cwd: palette, env });
    expect(dryRun.lines).toContain(`Archive: ${bytes.byteLength} bytes, sha256:${sha256(bytes)}`);
    const published = await runFlock(['publish'], { cwd: palette, env });
    expect(published.code, published.stderr).toBe(0);
    const download = new Uint8Array(await (await fetch(`${registry.url}/api/v1/packages/your-name/palette/0.1.0/download`)).arrayBuffer());
    expect(sha256(download)).toBe(sha256(bytes));
  });

  it('--out and --org: the archive goes where asked, packed under that org; uncommitted changes to tracked files are packed', async () => {
    await writeFile(join(palette, 'README.md'), '# palette, changed\n');
    const out = join(dir.path, 'out', '..', 'elsewhere.tar.gz');
    const packed = await runFlock(['pack', '--out', out, '--org', 'acme'], { cwd: palette, env: offline() });
    expect(packed.code, packed.stderr).toBe(0);
    const bytes = await readFile(join(dir.path, 'elsewhere.tar.gz'));
    const inside = await inspectArchive(bytes, { limits: DEFAULT_LIMITS, keep: () => true });
    expect(inside.contents.get('flock.toml')!.toString()).toContain('org = "acme"');
    expect(inside.contents.get('README.md')!.toString()).toBe('# palette, changed\n');
    await commitAndPush(palette);
  });

  it('runs under unshare -n (no network at all), as the rebuild worker runs it', async () => {
    const unshare = await runFlock(['--version'], { cwd: palette, env: offline(), wrapper: ['unshare', '-n'] }).catch(() => null);
    if (unshare?.code !== 0) {
      process.stderr.write('*** skipped: unshare -n is not available here ***\n');
      return;
    }
    const packed = await runFlock(['pack', '--out', join(dir.path, 'isolated.tar.gz')], { cwd: palette, env: offline(), wrapper: ['unshare', '-n'] });
    expect(packed.code, packed.stderr).toBe(0);
    expect(packed.lines[0]).toMatch(/isolated\.tar\.gz: \d+ bytes, sha256:[0-9a-f]{64}$/);
  });

  it('without a flock.toml, or with a bad --org: one line, exit 1, nothing written', async () => {
    const none = await runFlock(['pack'], { cwd: dir.path, env: offline() });
    expect([none.code, none.stderr]).toEqual([1, `No flock.toml in ${dir.path} or any parent folder (run \`flock init\` to create one)\n`]);
    const bad = await runFlock(['pack', '--org', 'Bad!', '--out', join(dir.path, 'bad.tar.gz')], { cwd: palette, env: offline() });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    await expect(readFile(join(dir.path, 'bad.tar.gz'))).rejects.toThrow();
  });
});
