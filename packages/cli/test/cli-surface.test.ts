import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, runFlock, tempDir } from '../../../test-support/cli.js';
import { freePort } from '../../../test-support/postgres-cluster.js';
import { publishProject } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

describe('the flock client surface: --registry, --json, publish --org, flock.toml in parent folders, init', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let token: string;
  let dead: string;
  let n = 0;
  const home = () => join(dir.path, 'home');
  const env = (extra: Record<string, string> = {}) => ({ HOME: home(), FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: token, ...extra });
  const flock = (args: string[], cwd = dir.path, extra: Record<string, string> = {}) => runFlock(args, { cwd, env: env(extra) });

  /** A new folder holding a project that depends on your-name/palette. */
  async function app(): Promise<string> {
    const root = join(dir.path, `app-${++n}`);
    await mkdir(join(root, 'src'), { recursive: true });
    await writeFile(join(root, 'flock.toml'), '[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\n"your-name/palette" = "^0.1.0"\n');
    return root;
  }

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    await mkdir(home());
    token = await registry.createUser('your-name');
    // Nothing listens there: a command that used FLOCK_REGISTRY would fail with ECONNREFUSED.
    dead = `http://127.0.0.1:${await freePort()}`;
    const published = await publishProject(await copyExample('palette', join(dir.path, 'published')), env());
    expect(published.code, published.stderr + published.stdout).toBe(0);
  });
  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  // A dozen flock processes (verify clones and builds): more than the default 30 s on a busy machine.
  it('--registry wins over FLOCK_REGISTRY on every networked command, before or after a subcommand', { timeout: 180_000 }, async () => {
    const project = await app();
    const commands = [
      ['whoami'], ['search', 'palette'], ['show', 'your-name/palette'], ['token', 'list'], ['token', '--registry', registry.url, 'list'],
      ['org', 'members', 'your-name'], ['org', 'store', 'show', 'your-name'], ['install'], ['add', 'your-name/palette'],
      ['yank', 'your-name/palette@0.1.0'], ['yank', 'your-name/palette@0.1.0', '--undo'], ['access', 'set', 'your-name/palette', 'public'],
      ['verify', 'your-name/palette@0.1.0'], ['remove', 'your-name/palette'],
    ];
    for (const args of commands) {
      const withFlag = args.includes('--registry') ? args : [...args, '--registry', registry.url];
      const result = await flock(withFlag, project, { FLOCK_REGISTRY: dead });
      expect([result.code, result.stderr], args.join(' ')).toEqual([0, expect.not.stringContaining(dead)]);
    }
    expect(existsSync(join(project, 'flock.lock'))).toBe(true);
    const banner = await publishProject(await copyExample('banner', join(dir.path, 'banner')), env({ FLOCK_REGISTRY: dead }), ['--registry', registry.url]);
    expect(banner.code, banner.stderr + banner.stdout).toBe(0);
    expect(banner.stdout).toContain(`Publishing your-name/banner@0.1.0 to ${registry.url}`);
    const login = await runFlock(['login', '--registry', registry.url], { cwd: project, env: { HOME: home(), FLOCK_REGISTRY: dead }, input: `${token}\n` });
    expect([login.code, login.stdout]).toEqual([0, `Logged in as your-name; token saved to ${join(home(), '.kestrel', 'credentials')}\n`]);
    const without = await flock(['whoami'], project, { FLOCK_REGISTRY: dead });
    expect([without.code, without.stderr]).toEqual([1, `Could not reach the registry at ${dead} (ECONNREFUSED)\n`]);
    // And over ~/.kestrel/config.toml, with FLOCK_REGISTRY unset.
    await mkdir(join(home(), '.kestrel'), { recursive: true });
    await writeFile(join(home(), '.kestrel', 'config.toml'), `registry = "${dead}"\n`);
    try {
      const overConfig = await runFlock(['whoami', '--registry', registry.url], { cwd: project, env: { HOME: home(), FLOCK_TOKEN: token } });
      expect([overConfig.code, overConfig.stdout]).toEqual([0, 'your-name\n  your-name (owner)\n']);
    } finally {
      await writeFile(join(home(), '.kestrel', 'config.toml'), '');
    }
  });

  it('a bad --registry is refused in one line, like FLOCK_REGISTRY; offline commands have no --registry', async () => {
    const bad = await flock(['whoami', '--registry', 'ftp://example.com']);
    expect([bad.code, bad.stderr, bad.stdout]).toEqual([1, '--registry is not an http(s) URL: "ftp://example.com"\n', '']);
    const secret = await flock(['search', 'x', '--registry', 'https://user:pw@example.com']);
    expect([secret.code, secret.stderr]).toEqual([1, '--registry must be an http(s) URL without a user, password, query or fragment\n']);
    for (const offline of [['init'], ['doc']]) {
      const result = await flock([...offline, '--registry', registry.url], join(dir.path, 'published', 'palette'));
      expect([result.code, result.stderr], offline[0]).toEqual([1, `Unknown option '--registry' (see flock ${offline[0]} --help)\n`]);
    }
  });

  /** Runs a command with --json: it must print JSON alone on stdout and nothing on stderr. */
  async function json(args: string[]): Promise<unknown> {
    const result = await flock([...args, '--json']);
    expect([result.code, result.stderr], args.join(' ')).toEqual([0, '']);
    return JSON.parse(result.stdout);
  }

  it('--json on whoami, token list, org members, search and show prints the documented shapes, never a secret', { timeout: 120_000 }, async () => {
    expect(await json(['whoami'])).toEqual({ username: 'your-name', orgs: [{ name: 'your-name', role: 'owner' }], token: { name: 'test', scopes: expect.any(Array) } });

    const created = await flock(['token', 'create', '--name', 'json-ci']);
    const secret = created.lines[0]!;
    const tokens = await json(['token', 'list']) as Array<Record<string, unknown>>;
    expect(JSON.stringify(tokens)).not.toContain(secret);
    const ci = tokens.find((t) => t.name === 'json-ci')!;
    expect(Object.keys(ci)).toEqual(['id', 'name', 'scopes', 'orgs', 'createdAt', 'lastUsedAt', 'expiresAt', 'expired']);
    expect(ci).toMatchObject({ scopes: ['publish', 'yank', 'read'], orgs: null, lastUsedAt: null, expiresAt: null, expired: false });

    const members = await json(['org', 'members', 'your-name']) as Array<Record<string, unknown>>;
    expect(members).toEqual([{ username: 'your-name', role: 'owner', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }]);

    const search = await json(['search', 'palette']) as { total: number; hits: Array<{ org: string; name: string }> };
    expect(search.hits.map((h) => `${h.org}/${h.name}`)).toContain('your-name/palette');
    expect(search.total).toBe(search.hits.length);
    const show = await json(['show', 'your-name/palette']) as { package: unknown; version: { version: string }; url: string };
    expect(Object.keys(show)).toEqual(['package', 'version', 'url']);
    expect([show.version.version, show.url]).toEqual(['0.1.0', `${registry.url}/flock/your-name/palette/0.1.0`]);
  });

  it('publish --org publishes under that org, over FLOCK_ORG; a bad --org is one line', async () => {
    expect((await flock(['org', 'create', 'studio'])).code).toBe(0);
    const palette = await copyExample('palette', join(dir.path, 'for-studio'));
    const result = await publishProject(palette, env({ FLOCK_ORG: 'elsewhere' }), ['--org', 'studio']);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toContain('Publishing studio/palette@0.1.0 to ');
    expect((await fetch(`${registry.url}/index/studio/palette`)).status).toBe(200);
    expect((await fetch(`${registry.url}/index/elsewhere/palette`)).status).toBe(404);
    const bad = await publishProject(palette, env(), ['--org', 'Bad_Org']);
    expect([bad.code, bad.stderr]).toEqual([1, expect.stringMatching(/^Invalid org name "Bad_Org"[^\n]*\n$/)]);
  });

  it('install, remove, doc and publish find flock.toml in a parent folder, and write beside it', async () => {
    const project = await app();
    const src = join(project, 'src');
    const install = await flock(['install'], src);
    expect(install.code, install.stderr).toBe(0);
    expect(existsSync(join(project, 'flock.lock'))).toBe(true);
    expect(existsSync(join(project, '.flock', 'deps', 'your-name', 'palette@0.1.0'))).toBe(true);
    expect(existsSync(join(src, 'flock.lock'))).toBe(false);
    const remove = await flock(['remove', 'your-name/palette'], src);
    expect(remove.lines[0]).toBe('Removed your-name/palette from flock.toml');
    expect(await readFile(join(project, 'flock.toml'), 'utf8')).not.toContain('palette');

    const palette = join(dir.path, 'published', 'palette');
    const doc = await flock(['doc', '--format', 'json'], join(palette, 'src'));
    expect(doc.stdout).toBe(`wrote 1 modules, 7 items (Json) → ${join(palette, '.flock/doc')}\n`);
    const dryRun = await flock(['publish', '--dry-run'], join(palette, 'src'));
    expect(dryRun.code, dryRun.stderr).toBe(0);
  });

  it('init fills org from the logged-in user; when the registry cannot be asked it says so in one line and still succeeds', async () => {
    const signedIn = join(dir.path, 'signed-in');
    await mkdir(signedIn);
    const result = await flock(['init'], signedIn);
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(await readFile(join(signedIn, 'flock.toml'), 'utf8')).toContain('\norg = "your-name"\n');

    const offline = join(dir.path, 'offline');
    await mkdir(offline);
    const unreachable = await flock(['init'], offline, { FLOCK_REGISTRY: dead });
    expect(unreachable.code).toBe(0);
    expect(unreachable.stderr).toBe(`Left org out of flock.toml (Could not reach the registry at ${dead} (ECONNREFUSED)); set it there or with --org\n`);
    expect(await readFile(join(offline, 'flock.toml'), 'utf8')).toContain('# org = "your-name"');

    const refused = join(dir.path, 'refused');
    await mkdir(refused);
    const badToken = await flock(['init'], refused, { FLOCK_TOKEN: `flock_${'x'.repeat(38)}` });
    expect([badToken.code, badToken.stderr]).toEqual([0, `Left org out of flock.toml (the registry at ${registry.url} refused the token: Invalid token); set it there or with --org\n`]);
  });
});
