import { describe, it, expect } from 'vitest';
import { renderMarkdown } from './markdown.js';

describe('renderMarkdown', () => {
  it('renders GFM: headings, code blocks with a language class, tables, links', () => {
    const html = renderMarkdown('# Title\n\n## Sub\n\n```kestrel\nfn f() {}\n```\n\n|a|b|\n|-|-|\n|1|2|\n\n[site](https://example.com)');
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<h2>Sub</h2>');
    expect(html).toContain('<pre><code class="language-kestrel">fn f() {}');
    expect(html).toContain('<table>');
    expect(html).toContain('<a href="https://example.com" rel="nofollow noopener">site</a>');
  });

  it('allows images over http(s) but not data: URLs', () => {
    expect(renderMarkdown('![logo](https://example.com/a.png)')).toContain('<img src="https://example.com/a.png" alt="logo" />');
    expect(renderMarkdown('![x](data:image/png;base64,AAAA)')).not.toContain('data:');
  });

  it('removes <script> with its content', () => {
    const html = renderMarkdown('before <script>alert(1)</script> after\n\n<script>\nalert(2)\n</script>');
    expect(html).not.toMatch(/script/i);
    expect(html).not.toContain('alert');
  });

  it('removes event handlers from raw HTML', () => {
    const html = renderMarkdown('<img src="https://example.com/x.png" onerror="alert(1)">\n\n<div onclick="alert(2)">d</div>');
    expect(html).not.toMatch(/onerror|onclick|alert/i);
    expect(html).toContain('<img src="https://example.com/x.png" />');
  });

  it('removes javascript: links in Markdown and raw HTML, whatever the case or encoding', () => {
    for (const md of [
      '[x](javascript:alert(1))',
      '<a href="JaVaScRiPt:alert(1)">x</a>',
      '<a href="&#106;avascript:alert(1)">x</a>',
      '<a href=" javascript:alert(1)">x</a>',
      '[x](vbscript:msgbox(1))',
      '[x](data:text/html,<script>alert(1)</script>)',
    ]) {
      const html = renderMarkdown(md);
      expect(html, md).not.toMatch(/href|javascript|vbscript|data:|<script/i);
    }
  });

  it('keeps mailto links', () => {
    expect(renderMarkdown('[mail](mailto:a@example.com)')).toContain('href="mailto:a@example.com"');
  });

  it('removes iframes, styles, forms and svg', () => {
    const html = renderMarkdown(
      '<iframe src="https://evil.example"></iframe>\n\n<style>body{display:none}</style>\n\n<form action="https://evil.example"><input name="q"></form>\n\n<svg onload="alert(1)"></svg>',
    );
    expect(html).not.toMatch(/iframe|<style|display:none|<form|<input|<svg|onload/i);
  });

  it('drops id and style attributes and non-language classes', () => {
    const html = renderMarkdown('<code id="x" class="btn language-ks" style="color:red">c</code>\n\n<p id="y">p</p>');
    expect(html).toContain('<code class="language-ks">c</code>');
    expect(html).not.toMatch(/id=|style=|btn/);
  });

  it('overrides author-supplied rel on links', () => {
    expect(renderMarkdown('<a href="https://example.com" rel="opener">x</a>')).toContain('rel="nofollow noopener"');
    expect(renderMarkdown('<a href="https://example.com" rel="opener">x</a>')).not.toContain('rel="opener"');
  });
});
