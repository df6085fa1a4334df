import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser } from '../../../test-support/browser.js';
import { copyExample, runFlock, tempDir } from '../../../test-support/cli.js';
import { startFakeGithub, type FakeGithub } from '../../../test-support/fake-github.js';
import { publishProject } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test-artifacts');

// Seed 003, Step 1 in a real browser: sign in with (a fake) GitHub, New token, publish with it, rotate, revoke.
describe.skipIf(!hasChromium)('the account page in Chromium, signed in with GitHub', () => {
  let github: FakeGithub;
  let registry: TestRegistry;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let dir: { path: string; cleanup(): Promise<void> };
  let palette: string;
  let home: string;
  let firstToken = '';
  let rotatedToken = '';
  const env = (token: string) => ({ HOME: home, FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: token, FLOCK_ORG: 'octo-cat' });

  beforeAll(async () => {
    github = await startFakeGithub();
    github.signInAs({ id: 583231, login: 'Octo-Cat' });
    registry = await createTestRegistry(github.env);
    dir = await tempDir();
    home = join(dir.path, 'home');
    await mkdir(home);
    await mkdir(ARTIFACTS, { recursive: true });
    palette = await copyExample('palette', dir.path);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await registry?.close();
    await github?.close();
    await dir?.cleanup();
  });

  it('the front page offers "Sign in with GitHub", which signs in and lands on the account page', async () => {
    await page.goto(registry.url);
    await expect(page.locator('#sign-in-methods').textContent()).resolves.toContain('Sign in with GitHub.');
    await page.getByText('Sign in with GitHub', { exact: true }).click();
    await page.waitForURL(`${registry.url}/account`);
    expect(await page.locator('h1').textContent()).toBe('octo-cat');
    const cookie = (await context.cookies(registry.url)).find((c) => c.name === 'flock_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });
  });

  it('the first sign-in created the personal org "octo-cat", owned by the user', async () => {
    await page.locator('a.org-link', { hasText: 'octo-cat' }).click();
    await page.waitForURL(`${registry.url}/flock/octo-cat`);
    expect(await page.locator('#role').textContent()).toBe('you: owner');
    expect(await page.locator('#members [data-member="octo-cat"]').textContent()).toContain('owner');
  });

  it('New token shows a flock_… token once, which publishes palette with the real flock binary', async () => {
    await page.goto(`${registry.url}/account`);
    await page.fill('#token-name', 'laptop');
    // The form ticks only read: publishing is asked for on purpose.
    expect(await page.locator('input[name=scopes]:checked').evaluateAll((boxes) => boxes.map((b) => (b as unknown as { value: string }).value))).toEqual(['read']);
    await page.check('input[name=scopes][value=publish]');
    await page.check('input[name=scopes][value=yank]');
    await page.click('#new-token-button');
    firstToken = (await page.locator('#token-value').textContent()) ?? '';
    expect(firstToken).toMatch(/^flock_[0-9A-Za-z]{38}$/);
    expect(await page.locator('#copy-token').textContent()).toBe('Copy');
    await page.screenshot({ path: join(ARTIFACTS, 'account-new-token.png'), fullPage: true });

    const published = await publishProject(palette, env(firstToken));
    expect(published.stderr).toBe('');
    expect(published.lines[2]).toMatch(/^\{"ok":true,"checksum":"sha256:[0-9a-f]{64}"\}$/);
    expect(published.code).toBe(0);

    // Reloaded, the page lists the token (used today) and never its secret again.
    await page.goto(`${registry.url}/account`);
    expect(await page.content()).not.toContain(firstToken);
    const row = page.locator('tr[data-token-name="laptop"]');
    expect(await row.textContent()).toContain('publish, yank, read');
    expect(await row.locator('td').nth(4).textContent()).toBe(new Date().toISOString().slice(0, 10));
    expect(await page.locator('.events').textContent()).toContain('Published: octo-cat/palette@0.1.0');
    await page.screenshot({ path: join(ARTIFACTS, 'account-page.png'), fullPage: true });
  });

  it('Rotate gives a new secret; the old one now gets {"error":"Invalid token"}', async () => {
    await page.locator('tr[data-token-name="laptop"] button', { hasText: 'Rotate' }).click();
    rotatedToken = (await page.locator('#token-value').textContent()) ?? '';
    expect(rotatedToken).toMatch(/^flock_/);
    expect(rotatedToken).not.toBe(firstToken);
    const old = await runFlock(['whoami'], { cwd: dir.path, env: env(firstToken) });
    expect(old.stderr.trim()).toBe('{"error":"Invalid token"}');
    expect(old.code).not.toBe(0);
    const fresh = await runFlock(['whoami'], { cwd: dir.path, env: env(rotatedToken) });
    expect(fresh.lines[0]).toBe('octo-cat');
  });

  it('Revoke stops the rotated token too', async () => {
    await page.goto(`${registry.url}/account`);
    await page.locator('tr[data-token-name="laptop"] button', { hasText: 'Revoke' }).click();
    await page.waitForURL(`${registry.url}/account`);
    expect(await page.locator('tr[data-token-name="laptop"]').count()).toBe(0);
    const revoked = await runFlock(['whoami'], { cwd: dir.path, env: env(rotatedToken) });
    expect(revoked.stderr.trim()).toBe('{"error":"Invalid token"}');
    const events = (await page.locator('.events').textContent()) ?? '';
    for (const action of ['Signed up: github:Octo-Cat', 'Created token: laptop', 'Rotated token: laptop', 'Revoked token: laptop']) expect(events).toContain(action);
  });

  it('the org page lists the package and, for its owner, the members and the audit log', async () => {
    await page.goto(`${registry.url}/flock/octo-cat`);
    expect(await page.locator('#packages').textContent()).toContain('octo-cat/palette');
    expect(await page.locator('.events').textContent()).toContain('Published: octo-cat/palette@0.1.0');
    await page.fill('#member-username', 'nobody-here');
    await page.click('#add-member button');
    expect(await page.locator('#error').textContent()).toBe('No user named "nobody-here"');
    await page.goto(`${registry.url}/flock/octo-cat`);
    await page.screenshot({ path: join(ARTIFACTS, 'org-page.png'), fullPage: true });
  });

  it('Sign out ends the session on the server', async () => {
    const before = (await context.cookies(registry.url)).find((c) => c.name === 'flock_session')!.value;
    await page.goto(`${registry.url}/account`);
    await page.click('#sign-out');
    await page.waitForURL(`${registry.url}/`);
    const replay = await fetch(`${registry.url}/api/v1/tokens`, { headers: { cookie: `flock_session=${before}` } });
    expect(replay.status).toBe(401);
    await page.goto(`${registry.url}/account`);
    expect(new URL(page.url()).pathname).toBe('/login');
  });
});

describe.skipIf(!hasChromium)('local accounts in Chromium (no GitHub app configured)', () => {
  let registry: TestRegistry;
  let browser: Browser;

  beforeAll(async () => {
    registry = await createTestRegistry();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await registry?.close();
  });

  it('the front page names the method; sign-up creates the personal org; sign-in checks the password', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(registry.url);
    expect(await page.locator('#sign-in-methods').textContent()).toContain('Sign in with a local username and password.');
    expect(await page.getByText('Sign in with GitHub').count()).toBe(0);
    await page.goto(`${registry.url}/account`);
    await page.fill('#signup-username', 'lena');
    await page.fill('#signup-password', 'correct horse battery');
    await page.click('#signup-submit');
    await page.waitForURL(`${registry.url}/account`);
    expect(await page.locator('h1').textContent()).toBe('lena');
    expect(await page.locator('a.org-link').textContent()).toBe('lena');
    await page.click('#sign-out');

    await page.goto(`${registry.url}/login`);
    await page.fill('#login-username', 'lena');
    await page.fill('#login-password', 'wrong password!');
    await page.click('#login-submit');
    expect(await page.locator('#error').textContent()).toBe('Wrong username or password');
    await page.fill('#login-username', 'lena');
    await page.fill('#login-password', 'correct horse battery');
    await page.click('#login-submit');
    await page.waitForURL(`${registry.url}/account`);
    const stored = await registry.db.selectFrom('users').select('password_hash').where('username', '=', 'lena').executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^scrypt\$/);
    expect(stored.password_hash).not.toContain('correct horse');
  });
});
