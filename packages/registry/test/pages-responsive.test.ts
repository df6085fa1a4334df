import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser } from '../../../test-support/browser.js';
import { copyExample, publisherEnv, tempDir } from '../../../test-support/cli.js';
import { auditPage, type Target } from '../../../test-support/page-audit.js';
import { publishProject } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// Every kind of page, at phone to desktop widths, light and dark: no sideways scrolling, nothing
// axe-core objects to (contrast included), nothing the Content-Security-Policy blocks.
// Screenshots of each land in test-artifacts/screenshots/.
describe.skipIf(!hasChromium)('every page fits 320–1280 px wide and passes axe-core in light and dark', () => {
  let registry: TestRegistry;
  let browser: Browser;
  /** Signed in as lena, and a visitor who is not. */
  let page: Page;
  let visitor: Page;
  let dir: { path: string; cleanup(): Promise<void> };
  let userCode = '';
  const at = (path: string) => `${registry.url}${path}`;

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    const env = await publisherEnv(registry, dir.path);
    for (const example of ['palette', 'banner'] as const) {
      const published = await publishProject(await copyExample(example, dir.path), env);
      expect(published.code, published.stderr).toBe(0);
    }
    browser = await launchBrowser();
    // axe-core goes in as an inline script, which the policy refuses: auditPage checks the policy in a context of its own.
    page = await (await browser.newContext({ bypassCSP: true })).newPage();
    visitor = await (await browser.newContext({ bypassCSP: true })).newPage();
    // A signed-in browser, with some activity to list.
    await page.goto(at('/login'));
    await page.fill('#signup-username', 'lena');
    await page.fill('#signup-password', 'correct horse battery');
    await page.click('#signup-submit');
    await page.waitForURL(at('/account'));
    await page.fill('#token-name', 'laptop');
    await page.click('#new-token-button');
    await page.waitForSelector('#token-value');
    // An owner's org page with its quota card and a webhook (its secret shown once, a delivery listed).
    await registry.withServices((s) => s.quotas.set('lena', { maxBytes: 50_000_000, maxVersionsPerDay: 100, maxPackages: 20 }));
    await page.goto(at('/flock/lena'));
    await page.fill('#webhook-url', 'https://hooks.example.com/a-rather-long-path/for-the-flock-registry-webhooks');
    await page.click('#add-webhook button[type=submit]');
    await page.waitForSelector('#webhook-secret');
    const started = await fetch(at('/api/v1/device/code'), { method: 'POST', body: JSON.stringify({ name: 'flock on a-rather-long-hostname.example.internal' }), headers: { 'content-type': 'application/json' } });
    userCode = ((await started.json()) as { userCode: string }).userCode;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await registry?.close();
    await dir?.cleanup();
  });

  const pages: Array<[string, () => Target, 'visitor'?]> = [
    ['home', () => at('/'), 'visitor'],
    ['search', () => at('/search?q=palette'), 'visitor'],
    ['package-palette', () => at('/flock/your-name/palette'), 'visitor'],
    ['package-banner', () => at('/flock/your-name/banner/0.1.0'), 'visitor'],
    ['api-palette', () => at('/flock/your-name/palette/api'), 'visitor'],
    ['api-banner', () => at('/flock/your-name/banner/0.1.0/api'), 'visitor'],
    ['org-public', () => at('/flock/your-name'), 'visitor'],
    ['org-owner', () => at('/flock/lena')],
    ['account', () => at('/account')],
    ['account-new-token', () => async (p: Page) => {
      await p.goto(at('/account'));
      await p.fill('#token-name', 'a-token-with-a-long-name-for-ci-on-the-build-server');
      await p.click('#new-token-button');
      await p.waitForSelector('#token-value');
    }],
    ['login', () => at('/login'), 'visitor'],
    ['sign-in-refused', () => async (p: Page) => {
      await p.goto(at('/login'));
      await p.fill('#login-username', 'nobody');
      await p.fill('#login-password', 'wrong password!');
      await p.click('#login-submit');
      await p.waitForSelector('#error');
    }, 'visitor'],
    ['not-found', () => at('/no/such/page'), 'visitor'],
    ['not-found-package', () => at('/flock/your-name/no-such-package'), 'visitor'],
    ['device', () => at('/device')],
    ['device-approve', () => at(`/device?code=${userCode}`)],
  ];

  it.for(pages)('%s', { timeout: 120_000 }, async ([name, target, who]) => {
    expect(await auditPage(who === 'visitor' ? visitor : page, target(), name)).toEqual([]);
  });
});
