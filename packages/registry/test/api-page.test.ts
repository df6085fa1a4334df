import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_SCHEMA, packArchive, parseManifest, renderManifest } from '@flock/core';
import { hasChromium, launchBrowser } from '../../../test-support/browser.js';
import { copyExample, publisherEnv, runFlock, tempDir } from '../../../test-support/cli.js';
import { git, initGitPackage } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

const PALETTE_ITEMS = ['Rgb', 'Palette', 'parse_hex', 'to_hex', 'mix', 'luminance', 'DEFAULT'];
const PALETTE_LINES = [4, 11, 19, 26, 31, 36, 41];

// The API reference page of examples/palette and examples/banner, published with the real client.
describe('the API reference page', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let env: Record<string, string>;
  let commit: string;

  async function publishExample(name: 'palette' | 'banner', repo: string, under: string): Promise<string> {
    const parent = join(repo, under);
    await mkdir(parent, { recursive: true });
    await copyExample(name, parent);
    await initGitPackage(repo);
    // Pushed to the local bare remote; then origin names the public repository, as a clone of it would.
    await git(repo, 'remote', 'set-url', 'origin', `https://github.com/acme/${name}.git`);
    const result = await runFlock(['publish'], { cwd: join(parent, name), env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return (await git(repo, 'rev-parse', 'HEAD')).trim();
  }

  /** Another palette version through the API, with one documented struct, as an older or newer release. */
  async function publishPalette(version: string) {
    const manifest = renderManifest(parseManifest(`[package]\nname = "palette"\nversion = "${version}"\norg = "your-name"\n`));
    const archive = await packArchive({ root: `palette-${version}`, entries: [{ path: 'flock.toml', bytes: Buffer.from(manifest) }] });
    const headers = { authorization: `Bearer ${env.FLOCK_TOKEN}` };
    expect((await fetch(`${registry.url}/api/v1/packages/your-name/palette/${version}`, { method: 'PUT', body: archive, headers })).status).toBe(200);
    const item = { kind: 'struct', name: 'Rgb', signature: 'pub struct Rgb', doc: '', line: 1, members: [] };
    const docs = { schema: DOCS_SCHEMA, package: { org: 'your-name', name: 'palette', version }, modules: [{ name: 'palette', path: 'src/palette.ks', doc: '', items: [item] }] };
    expect((await fetch(`${registry.url}/api/v1/packages/your-name/palette/${version}/docs`, { method: 'PUT', body: JSON.stringify(docs), headers })).status).toBe(200);
  }

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    env = await publisherEnv(registry, dir.path);
    // palette lives in a folder of its repository, so its source links carry the folder.
    commit = await publishExample('palette', join(dir.path, 'palette-repo'), 'packages');
    await publishExample('banner', join(dir.path, 'banner-repo'), '');
  });

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  const get = async (path: string) => {
    const response = await fetch(`${registry.url}${path}`);
    return { status: response.status, html: await response.text() };
  };

  it('lists palette\'s 7 items in the index and the body, each with an anchor and a visible link to it', async () => {
    const { status, html } = await get('/flock/your-name/palette/0.1.0/api');
    expect(status).toBe(200);
    const index = html.slice(html.indexOf('id="api-index"'), html.indexOf('class="api-main"'));
    expect([...index.matchAll(/<li data-item="[^"]+"><a href="#palette\.([A-Za-z_]+)">/g)].map((m) => m[1]).sort()).toEqual([...PALETTE_ITEMS].sort());
    // Grouped by kind, types first.
    expect([...index.matchAll(/<div class="muted">([^<]+)<\/div>/g)].map((m) => m[1])).toEqual(['Structs', 'Functions', 'Constants']);
    for (const item of PALETTE_ITEMS) {
      expect(html).toContain(`<article class="api-item" id="palette.${item}" data-item="${item.toLowerCase()}">`);
      expect(html).toContain(`<a class="api-anchor" href="#palette.${item}" aria-label="Link to ${item}">#</a>`);
    }
    // The filter box is there, hidden until its script runs.
    expect(html).toContain('<input type="search" id="api-filter" placeholder="Filter items" aria-label="Filter items" hidden=""');
    // The newest version's page is the same page.
    const newest = await get('/flock/your-name/palette/api');
    expect(newest.status).toBe(200);
    expect(newest.html).toContain('id="palette.Rgb"');
  });

  it('lists a struct\'s fields under it, and links types named in signatures to their items', async () => {
    const { html } = await get('/flock/your-name/palette/0.1.0/api');
    const code = (inner: string) => `<code class="hljs language-kestrel">${inner}</code>`;
    for (const field of ['r', 'g', 'b']) expect(html).toContain(`<li id="palette.Rgb.${field}">${code(`${field}: <span class="hljs-type">U8</span>`)}</li>`);
    expect(html).toContain(`<li id="palette.Palette.colors">${code('colors: <span class="hljs-type">List</span>&lt;<span class="hljs-type">Rgb</span>&gt;')}</li>`);
    expect(html).toContain('<h4>Fields</h4>');
    // pub fn mix(a: Rgb, b: Rgb, t: Float) -> Rgb: every Rgb links to the struct, mix itself does not.
    const mix = html.slice(html.indexOf('id="palette.mix"'));
    expect(mix.slice(0, mix.indexOf('</pre>'))).toContain(
      'pub fn mix(a: <a href="#palette.Rgb">Rgb</a>, b: <a href="#palette.Rgb">Rgb</a>, t: Float) -&gt; <a href="#palette.Rgb">Rgb</a></code>',
    );
  });

  it('links each item to its line at the recorded commit on github.com', async () => {
    const { html } = await get('/flock/your-name/palette/0.1.0/api');
    const sources = [...html.matchAll(/<a class="api-source" href="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(PALETTE_LINES.map((line) => `https://github.com/acme/palette/blob/${commit}/packages/palette/src/palette.ks#L${line}`));
  });

  it('links banner\'s palette.Rgb to palette\'s item at the newest version its range allows, and the link resolves', async () => {
    const linkIn = async () => {
      const { status, html } = await get('/flock/your-name/banner/0.1.0/api');
      expect(status).toBe(200);
      const match = /<a href="([^"]+)">palette\.Rgb<\/a>/.exec(html);
      expect(match, html).not.toBeNull();
      return match![1]!;
    };
    expect(await linkIn()).toBe('/flock/your-name/palette/0.1.0/api#palette.Rgb');
    // ^0.1.0 takes 0.1.1, never 0.2.0.
    await publishPalette('0.1.1');
    await publishPalette('0.2.0');
    const href = await linkIn();
    expect(href).toBe('/flock/your-name/palette/0.1.1/api#palette.Rgb');
    const target = await get(href.slice(0, href.indexOf('#')));
    expect(target.status).toBe(200);
    expect(target.html).toContain(`id="${href.slice(href.indexOf('#') + 1)}"`);
    // The newest palette page is now 0.2.0's, which points back to nothing older.
    expect((await get('/flock/your-name/palette/api')).html).toContain('<span class="badge" id="version">0.2.0</span>');
  });

  it('is linked from the package page', async () => {
    const { html } = await get('/flock/your-name/palette/0.1.0');
    expect(html).toContain('<a class="button" id="api-link" href="/flock/your-name/palette/0.1.0/api">API reference</a>');
  });

  it('answers 404 for an unknown version or package, 400 for a version that is not one', async () => {
    expect((await get('/flock/your-name/palette/9.9.9/api')).status).toBe(404);
    expect((await get('/flock/your-name/nothing/api')).status).toBe(404);
    expect((await get('/flock/your-name/palette/x/api')).status).toBe(400);
    // The version route still serves versions.
    expect((await get('/flock/your-name/palette/0.1.0')).html).toContain('<span class="badge" id="version">0.1.0</span>');
  });

  describe.skipIf(!hasChromium)('in Chromium', () => {
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      browser = await launchBrowser();
      const context = await browser.newContext();
      await context.addInitScript({
        content: "window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.effectiveDirective + ' ' + e.blockedURI));",
      });
      page = await context.newPage();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('the filter box hides the items whose names do not match, under the real policy', async () => {
      const response = await page.goto(`${registry.url}/flock/your-name/palette/0.1.0/api`);
      expect(response?.headers()['content-security-policy']).toMatch(/script-src 'sha256-/);
      const box = page.locator('#api-filter');
      await box.waitFor({ state: 'visible' });
      const shown = () => page.locator('#api-index li[data-item]:visible').allTextContents();
      expect((await shown()).sort()).toEqual([...PALETTE_ITEMS].sort());
      await box.fill('hex');
      expect((await shown()).sort()).toEqual(['parse_hex', 'to_hex']);
      expect(await page.locator('article.api-item:visible').count()).toBe(2);
      expect(await page.locator('[id="palette.Rgb"]').isVisible()).toBe(false);
      // The Structs group has no match left, so its heading goes too.
      expect(await page.locator('.api-group:visible').count()).toBe(1);
      await box.fill('');
      expect(await page.locator('article.api-item:visible').count()).toBe(7);
      expect(await page.evaluate('window.__violations')).toEqual([]);
    });
  });
});
