import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { packArchive, parseManifest, renderManifest } from '@flock/core';
import { hasChromium, launchBrowser } from '../../../test-support/browser.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// The sanitizer, switched off for this file only: README HTML reaches the page as written,
// as it would through a sanitizer bug. The Content-Security-Policy is what must stop it then.
vi.mock('@flock/core', async (original) => ({ ...(await original<typeof import('@flock/core')>()), renderMarkdown: (markdown: string) => markdown }));

const HOSTILE_README = `<p id="raw">raw HTML reached the page</p>
<script>window.__pwned = 'inline script'; document.title = 'pwned';</script>
<img src="/no-such-image.png" onerror="window.__pwned = 'onerror attribute'">
`;

// A 1×1 PNG, served from another origin as a README's image would be.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

interface Seen {
  /** securitypolicyviolation events, as "directive blocked-uri". */
  violations: string[];
  /** Chromium's console errors about the policy. */
  logged: string[];
}

describe.skipIf(!hasChromium)('the Content-Security-Policy in Chromium', () => {
  let registry: TestRegistry;
  let images: Server;
  let imageUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[] = [];

  async function publish(token: string, name: string, readme: string) {
    const manifest = renderManifest(parseManifest(`[package]\nname = "${name}"\nversion = "1.0.0"\norg = "acme"\n`));
    const archive = await packArchive({ root: `${name}-1.0.0`, entries: [{ path: 'flock.toml', bytes: Buffer.from(manifest) }, { path: 'README.md', bytes: Buffer.from(readme) }] });
    const response = await fetch(`${registry.url}/api/v1/packages/acme/${name}/1.0.0`, { method: 'PUT', body: archive, headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
  }

  /** Opens `path` (or stays, for a page a click opened) and reports what the policy blocked there. */
  async function seen(path?: string): Promise<Seen> {
    if (path !== undefined) {
      consoleErrors = [];
      await page.goto(`${registry.url}${path}`);
    }
    return { violations: (await page.evaluate('window.__violations')) as string[], logged: consoleErrors };
  }
  const nothingBlocked: Seen = { violations: [], logged: [] };

  beforeAll(async () => {
    images = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(PNG));
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/logo.png`;
    registry = await createTestRegistry();
    const token = await registry.createUser('acme');
    await publish(token, 'evil', HOSTILE_README);
    await publish(token, 'plain', `<p>A logo from elsewhere: <img id="logo" src="${imageUrl}" alt="logo"></p>\n`);
    browser = await launchBrowser();
    context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: registry.url });
    // Init scripts are the browser's own: they run before the page's, whatever its policy.
    // (Page code is passed as strings: the tests are type-checked without the DOM's types.)
    await context.addInitScript({
      content: "window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.effectiveDirective + ' ' + e.blockedURI));",
    });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/.test(message.text())) consoleErrors.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await registry?.close();
    await new Promise((resolve) => images?.close(resolve));
  });

  it('an inline <script> and an onerror attribute that got past the sanitizer do not run, and are reported', async () => {
    // The seam works: without the sanitizer the hostile HTML is in the page as written.
    const html = await (await fetch(`${registry.url}/flock/acme/evil`)).text();
    expect(html).toContain("<script>window.__pwned = 'inline script';");
    expect(html).toContain('onerror="window.__pwned');

    consoleErrors = [];
    await page.goto(`${registry.url}/flock/acme/evil`);
    expect(await page.locator('#raw').textContent()).toBe('raw HTML reached the page');
    // By the load event the script has been parsed and the image has failed: either would have run by now.
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.title()).toBe('acme/evil 1.0.0 — Flock');
    // Violation events are queued, not fired at once: wait for both.
    await page.waitForFunction('window.__violations.length >= 2');
    const { violations, logged } = await seen();
    expect(violations.sort()).toEqual(['script-src-attr inline', 'script-src-elem inline']);
    expect(logged).toHaveLength(2);
  });

  it('the pages themselves break no rule: sign-up, a refused sign-in, the account page and its Copy button', async () => {
    expect(await seen('/')).toEqual(nothingBlocked);
    expect(await seen('/login')).toEqual(nothingBlocked);
    await page.fill('#login-username', 'nobody');
    await page.fill('#login-password', 'wrong password!');
    await page.click('#login-submit');
    expect(await page.locator('#error').textContent()).toBe('Wrong username or password');
    // The stylesheet applies (allowed by its hash), classes standing in for the old style attributes.
    expect(await page.evaluate("getComputedStyle(document.getElementById('error')).backgroundColor")).toBe('rgb(253, 236, 236)');
    expect(await seen()).toEqual(nothingBlocked);

    await page.fill('#signup-username', 'lena');
    await page.fill('#signup-password', 'correct horse battery');
    await page.click('#signup-submit');
    await page.waitForURL(`${registry.url}/account`);
    expect(await seen()).toEqual(nothingBlocked);
    await page.fill('#token-name', 'laptop');
    await page.click('#new-token-button');
    const token = (await page.locator('#token-value').textContent()) ?? '';
    expect(token).toMatch(/^flock_/);
    // The page's one script, allowed by its hash, runs: Copy puts the token on the clipboard.
    await page.click('#copy-token');
    await expect.poll(() => page.locator('#copy-token').textContent()).toBe('Copied');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(token);
    expect(await seen()).toEqual(nothingBlocked);
  });

  it('the org, package, search and error pages break no rule; a README image from another site still shows', async () => {
    expect(await seen('/flock/lena')).toEqual(nothingBlocked);
    expect(await seen('/search?q=plain')).toEqual(nothingBlocked);
    expect(await seen('/flock/acme/nothing')).toEqual(nothingBlocked);
    expect(await seen('/flock/acme/plain')).toEqual(nothingBlocked);
    await expect.poll(() => page.evaluate("document.getElementById('logo').naturalWidth")).toBe(1);
  });
});
