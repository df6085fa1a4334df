import { describe, expect, it } from 'vitest';
import { STYLE } from './layout.js';

// WCAG 2.1 relative luminance and contrast ratio.
function luminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  const [r, g, b] = [n >> 16, (n >> 8) & 255, n & 255].map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high! + 0.05) / (low! + 0.05);
}

/** `--name:#rrggbb` declarations in a piece of CSS. */
function variables(css: string): Map<string, string> {
  return new Map(Array.from(css.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})\b/gi), (m) => [m[1]!, m[2]!.toLowerCase()]));
}

/** The bodies of the `@media (prefers-color-scheme: dark)` blocks (braces balanced). */
function darkBlocks(css: string): string[] {
  const blocks: string[] = [];
  for (const match of css.matchAll(/@media\s*\(prefers-color-scheme:\s*dark\)\s*\{/g)) {
    let depth = 1;
    let i = match.index + match[0].length;
    const start = i;
    for (; i < css.length && depth > 0; i++) depth += css[i] === '{' ? 1 : css[i] === '}' ? -1 : 0;
    blocks.push(css.slice(start, i - 1));
  }
  return blocks;
}

const p5 = STYLE.slice(STYLE.indexOf('/* P5: highlighting */'));
// The first :root rule is the light scheme's.
const lightCode = /:root\s*\{[^}]*--code:\s*(#[0-9a-f]{6})\b/i.exec(STYLE)?.[1]?.toLowerCase() ?? 'none';
const light = new Map([...variables(p5.replace(/@media[^{]*\{[^}]*\{[^}]*\}\s*\}/g, ''))].filter(([name]) => name.startsWith('hl-')));
const dark = new Map([...variables(darkBlocks(p5).join('\n'))].filter(([name]) => name.startsWith('hl-')));
// P1 gives --code its dark value; until its rules are here, the colours must hold on the range of
// dark code backgrounds sites use (GitHub's, One Dark's), up to a lighter grey.
const darkCodes = darkBlocks(STYLE).flatMap((block) => variables(block).get('code') ?? []);
const darkBackgrounds = darkCodes.length > 0 ? darkCodes : ['#0d1117', '#161b22', '#1e222a', '#282c34', '#2d333b', '#30363d'];

describe('the highlighting colours', () => {
  it('are the P5 section at the end of the stylesheet, all through variables with a dark variant', () => {
    expect(STYLE.indexOf('/* P5: highlighting */')).toBeGreaterThan(0);
    expect(lightCode).toMatch(/^#[0-9a-f]{6}$/);
    expect([...light.keys()].sort()).toEqual(['hl-comment', 'hl-keyword', 'hl-meta', 'hl-number', 'hl-string', 'hl-title', 'hl-type']);
    expect([...dark.keys()].sort()).toEqual([...light.keys()].sort());
    const rules = Array.from(p5.matchAll(/(\.hljs-[^{]+)\{([^}]*)\}/g));
    expect(rules.length).toBeGreaterThanOrEqual(7);
    for (const [, selector, body] of rules) expect(body, selector).toMatch(/^\s*color:var\(--hl-[a-z]+\);/);
    for (const scope of ['keyword', 'string', 'comment', 'number', 'type', 'title', 'literal', 'meta', 'code', 'attr', 'section', 'built_in']) {
      expect(p5, scope).toMatch(new RegExp(`\\.hljs-${scope}[ ,{]`));
    }
  });

  it('have at least 4.5:1 contrast on var(--code) in light mode', () => {
    for (const [name, colour] of light) expect(contrast(colour, lightCode), name).toBeGreaterThanOrEqual(4.5);
  });

  it('have at least 4.5:1 contrast on var(--code) in dark mode', () => {
    for (const background of darkBackgrounds) {
      for (const [name, colour] of dark) expect(contrast(colour, background), `${name} on ${background}`).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('would catch a colour too faint to read', () => {
    expect(contrast('#9aa0a6', lightCode)).toBeLessThan(4.5);
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
  });
});
