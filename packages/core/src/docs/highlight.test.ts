import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HighlightBudget, highlightCode, highlightKestrel, highlightLanguage } from './highlight.js';

const EXAMPLES = join(import.meta.dirname, '../../../../examples');
const palette = readFileSync(join(EXAMPLES, 'palette/src/palette.ks'), 'utf8');
const banner = readFileSync(join(EXAMPLES, 'banner/src/banner.ks'), 'utf8');

/** The text of every span with `scope`, in order. */
function spans(html: string, scope: string): string[] {
  return Array.from(html.matchAll(new RegExp(`<span class="hljs-${scope}">([^<]*)`, 'g')), (m) => m[1]!);
}

/** What a reader sees: the HTML without tags, entities decoded. */
function text(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&');
}

describe('the Kestrel grammar', () => {
  const html = highlightKestrel(palette);
  const bannerHtml = highlightKestrel(banner);

  it('keeps the source text exactly, only wrapped in spans', () => {
    expect(text(html)).toBe(palette);
    expect(text(bannerHtml)).toBe(banner);
  });

  it('marks keywords', () => {
    const keywords = new Set(spans(html, 'keyword'));
    for (const word of ['pub', 'struct', 'fn', 'let', 'if', 'else', 'return', 'or', 'const']) expect(keywords, word).toContain(word);
    expect(spans(bannerHtml, 'keyword')).toContain('use');
    // Not inside identifiers: `color` holds `or`, `text` is a parameter.
    expect(html).toContain('(color: <span class="hljs-type">Rgb</span>)');
    expect(html).not.toContain('<span class="hljs-keyword">text</span>');
  });

  it('marks the names declarations introduce: functions as titles, structs as types', () => {
    expect(spans(html, 'title')).toEqual(['parse_hex', 'to_hex', 'mix', 'luminance', 'hex2', 'lerp', 'linear']);
    expect(html).toContain('<span class="hljs-keyword">struct</span> <span class="hljs-type">Rgb</span>');
    expect(spans(bannerHtml, 'title')).toEqual(['render', 'ansi', 'reset']);
  });

  it('marks types, literals and numbers', () => {
    for (const type of ['String', 'U8', 'Float', 'Option', 'List', 'Palette']) expect(spans(html, 'type'), type).toContain(type);
    expect(spans(html, 'literal')).toEqual(expect.arrayContaining(['none', 'some']));
    for (const number of ['7', '16', '255', '0.2126', '0.04045', '2.4']) expect(spans(html, 'number'), number).toContain(number);
  });

  it('marks strings and characters, escapes included, and escapes their HTML', () => {
    expect(spans(html, 'string')).toEqual(expect.arrayContaining(['&#x27;#&#x27;', '&quot;#&quot;', '&quot;default&quot;', '&#x27;0&#x27;']));
    expect(spans(bannerHtml, 'string')).toEqual(expect.arrayContaining(['&quot;\\x1b[38;2;&quot;', '&quot;\\n= &quot;', '&quot;\\x1b[0m&quot;']));
  });

  it('marks comments, /// and //! doc comments among them, with `code` in doc comments', () => {
    const comments = spans(html, 'comment');
    expect(comments[0]).toBe('//! Colour palettes and conversions for terminal and web output.');
    expect(comments).toContain('/// An RGB colour with 8-bit channels.');
    expect(comments).toContain('// Two-digit lowercase hex for one channel; not part of the public API.');
    expect(html).toContain('<span class="hljs-comment">/// Parses a <span class="hljs-code">`#rrggbb`</span> hex string into a colour.</span>');
    // Nothing after `//` is read as code.
    expect(highlightKestrel('// fn x "y" 1')).toBe('<span class="hljs-comment">// fn x &quot;y&quot; 1</span>');
    expect(highlightKestrel('/* fn */ fn')).toBe('<span class="hljs-comment">/* fn */</span> <span class="hljs-keyword">fn</span>');
  });

  it('marks attributes', () => {
    expect(highlightKestrel('#[deprecated("use mix")]\nfn blend() {}')).toContain('<span class="hljs-meta">#[deprecated(<span class="hljs-string">&quot;use mix&quot;</span>)]</span>');
  });

  it('escapes HTML in code, whatever the grammar makes of it', () => {
    const html = highlightKestrel('fn f() -> String { "</code><script>alert(1)</script>" } <img src=x onerror=alert(1)>');
    expect(html).not.toMatch(/<(?!\/?span)/);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(');
    expect(text(html)).toContain('<img src=x onerror=alert(1)>');
  });

  it('knows Kestrel by its aliases, and TOML, shell and JSON, and nothing it did not load', () => {
    expect(highlightLanguage('kestrel')).toBe('kestrel');
    expect(highlightLanguage('KS')).toBe('ks');
    expect(highlightLanguage('toml')).toBe('toml');
    expect(highlightLanguage('sh')).toBe('sh');
    expect(highlightLanguage('json title="x"')).toBe('json');
    expect(highlightLanguage('python')).toBeUndefined();
    expect(highlightLanguage('')).toBeUndefined();
    expect(highlightCode('[package]\nname = "palette"', 'toml')).toBe('<span class="hljs-section">[package]</span>\n<span class="hljs-attr">name</span> = <span class="hljs-string">&quot;palette&quot;</span>');
  });

  it('shows code plain (escaped) once a budget is spent', () => {
    const budget = new HighlightBudget(20);
    expect(highlightKestrel('fn a() {}', budget)).toBe('<span class="hljs-keyword">fn</span> <span class="hljs-title">a</span>() {}');
    expect(highlightKestrel('fn <b>() {} fn c()', budget)).toBe('fn &lt;b&gt;() {} fn c()');
    // What did not fit was not spent: a smaller piece still fits.
    expect(highlightKestrel('let x', budget)).toBe('<span class="hljs-keyword">let</span> x');
    expect(new HighlightBudget().take('x'.repeat(HighlightBudget.DEFAULT_CHARS))).toBe(true);
    expect(new HighlightBudget().take('x'.repeat(HighlightBudget.DEFAULT_CHARS + 1))).toBe(false);
  });
});
