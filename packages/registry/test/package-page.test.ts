import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, publisherEnv, runFlock, tempDir } from '../../../test-support/cli.js';
import { publishSpec } from '../../../test-support/project.js';
import { publishProject } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

const DAY = 24 * 60 * 60 * 1000;

// The package page of issue 13: install snippet, facts, versions, dependencies and "Used by",
// for palette and banner from examples/ (banner depends on palette), published with the real `flock`.
describe('the package page', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let env: Record<string, string>;
  // The registry's clock: fixed, moved by the tests (relative times, and the page cache's minute).
  let now = Date.now();

  const page = async (path: string, token?: string) => {
    const response = await fetch(`${registry.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect(response.status).toBe(200);
    return response.text();
  };
  const section = (html: string, id: string) => {
    const start = html.indexOf(`id="${id}"`);
    expect(start, `#${id} on the page`).toBeGreaterThan(-1);
    // Up to the next card (or the page's end): the cards are not nested.
    const next = html.indexOf('class="card"', start);
    return html.slice(start, next === -1 ? undefined : next);
  };
  const pageStats = () => registry.withServices(async (s) => s.renderedPages.stats());
  async function publishExample(name: 'palette' | 'banner', version?: string) {
    const folder = join(dir.path, `${name}-${version ?? 'example'}`);
    await mkdir(folder);
    const project = await copyExample(name, folder);
    if (version) {
      const toml = join(project, 'flock.toml');
      await writeFile(toml, (await readFile(toml, 'utf8')).replace(/^version = ".*"$/m, `version = "${version}"`));
    }
    const result = await publishProject(project, env);
    expect(result.code, result.stderr).toBe(0);
  }

  beforeAll(async () => {
    registry = await createTestRegistry({}, { clock: () => new Date(now) });
    dir = await tempDir();
    env = await publisherEnv(registry, dir.path);
    await publishExample('palette');
  }, 120_000);
  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('shows the install snippet, keywords, license, owner and a relative publish time', async () => {
    now += 3 * DAY + 60_000;
    const html = await page('/flock/your-name/palette');
    expect(html).toContain('<code id="install-command" tabindex="0">flock add your-name/palette</code>');
    expect(html).toContain('<code id="install-toml" tabindex="0">&quot;your-name/palette&quot; = &quot;^0.1.0&quot;</code>');
    expect(html).toContain('data-copy="install-command"');
    expect(html).toContain('data-copy="install-toml"');
    const keywords = section(html, 'keywords');
    for (const k of ['color', 'palette', 'terminal']) expect(keywords).toContain(`<a href="/search?keyword=${k}">${k}</a>`);
    expect(html).toContain('<dd id="license">MIT</dd>');
    expect(html).toContain('<dd id="owner"><a href="/flock/your-name">your-name</a></dd>');
    const published = section(html, 'published');
    expect(published).toMatch(/<time datetime="([^"]+)" title="\1">3 days ago<\/time> by your-name/);
    // The exact time is the version's own.
    const version = await (await fetch(`${registry.url}/api/v1/packages/your-name/palette/0.1.0`)).json() as { publishedAt: string };
    expect(published).toContain(`datetime="${version.publishedAt}"`);
    // The Install card comes before the README in the markup (first on a phone).
    expect(html.indexOf('id="install-card"')).toBeLessThan(html.indexOf('id="readme"'));
    expect(section(html, 'used-by')).toContain('<span class="muted" id="used-by-count">0</span>');
  });

  it('the cached anonymous page gains "Used by banner" when banner is published, with no change to palette', async () => {
    await page('/flock/your-name/palette');
    const before = await pageStats();
    expect(section(await page('/flock/your-name/palette'), 'used-by')).toContain('id="used-by-count">0<');
    // Served from the cache: the clock has not moved, palette has not changed.
    // (Two hits: the page, and the downloads card filled into it; nothing rendered again.)
    const after = await pageStats();
    expect([after.hits, after.misses]).toEqual([before.hits + 2, before.misses]);

    await publishExample('banner');
    const html = await page('/flock/your-name/palette');
    const usedBy = section(html, 'used-by');
    expect(usedBy).toContain('id="used-by-count">1<');
    expect(usedBy).toContain('<a href="/flock/your-name/banner">your-name/banner</a> <code>^0.1.0</code>');
    // banner's page lists its dependency, linked, with its range.
    const banner = await page('/flock/your-name/banner');
    expect(banner).toContain('<dd class="dependency"><a href="/flock/your-name/palette">your-name/palette</a> <code>^0.1.0</code></dd>');
    expect(section(banner, 'used-by')).toContain('id="used-by-count">0<');
  }, 120_000);

  it('a private dependent is shown to members of its org only', async () => {
    await publishSpec(dir.path, { org: 'your-name', name: 'secret-tool', version: '1.0.0', visibility: 'private', dependencies: { 'your-name/palette': '^0.1.0' } }, env);
    const outsider = await registry.createUser('outsider');
    for (const html of [await page('/flock/your-name/palette'), await page('/flock/your-name/palette', outsider)]) {
      expect(html).not.toContain('secret-tool');
      expect(section(html, 'used-by')).toContain('id="used-by-count">1<');
    }
    const member = section(await page('/flock/your-name/palette', env.FLOCK_TOKEN), 'used-by');
    expect(member).toContain('id="used-by-count">2<');
    expect(member).toContain('<a href="/flock/your-name/secret-tool">your-name/secret-tool</a> <code>^0.1.0</code>');
  }, 120_000);

  it('a yanked newest version is marked with its reason and not offered by the install snippet', async () => {
    await publishExample('palette', '0.2.0');
    expect(await page('/flock/your-name/palette')).toContain('&quot;your-name/palette&quot; = &quot;^0.2.0&quot;');
    const yank = await runFlock(['yank', 'your-name/palette@0.2.0', '--reason', 'mixes colours wrongly'], { cwd: dir.path, env });
    expect(yank.code, yank.stderr).toBe(0);
    const deprecate = await runFlock(['deprecate', 'your-name/palette', '--message', 'use hues instead'], { cwd: dir.path, env });
    expect(deprecate.code, deprecate.stderr).toBe(0);

    for (const path of ['/flock/your-name/palette', '/flock/your-name/palette/0.2.0', '/flock/your-name/palette/0.1.0']) {
      const html = await page(path);
      expect(html).toContain('<code id="install-toml" tabindex="0">&quot;your-name/palette&quot; = &quot;^0.1.0&quot;</code>');
      expect(html).not.toContain('^0.2.0');
      const versions = section(html, 'versions');
      expect(versions).toContain('<span class="badge yanked" title="use hues instead">deprecated</span>');
      expect(versions).toMatch(/<a href="\/flock\/your-name\/palette\/0\.2\.0">0\.2\.0<\/a><span class="badge yanked" title="mixes colours wrongly">yanked<\/span>/);
      expect(versions).toMatch(/<a href="\/flock\/your-name\/palette\/0\.1\.0">0\.1\.0<\/a><time datetime="[^"]+" title="[^"]+">3 days ago<\/time>/);
    }
    // The yanked version's own page says so and points to the newest good one.
    const yanked = section(await page('/flock/your-name/palette/0.2.0'), 'yanked');
    expect(yanked).toContain('This version is yanked: mixes colours wrongly');
    expect(yanked).toContain('<a id="newest-good" href="/flock/your-name/palette/0.1.0">0.1.0</a>');
  }, 120_000);

  it('relative times follow the registry clock, even on a cached page', async () => {
    expect(section(await page('/flock/your-name/palette/0.1.0'), 'published')).toContain('>3 days ago<');
    now += 2 * DAY;
    expect(section(await page('/flock/your-name/palette/0.1.0'), 'published')).toContain('>5 days ago<');
  });
});
