import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_SCHEMA, packArchive, parseManifest, renderManifest } from '@flock/core';
import { hasChromium, launchBrowser } from '../../../test-support/browser.js';
import { copyExample, publisherEnv, tempDir } from '../../../test-support/cli.js';
import { publishProject } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// A signature far wider than a phone: it must scroll inside its own block, not widen the page.
const LONG_SIGNATURE = `pub fn blend(${Array.from({ length: 12 }, (_, i) => `colour_number_${i}: Colour`).join(', ')}) -> Colour`;

interface Box { x: number; y: number; width: number; height: number }

// The package page in Chromium under the real Content-Security-Policy: the Copy buttons, and the
// Install card's place (beside the README on a wide screen, above it on a phone).
describe.skipIf(!hasChromium)('the package page in Chromium', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const box = async (selector: string) => (await page.locator(selector).first().boundingBox()) as Box;
  const violations = async () => (await page.evaluate('window.__violations')) as string[];

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    const env = await publisherEnv(registry, dir.path);
    for (const name of ['palette', 'banner'] as const) {
      const result = await publishProject(await copyExample(name, dir.path), env);
      expect(result.code, result.stderr).toBe(0);
    }
    const manifest = renderManifest(parseManifest('[package]\nname = "wide"\nversion = "1.0.0"\norg = "your-name"\n'));
    const archive = await packArchive({ root: 'wide-1.0.0', entries: [{ path: 'flock.toml', bytes: Buffer.from(manifest) }, { path: 'README.md', bytes: Buffer.from('# Wide\n') }] });
    const headers = { authorization: `Bearer ${env.FLOCK_TOKEN}` };
    expect((await fetch(`${registry.url}/api/v1/packages/your-name/wide/1.0.0`, { method: 'PUT', body: archive, headers })).status).toBe(200);
    const docs = {
      schema: DOCS_SCHEMA,
      package: { org: 'your-name', name: 'wide', version: '1.0.0' },
      modules: [{ name: 'wide', path: 'src/wide.ks', doc: '', items: [{ kind: 'fn', name: 'blend', signature: LONG_SIGNATURE, doc: 'Blends.', line: 1, members: [] }] }],
    };
    expect((await fetch(`${registry.url}/api/v1/packages/your-name/wide/1.0.0/docs`, { method: 'PUT', body: JSON.stringify(docs), headers })).status).toBe(200);

    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: registry.url });
    await context.addInitScript({
      content: "window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.effectiveDirective + ' ' + e.blockedURI));",
    });
    page = await context.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await registry?.close();
    await dir?.cleanup();
  });

  it('the Copy buttons copy the install command and the flock.toml line, and say so, with nothing blocked', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${registry.url}/flock/your-name/banner`);
    // Present without the script too: the commands are plain text.
    expect(await page.locator('#install-command').textContent()).toBe('flock add your-name/banner');

    await page.click('#copy-install');
    // A locator wait, not waitForFunction: its polling evaluates a string, which the page's CSP forbids.
    await page.locator('#copy-install', { hasText: /^Copied$/ }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe('flock add your-name/banner');
    await page.click('#copy-toml');
    await page.locator('#copy-toml', { hasText: /^Copied$/ }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe('"your-name/banner" = "^0.1.0"');
    expect(await violations()).toEqual([]);
  });

  it('on a wide screen the Install card sits beside the README, directly above the rest of the sidebar', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${registry.url}/flock/your-name/palette`);
    const [install, readme, about] = [await box('#install-card'), await box('#readme'), await box('#about')];
    expect(install.x).toBeGreaterThan(readme.x + readme.width);
    expect(Math.abs(install.y - readme.y)).toBeLessThan(2);
    // The next card follows the Install card's own height (plus its margin), whatever the README's length.
    expect(about.y - (install.y + install.height)).toBeLessThanOrEqual(25);
    expect(readme.height).toBeGreaterThan(install.height);
    expect(Math.abs(about.x - install.x)).toBeLessThan(2);
  });

  for (const width of [320, 390]) {
    it(`on a ${width}px phone the Install card comes first and a long signature wraps inside its block`, async () => {
      await page.setViewportSize({ width, height: 800 });
      for (const path of ['/flock/your-name/banner', '/flock/your-name/wide']) {
        await page.goto(`${registry.url}${path}`);
        const [install, readme] = [await box('#install-card'), await box('#readme')];
        expect(install.y + install.height).toBeLessThanOrEqual(readme.y);
        // Nothing in the package's part of the page reaches past the screen (the header is P1's).
        expect(await page.evaluate("(() => { const el = document.querySelector('.layout.package'); return el.scrollWidth <= el.clientWidth; })()")).toBe(true);
        expect((await box('.layout.package')).x + (await box('.layout.package')).width).toBeLessThanOrEqual(width);
        expect(await violations()).toEqual([]);
      }
      // On a phone a long signature wraps inside its block (a block that scrolled would need keyboard focus: axe).
      expect(await page.evaluate("(() => { const el = document.querySelector('#api pre'); return el.scrollWidth <= el.clientWidth && el.clientHeight > 60; })()")).toBe(true);
      const signature = await box('#api pre');
      expect(signature.x + signature.width).toBeLessThanOrEqual(width);
    });
  }
});
