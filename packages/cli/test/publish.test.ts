import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, runFlock, tempDir } from '../../../test-support/cli.js';
import { publishProject } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// Seed 003, "Publish Your Package", step by step against a real registry and the real binary.
describe('the seed tutorial: flock publish', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let home: string;
  let token: string;
  let palette: string;
  const env = () => ({ HOME: home, FLOCK_REGISTRY: registry.url });

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    home = join(dir.path, 'home');
    await mkdir(home);
    token = await registry.createUser('your-name');
    palette = await copyExample('palette', dir.path);
  });

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('Step 2: without a token, publish says "No auth token found."', async () => {
    const result = await publishProject(palette, env());
    expect(result.stderr).toBe('No auth token found.\n');
    expect(result.stdout).toBe('');
    expect(result.code).not.toBe(0);
  });

  it('Step 2: saving the token the way the seed does (echo > ~/.kestrel/credentials) works', async () => {
    await mkdir(join(home, '.kestrel'), { recursive: true });
    await writeFile(join(home, '.kestrel', 'credentials'), `${token}\n`);
    const result = await runFlock(['whoami'], { cwd: palette, env: env() });
    expect(result.lines[0]).toBe('your-name');
    expect(result.code).toBe(0);
  });

  it('Step 4: publish prints exactly the five lines of the seed, and the bytes are what the checksum says', async () => {
    const result = await publishProject(palette, env());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [wrote, publishing, published, uploading, uploaded, ...rest] = result.lines;
    expect(rest).toEqual([]);
    expect(wrote).toMatch(/^wrote 1 modules, 7 items \(Json\) → .+\/flock-docs-palette-0\.1\.0$/);
    expect(publishing).toBe(`Publishing your-name/palette@0.1.0 to ${registry.url}...`);
    expect(published).toMatch(/^\{"ok":true,"checksum":"sha256:[0-9a-f]{64}"\}$/);
    expect(uploading).toBe('Uploading documentation...');
    expect(uploaded).toBe('{"ok":true}');

    const docsDir = wrote!.split(' → ')[1]!;
    const docs = JSON.parse(await readFile(join(docsDir, 'docs.json'), 'utf8'));
    expect(docs.modules[0].items).toHaveLength(7);

    const checksum = JSON.parse(published!).checksum as string;
    const download = await fetch(`${registry.url}/api/v1/packages/your-name/palette/0.1.0/download`);
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(checksum);
    const meta = await (await fetch(`${registry.url}/api/v1/packages/your-name/palette/0.1.0`)).json();
    expect(meta).toMatchObject({ checksum, publisher: 'your-name', hasDocs: true, license: 'MIT' });
  });

  it('Step 5: the package page shows the version, the README and the API reference', async () => {
    const response = await fetch(`${registry.url}/flock/your-name/palette`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<span class="badge" id="version">0.1.0</span>');
    expect(html).toContain('Colour palettes for Kestrel programs');
    for (const item of ['Rgb', 'Palette', 'parse_hex', 'to_hex', 'mix', 'luminance', 'DEFAULT']) {
      expect(html).toContain(`id="palette.${item}"`);
    }
    // The signature is highlighted: its text, with the highlighter's spans taken out.
    expect(html.replace(/<\/?span[^>]*>/g, '')).toContain('pub fn parse_hex(text: String) -&gt; Option&lt;Rgb&gt;');
    expect(html).toContain('Returns <code>none</code> when the text is not a valid hex colour.');
  });

  it('Versions are immutable: publishing again prints {"error":"Version already exists"}', async () => {
    const result = await publishProject(palette, env());
    expect(result.lines.at(-1)).toBe('{"error":"Version already exists"}');
    expect(result.lines).not.toContain('Uploading documentation...');
    expect(result.code).toBe(1);
  });

  it('Troubleshooting: "No org specified." when neither flock.toml nor FLOCK_ORG names one', async () => {
    const noOrg = join(dir.path, 'no-org');
    await mkdir(join(noOrg, 'src'), { recursive: true });
    await writeFile(join(noOrg, 'flock.toml'), '[package]\nname = "lonely"\nversion = "0.1.0"\n');
    const result = await publishProject(noOrg, env());
    expect(result.stderr).toBe('No org specified.\n');
    expect(result.code).not.toBe(0);
  });

  it('Troubleshooting: {"error":"Invalid token"} for an unknown token, and for a malformed one', async () => {
    const forged = `flock_${'A'.repeat(38)}`;
    for (const bad of [forged, token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')]) {
      const result = await publishProject(palette, { ...env(), FLOCK_TOKEN: bad });
      expect(result.lines.at(-1)).toBe('{"error":"Invalid token"}');
      expect(result.code).toBe(1);
    }
  });

  it('Troubleshooting: {"error":"Not a member of this organization"}, and FLOCK_ORG overrides the manifest', async () => {
    await registry.createUser('someone-else');
    const result = await publishProject(palette, { ...env(), FLOCK_ORG: 'someone-else' });
    expect(result.lines[1]).toBe(`Publishing someone-else/palette@0.1.0 to ${registry.url}...`);
    expect(result.lines.at(-1)).toBe('{"error":"Not a member of this organization"}');
    expect(result.code).toBe(1);
  });

  it('FLOCK_ORG publishes into another org the token owner belongs to', async () => {
    await registry.withServices(async (s) => {
      const owner = await s.accounts.requireUser('your-name');
      await s.accounts.createOrg({ name: 'team', ownerId: owner.id });
    });
    const result = await publishProject(palette, { ...env(), FLOCK_ORG: 'team' });
    expect(result.lines[1]).toBe(`Publishing team/palette@0.1.0 to ${registry.url}...`);
    expect(result.lines[2]).toMatch(/^\{"ok":true,"checksum":"sha256:[0-9a-f]{64}"\}$/);
    expect(result.code).toBe(0);
    const meta = await (await fetch(`${registry.url}/api/v1/packages/team/palette`)).json();
    expect(meta).toMatchObject({ org: 'team', latest: '0.1.0' });
  });

  it('FLOCK_TOKEN wins over the credentials file', async () => {
    const result = await runFlock(['whoami'], { cwd: palette, env: { ...env(), FLOCK_TOKEN: await registry.createUser('env-user') } });
    expect(result.lines[0]).toBe('env-user');
  });

  it('a malformed flock.toml fails before anything is sent, naming the line', async () => {
    const broken = join(dir.path, 'broken');
    await mkdir(broken);
    await writeFile(join(broken, 'flock.toml'), '[package]\nname = "palette"\nversion = 0.1\n');
    const result = await publishProject(broken, env());
    expect(result.stderr).toMatch(/^flock\.toml:3: .+\n$/);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(1);
  });

  it('the registry URL comes from ~/.kestrel/config.toml when FLOCK_REGISTRY is not set', async () => {
    await writeFile(join(home, '.kestrel', 'config.toml'), `registry = "${registry.url}"\n`);
    const result = await runFlock(['whoami'], { cwd: palette, env: { HOME: home } });
    expect(result.lines[0]).toBe('your-name');
  });

  it('credentials written by flock login have mode 0600', async () => {
    const loginHome = join(dir.path, 'login-home');
    await mkdir(loginHome);
    const result = await runFlock(['login'], { cwd: palette, env: { HOME: loginHome, FLOCK_REGISTRY: registry.url }, input: `${token}\n` });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Logged in as your-name');
    expect(result.stdout).not.toContain(token);
    const info = await stat(join(loginHome, '.kestrel', 'credentials'));
    expect(info.mode & 0o777).toBe(0o600);
    expect((await readFile(join(loginHome, '.kestrel', 'credentials'), 'utf8')).trim()).toBe(token);
  });

  it('flock login refuses a bad token and writes nothing', async () => {
    const loginHome = join(dir.path, 'bad-login-home');
    await mkdir(loginHome);
    const result = await runFlock(['login'], { cwd: palette, env: { HOME: loginHome, FLOCK_REGISTRY: registry.url }, input: 'flock_nope\n' });
    expect(result.stderr.trim()).toBe('{"error":"Invalid token"}');
    expect(result.code).toBe(1);
    await expect(stat(join(loginHome, '.kestrel', 'credentials'))).rejects.toThrow();
  });
});
