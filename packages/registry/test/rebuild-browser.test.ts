import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser } from '../../../test-support/browser.js';
import { copyExample, publisherEnv, REGISTRY_BIN, runBin, runFlock, tempDir } from '../../../test-support/cli.js';
import { publishProject } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// What the rebuild worker found, as a reader sees it on the version's page in Chromium.
describe.skipIf(!hasChromium)('the rebuild line on the package page, in Chromium', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    const env = await publisherEnv(registry, dir.path);
    const palette = await copyExample('palette', dir.path);
    expect((await publishProject(palette, env)).code).toBe(0);
    const banner = await copyExample('banner', dir.path);
    const dirty = await runFlock(['publish', '--allow-dirty'], { cwd: banner, env });
    expect(dirty.code, dirty.stderr).toBe(0);
    const worker = await runBin(REGISTRY_BIN, ['rebuild-worker', '--once'], { cwd: dir.path, env: { ...registry.env, FLOCK_REBUILD_LOCAL_REPOS: '1' } });
    expect(worker.code, worker.stderr).toBe(0);
    expect(worker.lines.sort()).toEqual(['your-name/banner@0.1.0: not-verifiable (published without a repository)', 'your-name/palette@0.1.0: reproduced']);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await registry?.close();
    await dir?.cleanup();
  });

  it.each([
    ['palette', 'Rebuilt by the registry: reproduced'],
    ['banner', 'Rebuilt by the registry: not verifiable: published without a repository'],
  ])('%s: "%s"', async (name, text) => {
    const page = await browser.newPage();
    try {
      // The server may have cached the page before the worker's commit: it notices within a second or so.
      await expect.poll(async () => {
        await page.goto(`${registry.url}/flock/your-name/${name}/0.1.0`);
        return page.locator('#rebuild').innerText().catch(() => '');
      }, { timeout: 5000 }).toBe(text);
      expect(await page.locator('#rebuild').isVisible()).toBe(true);
    } finally {
      await page.close();
    }
  });
});
