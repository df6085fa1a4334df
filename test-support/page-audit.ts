import { readFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

export const WIDTHS = [320, 390, 768, 1280] as const;
export const SCHEMES = ['light', 'dark'] as const;
/** What axe-core must find nothing of. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'best-practice'];
export const SCREENSHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '../test-artifacts/screenshots');

let axeSource: Promise<string> | undefined;
const axe = () => (axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));

// Page code is passed as strings: the tests are type-checked without the DOM's types.
const OVERFLOW = `(() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  // The deepest elements that stick out, to say what to fix.
  const out = [...document.body.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > width + 0.5 && ![...e.children].some((k) => k.getBoundingClientRect().right > width + 0.5));
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  return 'scrollWidth ' + document.documentElement.scrollWidth + ' > ' + width + ': ' + out.slice(0, 4).map(name).join(', ');
})()`;

const RUN_AXE = `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} }, resultTypes: ['violations'] })
  .then((r) => r.violations.map((v) => v.id + ' (' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ') + ')'))`;

const WATCH_CSP = "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.effectiveDirective + ' ' + e.blockedURI));";

/** A URL, or what opens a page only a form reaches (a refused sign-up, a fresh token). */
export type Target = string | ((page: Page) => Promise<unknown>);
const open = (page: Page, target: Target) => (typeof target === 'string' ? page.goto(target) : target(page));

/**
 * Opens `target` in `page` and checks it at every width of WIDTHS in the light and the dark scheme:
 * nothing scrolls sideways, axe-core finds no violation of AXE_TAGS; a screenshot of each goes to
 * test-artifacts/screenshots/<name>-<width>-<scheme>.png. Then the same target, opened in a context
 * with the Content-Security-Policy enforced (and the same cookies), must load with no violation.
 *
 * `page` must come from a context made with `bypassCSP: true`: axe-core is injected as an inline
 * script, which the pages' policy rightly refuses. Returns every problem found, one line each
 * (expect it to equal []), so one run shows all of them.
 */
export async function auditPage(page: Page, target: Target, name: string): Promise<string[]> {
  const problems: string[] = [];
  await mkdir(SCREENSHOTS, { recursive: true });
  await open(page, target);
  await page.addScriptTag({ content: await axe() });
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      const at = `${name} ${width}px ${scheme}`;
      const overflow = (await page.evaluate(OVERFLOW)) as string | null;
      if (overflow !== null) problems.push(`${at}: scrolls sideways: ${overflow}`);
      for (const violation of (await page.evaluate(RUN_AXE)) as string[]) problems.push(`${at}: axe ${violation}`);
      await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}-${scheme}.png`), fullPage: true });
    }
  }
  problems.push(...(await cspProblems(page, target, name)));
  return problems;
}

/** `target` with the policy on, as a visitor's browser has it: what it blocked, and Chromium's console errors about it. */
async function cspProblems(page: Page, target: Target, name: string): Promise<string[]> {
  const browser = page.context().browser();
  if (browser === null) throw new Error('auditPage needs a page of a launched browser');
  const context = await browser.newContext({ storageState: await page.context().storageState() });
  try {
    await context.addInitScript({ content: WATCH_CSP });
    const strict = await context.newPage();
    const logged: string[] = [];
    strict.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/.test(message.text())) logged.push(message.text());
    });
    await open(strict, target);
    // Violation events are queued: let any fire before looking.
    await strict.waitForTimeout(50);
    const seen = (await strict.evaluate('window.__csp')) as string[];
    return [...seen, ...logged].map((v) => `${name}: CSP blocked ${v}`);
  } finally {
    await context.close();
  }
}
