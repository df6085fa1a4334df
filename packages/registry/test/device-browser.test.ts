import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser } from '../../../test-support/browser.js';
import { runFlock, startFlock, tempDir } from '../../../test-support/cli.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

const PROMPT = /Open (\S+) and enter the code ([A-Z]{4}-[A-Z]{4})\n/;

// The whole of `flock login --web`: the real CLI polls while Chromium signs in, opens the printed page and approves.
describe.skipIf(!hasChromium)('flock login --web, approved in Chromium', () => {
  let registry: TestRegistry;
  let browser: Browser;
  let page: Page;
  let dir: { path: string; cleanup(): Promise<void> };
  let n = 0;
  /** Every CLI started, so a failed test leaves none polling. */
  const started: Array<{ signal(name: NodeJS.Signals): void; result: Promise<unknown> }> = [];
  /** Chromium's console errors: whatever the Content-Security-Policy blocks is reported there. */
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    registry = await createTestRegistry({ FLOCK_DEVICE_POLL_INTERVAL: '1' });
    dir = await tempDir();
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  });
  afterAll(async () => {
    for (const cli of started) cli.signal('SIGKILL');
    await Promise.all(started.map((cli) => cli.result));
    await browser?.close();
    await registry?.close();
    await dir?.cleanup();
  });

  async function startLogin() {
    const home = join(dir.path, `home-${++n}`);
    const env = { HOME: home, FLOCK_REGISTRY: registry.url };
    const cli = await startFlock(['login', '--web'], { cwd: dir.path, env });
    started.push(cli);
    const [, url, userCode] = await cli.stderrMatch(PROMPT);
    return { cli, url: url!, userCode: userCode!, env, credentials: join(home, '.kestrel', 'credentials') };
  }

  it('the printed page asks to sign in first and comes back to the code; the ticked scopes are the new token\'s; flock whoami works with it', async () => {
    const { cli, url, userCode, env, credentials } = await startLogin();
    await page.goto(url);
    await page.waitForURL(/\/login\?next=/);
    await page.fill('#signup-username', 'heidi');
    await page.fill('#signup-password', 'a long enough password');
    await page.click('#signup-submit');
    await page.waitForURL(url);
    expect(await page.locator('#user-code').textContent()).toBe(userCode);
    expect(await page.locator('#device-name').textContent()).toMatch(/^flock on \S+/);
    // The defaults are those of flock token create; untick yank, tick manage.
    await page.uncheck('input[name=scopes][value=yank]');
    await page.check('input[name=scopes][value=manage]');
    await page.click('#approve');
    await expect(page.locator('#result').textContent()).resolves.toContain('is signed in as heidi');
    // The page's one stylesheet applied (allowed by its hash) and nothing was blocked.
    expect(await page.evaluate("getComputedStyle(document.querySelector('.card')).borderRadius")).toBe('10px');
    expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);

    const result = await cli.result;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Logged in as heidi; token saved to ${credentials}\n`);
    expect((await stat(credentials)).mode & 0o777).toBe(0o600);
    expect(await runFlock(['whoami'], { cwd: dir.path, env })).toMatchObject({ code: 0, stdout: 'heidi\n  heidi (owner)\n' });
    // manage was ticked, so this token may list the account's tokens: its own, with the ticked scopes.
    const list = await runFlock(['token', 'list'], { cwd: dir.path, env });
    expect(list.code).toBe(0);
    expect(list.lines[1]).toMatch(/ flock on \S+ +publish,read,manage /);
  });

  it('typed by hand on the page, then denied: the CLI says so in one line and exits 1', async () => {
    const { cli, userCode, credentials } = await startLogin();
    await page.goto(`${registry.url}/device`);
    await page.fill('#device-code', userCode.toLowerCase());
    await page.click('#continue');
    await page.click('#deny');
    await expect(page.locator('#result').textContent()).resolves.toContain('was not signed in');
    const result = await cli.result;
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').at(-1)).toBe('The sign-in was denied in the browser; nothing was saved.');
    await expect(stat(credentials)).rejects.toThrow(/ENOENT/);
  });
});
