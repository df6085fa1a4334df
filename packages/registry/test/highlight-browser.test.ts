import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_SCHEMA, packArchive, parseManifest, renderManifest } from '@flock/core';
import { hasChromium, launchBrowser } from '../../../test-support/browser.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

const README = `# colours

\`\`\`kestrel
/// Doc comment.
pub fn mix(a: Rgb, t: Float) -> Rgb { some("text") }
#[inline]
let n = 255
\`\`\`
`;

// In the page: every highlighted token's colour, the variable it should come from, the colour of
// plain code text, and its WCAG contrast on the block's own background. (A string: the tests are
// type-checked without the DOM's types.)
const TOKENS = `(() => {
  const rgb = (value) => (value.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  const luminance = (value) => rgb(value).map((c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const contrast = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const probe = document.createElement('span');
  document.body.append(probe);
  const resolve = (variable) => { probe.style.color = 'var(' + variable + ')'; return getComputedStyle(probe).color; };
  const code = document.querySelector('#readme pre code.hljs');
  const background = getComputedStyle(code.closest('pre')).backgroundColor;
  const tokens = Array.from(code.querySelectorAll('span[class^="hljs-"]')).map((span) => {
    const scope = span.className.replace('hljs-', '');
    const variable = '--hl-' + ({ literal: 'number', code: 'comment' }[scope] || scope);
    const color = getComputedStyle(span).color;
    return { scope, color, expected: resolve(variable), ratio: Math.round(contrast(color, background) * 100) / 100 };
  });
  probe.remove();
  return { plain: getComputedStyle(code).color, background, tokens, signature: document.querySelector('#api pre code.hljs .hljs-title') ? getComputedStyle(document.querySelector('#api pre code.hljs .hljs-title')).color : null };
})()`;

interface Seen {
  plain: string;
  background: string;
  tokens: Array<{ scope: string; color: string; expected: string; ratio: number }>;
  signature: string | null;
}

describe.skipIf(!hasChromium)('highlighted code in Chromium, under the Content-Security-Policy', () => {
  let registry: TestRegistry;
  let browser: Browser;

  beforeAll(async () => {
    registry = await createTestRegistry();
    const token = await registry.createUser('acme');
    const headers = { authorization: `Bearer ${token}` };
    const manifest = renderManifest(parseManifest('[package]\nname = "colours"\nversion = "1.0.0"\norg = "acme"\n'));
    const archive = await packArchive({ root: 'colours-1.0.0', entries: [{ path: 'flock.toml', bytes: Buffer.from(manifest) }, { path: 'README.md', bytes: Buffer.from(README) }] });
    expect((await fetch(`${registry.url}/api/v1/packages/acme/colours/1.0.0`, { method: 'PUT', body: archive, headers })).status).toBe(200);
    const docs = { schema: DOCS_SCHEMA, package: { org: 'acme', name: 'colours', version: '1.0.0' }, modules: [{ name: 'colours', path: 'src/colours.ks', doc: '', items: [{ kind: 'fn', name: 'mix', signature: 'pub fn mix(a: Rgb) -> Rgb', doc: 'Mixes.', line: 1, members: [] }] }] };
    expect((await fetch(`${registry.url}/api/v1/packages/acme/colours/1.0.0/docs`, { method: 'PUT', body: JSON.stringify(docs), headers })).status).toBe(200);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await registry?.close();
  });

  async function open(colorScheme: 'light' | 'dark'): Promise<{ seen: Seen; violations: string[] }> {
    const context = await browser.newContext({ colorScheme });
    try {
      await context.addInitScript({ content: "window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.effectiveDirective + ' ' + e.blockedURI));" });
      const page = await context.newPage();
      const response = await page.goto(`${registry.url}/flock/acme/colours`);
      expect(response?.headers()['content-security-policy']).toMatch(/style-src [^;]*'sha256-/);
      return { seen: (await page.evaluate(TOKENS)) as Seen, violations: (await page.evaluate('window.__violations')) as string[] };
    } finally {
      await context.close();
    }
  }

  it('colours every token from its variable, readable (4.5:1) on the code background, in light mode', async () => {
    const { seen, violations } = await open('light');
    expect(violations).toEqual([]);
    expect(seen.tokens.map((t) => t.scope).sort()).toEqual(['comment', 'keyword', 'keyword', 'keyword', 'literal', 'meta', 'number', 'string', 'title', 'type', 'type', 'type']);
    for (const token of seen.tokens) {
      expect(token.color, token.scope).toBe(token.expected);
      expect(token.color, token.scope).not.toBe(seen.plain);
      expect(token.ratio, `${token.scope} ${token.color} on ${seen.background}`).toBeGreaterThanOrEqual(4.5);
    }
    expect(seen.tokens.find((t) => t.scope === 'keyword')!.color).toBe('rgb(162, 28, 175)');
    // The API reference's signature too.
    expect(seen.signature).toBe(seen.tokens.find((t) => t.scope === 'title')!.color);
  });

  it('switches to the dark variants under prefers-color-scheme: dark', async () => {
    const { seen: light } = await open('light');
    const { seen: dark, violations } = await open('dark');
    expect(violations).toEqual([]);
    expect(dark.tokens.find((t) => t.scope === 'keyword')!.color).toBe('rgb(224, 163, 255)');
    for (const [i, token] of dark.tokens.entries()) {
      expect(token.color, token.scope).toBe(token.expected);
      expect(token.color, token.scope).not.toBe(light.tokens[i]!.color);
    }
  });
});
