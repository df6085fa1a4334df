import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DEFAULT_LIMITS, packArchive, unpackArchive, type VersionDto } from '@flock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, publisherEnv, runFlock, tempDir, type RunResult } from '../../../test-support/cli.js';
import { git, initGitPackage } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

// Deterministic archives, provenance and `flock verify`: a version re-derived from its commit, byte for byte.
describe('reproducible publishing: dry runs, provenance and flock verify', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let env: Record<string, string>;
  let palette: string;
  let remote: string;
  let commit: string;
  const versionUrl = () => `${registry.url}/api/v1/packages/your-name/palette/0.1.0`;

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    env = await publisherEnv(registry, dir.path);
    palette = await copyExample('palette', dir.path);
    remote = await initGitPackage(palette);
    commit = (await git(palette, 'rev-parse', 'HEAD')).trim();
  });

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  const dryRunSha = (result: RunResult): string => {
    const line = result.lines.find((l) => l.startsWith('Archive: '));
    const match = /^Archive: (\d+) bytes, sha256:([0-9a-f]{64})$/.exec(line ?? '');
    expect(match, result.stdout + result.stderr).not.toBeNull();
    return match![2]!;
  };

  it('--dry-run prints the files with sizes, the archive size and sha256, and the docs line, and uploads nothing', async () => {
    const result = await runFlock(['publish', '--dry-run'], { cwd: palette, env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const readme = (await readFile(join(palette, 'README.md'))).byteLength;
    const source = (await readFile(join(palette, 'src', 'palette.ks'))).byteLength;
    const width = String(Math.max(readme, source)).length;
    expect(result.lines).toEqual([
      expect.stringMatching(/^wrote 1 modules, 7 items \(Json\) → .+\/flock-docs-palette-0\.1\.0$/),
      'Files in your-name/palette@0.1.0 (besides the normalised flock.toml):',
      `  ${String(readme).padStart(width)}  README.md`,
      `  ${String(source).padStart(width)}  src/palette.ks`,
      expect.stringMatching(/^Archive: \d+ bytes, sha256:[0-9a-f]{64}$/),
      `Dry run from ${commit}: nothing was uploaded.`,
    ]);
    expect((await fetch(versionUrl())).status).toBe(404);
    expect((await fetch(`${registry.url}/api/v1/packages/your-name/palette`)).status).toBe(404);
  });

  it('refuses a docs folder in the shared temp folder that others could write to, or that is a link', async () => {
    const docs = join(env.HOME!, '.tmp', 'flock-docs-palette-0.1.0');
    const elsewhere = join(dir.path, 'planted');
    await mkdir(elsewhere);
    await rm(docs, { recursive: true, force: true });
    await symlink(elsewhere, docs);
    const linked = await runFlock(['publish', '--dry-run'], { cwd: palette, env });
    expect(linked.code).toBe(1);
    expect(linked.stderr).toBe(`${docs} is not a folder of yours that only you can write to: remove it and try again\n`);
    expect(await readdir(elsewhere)).toEqual([]);
    await rm(docs);
    await mkdir(docs);
    await chmod(docs, 0o777);
    expect((await runFlock(['publish', '--dry-run'], { cwd: palette, env })).code).toBe(1);
    await rm(docs, { recursive: true });
    expect((await runFlock(['publish', '--dry-run'], { cwd: palette, env })).code).toBe(0);
    expect((await stat(docs)).mode & 0o777).toBe(0o700);
  });

  it('--dry-run needs no token', async () => {
    const { FLOCK_TOKEN: _token, ...noToken } = env;
    const result = await runFlock(['publish', '--dry-run'], { cwd: palette, env: noToken });
    expect(result.code).toBe(0);
  });

  it('the same commit packs to the same bytes twice, and from a second clone in another place', async () => {
    const first = dryRunSha(await runFlock(['publish', '--dry-run'], { cwd: palette, env }));
    const second = dryRunSha(await runFlock(['publish', '--dry-run'], { cwd: palette, env }));
    expect(second).toBe(first);
    const elsewhere = join(dir.path, 'elsewhere', 'deeper');
    await mkdir(elsewhere, { recursive: true });
    await git(elsewhere, 'clone', '--quiet', remote, 'palette-clone');
    const other = dryRunSha(await runFlock(['publish', '--dry-run'], { cwd: join(elsewhere, 'palette-clone'), env: { ...env, TZ: 'Asia/Tokyo' } }));
    expect(other).toBe(first);

    // And the real publish uploads exactly those bytes.
    const published = await runFlock(['publish'], { cwd: palette, env });
    expect(published.code).toBe(0);
    expect(published.lines[2]).toBe(`{"ok":true,"checksum":"sha256:${first}"}`);
    const download = new Uint8Array(await (await fetch(`${versionUrl()}/download`)).arrayBuffer());
    expect(sha256(download)).toBe(first);
  });

  it('the version records its provenance, and the page shows the commit and the verify command', async () => {
    const meta = (await (await fetch(versionUrl())).json()) as VersionDto;
    expect(meta.provenance).toEqual({ repository: remote, commit, dirty: false, path: '', buildCommand: null });
    const html = await (await fetch(`${registry.url}/flock/your-name/palette`)).text();
    expect(html).toContain(`<code id="source-commit">${commit}</code>`);
    expect(html).toContain('<code id="verify-command">flock verify your-name/palette@0.1.0</code>');
    expect(html).not.toContain('id="source-dirty"');
  });

  it('flock verify re-derives the version from its commit: verified, exit 0', async () => {
    const result = await runFlock(['verify', 'your-name/palette@0.1.0'], { cwd: dir.path, env: { HOME: env.HOME!, FLOCK_REGISTRY: registry.url } });
    expect(result.stderr).toBe(
      `your-name/palette@0.1.0 is in the registry's transparency log (checkpoint of 2 records)\nRebuilding your-name/palette@0.1.0 from ${remote} at ${commit}...\n`,
    );
    expect(result.lines).toEqual([`verified your-name/palette@0.1.0 sha256:${sha256(new Uint8Array(await (await fetch(`${versionUrl()}/download`)).arrayBuffer()))}`]);
    expect(result.code).toBe(0);
  });

  /** Swaps the stored archive of palette@0.1.0 for `bytes` (as a compromised store would). */
  async function replaceStoredArchive(bytes: Buffer): Promise<void> {
    const row = await registry.db.selectFrom('versions').select(['id', 'blob_key']).where('version', '=', '0.1.0')
      .where('package_id', 'in', registry.db.selectFrom('packages').select('id').where('name', '=', 'palette')).executeTakeFirstOrThrow();
    await registry.withServices((s) => s.blobs.put(row.blob_key, bytes));
    await registry.db.updateTable('versions').set({ checksum: `sha256:${sha256(bytes)}`, size: bytes.byteLength }).where('id', '=', row.id).execute();
  }

  it('flock verify names the file that differs when the stored archive was packed from a changed tree, exit 1', async () => {
    const original = Buffer.from(await (await fetch(`${versionUrl()}/download`)).arrayBuffer());
    const tree = join(dir.path, 'changed-tree');
    const files = await unpackArchive(original, { dest: tree, limits: DEFAULT_LIMITS });
    await writeFile(join(tree, 'src', 'palette.ks'), `${await readFile(join(tree, 'src', 'palette.ks'), 'utf8')}\npub fn backdoor() {}\n`);
    const entries = await Promise.all(files.map(async (f) => ({ path: f.path, bytes: await readFile(join(tree, f.path)), executable: f.executable })));
    await replaceStoredArchive(await packArchive({ root: 'palette-0.1.0', entries }));

    const result = await runFlock(['verify', 'your-name/palette@0.1.0'], { cwd: dir.path, env });
    expect(result.code).toBe(1);
    // The swapped bytes are not what the transparency log recorded; the rebuild still says what differs.
    expect(result.lines[0]).toMatch(/^your-name\/palette@0\.1\.0 does not match the registry's transparency log: the log has archive sha256:[0-9a-f]{64}, the downloaded archive sha256:[0-9a-f]{64}$/);
    expect(result.lines[1]).toMatch(/^MISMATCH your-name\/palette@0\.1\.0: the registry has sha256:[0-9a-f]{64}, the rebuild gives sha256:[0-9a-f]{64}$/);
    expect(result.lines.slice(2)).toEqual(['differs: src/palette.ks']);
    await replaceStoredArchive(original);
  });

  it('flock verify says so when only the compression differs, not the files', async () => {
    const original = Buffer.from(await (await fetch(`${versionUrl()}/download`)).arrayBuffer());
    await replaceStoredArchive(gzipSync(gunzipSync(original), { level: 1 }));
    const result = await runFlock(['verify', 'your-name/palette@0.1.0'], { cwd: dir.path, env });
    expect(result.code).toBe(1);
    expect(result.lines[0]).toMatch(/does not match the registry's transparency log/);
    expect(result.lines[2]).toBe('The unpacked files are identical: only the compressed bytes differ, so the archives were compressed by a different gzip implementation.');
    await replaceStoredArchive(original);
  });

  it('flock verify refuses a bad reference and an unknown version with one line', async () => {
    const bad = await runFlock(['verify', 'palette'], { cwd: dir.path, env });
    expect(bad.stderr).toBe('Expected org/name@version, got "palette"\n');
    expect(bad.code).toBe(1);
    const missing = await runFlock(['verify', 'your-name/palette@9.9.9'], { cwd: dir.path, env });
    expect(missing.stderr).toBe('{"error":"Version your-name/palette@9.9.9 not found"}\n');
    expect(missing.code).toBe(1);
  });

  it('credentials in the remote URL never reach the registry', async () => {
    const parent = join(dir.path, 'secret-remote');
    await mkdir(parent);
    const project = await copyExample('banner', parent);
    await initGitPackage(project);
    // The commit was pushed (origin/main has it); the URL is then changed to one carrying a token.
    await git(project, 'remote', 'set-url', 'origin', 'https://someone:ghp_secret123@git.example.invalid/acme/banner.git');
    const result = await runFlock(['publish'], { cwd: project, env: { ...env, FLOCK_ORG: 'your-name' } });
    expect(result.code).toBe(0);
    const meta = (await (await fetch(`${registry.url}/api/v1/packages/your-name/banner/0.1.0`)).json()) as VersionDto;
    expect(meta.provenance?.repository).toBe('https://git.example.invalid/acme/banner.git');
    const html = await (await fetch(`${registry.url}/flock/your-name/banner`)).text();
    expect(html).not.toContain('ghp_secret123');
  });
});
