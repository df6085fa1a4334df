import { describe, it, expect } from 'vitest';
import { HighlightBudget } from './highlight.js';
import { renderDocMarkdown, renderMarkdown } from './markdown.js';

describe('renderMarkdown', () => {
  it('renders GFM: headings, code blocks with a language class, tables, links', () => {
    const html = renderMarkdown('# Title\n\n## Sub\n\n```kestrel\nfn f() {}\n```\n\n|a|b|\n|-|-|\n|1|2|\n\n[site](https://example.com)');
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<h2>Sub</h2>');
    expect(html).toContain('<pre><code class="hljs language-kestrel"><span class="hljs-keyword">fn</span> <span class="hljs-title">f</span>() {}');
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

  it('highlights ```kestrel and ```ks blocks', () => {
    const html = renderMarkdown('```kestrel\n/// Doc.\nlet x = "s" // c\n```\n\n```ks\npub fn f() {}\n```');
    expect(html).toContain(
      '<pre><code class="hljs language-kestrel"><span class="hljs-comment">/// Doc.</span>\n<span class="hljs-keyword">let</span> x = <span class="hljs-string">"s"</span> <span class="hljs-comment">// c</span>\n</code></pre>',
    );
    expect(html).toContain('<pre><code class="hljs language-ks"><span class="hljs-keyword">pub</span> <span class="hljs-keyword">fn</span> <span class="hljs-title">f</span>() {}\n</code></pre>');
  });

  it('highlights TOML, shell and JSON, and leaves other and unlabelled blocks plain in READMEs', () => {
    const html = renderMarkdown('```toml\n[package]\n```\n\n```sh\necho hi\n```\n\n```json\n{"a": 1}\n```\n\n```python\ndef f(): pass\n```\n\n```\nfn f() {}\n```');
    expect(html).toContain('<code class="hljs language-toml"><span class="hljs-section">[package]</span>');
    expect(html).toContain('<code class="hljs language-sh"><span class="hljs-built_in">echo</span> hi');
    expect(html).toContain('<code class="hljs language-json"><span class="hljs-punctuation">{</span><span class="hljs-attr">"a"</span>');
    expect(html).toContain('<pre><code class="language-python">def f(): pass\n</code></pre>');
    expect(html).toContain('<pre><code>fn f() {}\n</code></pre>');
  });

  it('reads unlabelled blocks in doc comments as Kestrel', () => {
    expect(renderDocMarkdown('Example:\n\n```\nlet c = mix(a, b, 0.5)\n```')).toContain(
      '<pre><code class="hljs language-kestrel"><span class="hljs-keyword">let</span> c = mix(a, b, <span class="hljs-number">0.5</span>)\n</code></pre>',
    );
    expect(renderDocMarkdown('```toml\n[package]\n```')).toContain('<code class="hljs language-toml">');
  });

  it('keeps hostile content inside highlighted code blocks escaped', () => {
    const html = renderMarkdown(
      [
        '```kestrel',
        'let s = "</code></pre><script>alert(1)</script>"',
        '// <img src=x onerror=alert(2)> <a href="javascript:alert(3)">x</a>',
        'fn f() { \'<\' } <style>body{display:none}</style>',
        '```',
        '',
        '```ks title="</code><script>alert(4)</script>"',
        'fn g() {}',
        '```',
        '',
        '```sh',
        'echo "<iframe src=https://evil.example>"',
        '```',
      ].join('\n'),
    );
    expect(html).not.toMatch(/<script|<img|<a |<style|<iframe/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('&lt;style&gt;');
    expect(html).toContain('&lt;iframe src=https://evil.example&gt;');
    expect(html).not.toContain('alert(4)');
    // Only the three highlighted blocks: the text never closed one early.
    expect(html.match(/<pre>/g)).toHaveLength(3);
    expect(html.match(/<\/pre>/g)).toHaveLength(3);
  });

  it('keeps only hljs-* token classes on spans, and nothing else of them', () => {
    const html = renderMarkdown('<span class="hljs-keyword btn" style="color:red" onclick="alert(1)" id="x">a</span> <span class="hljs-keyword" title="t">b</span> <span class="HLJS-x hljs-1 hljs-">c</span> <span class="card">d</span>');
    expect(html).toBe('<p><span class="hljs-keyword">a</span> <span class="hljs-keyword">b</span> <span>c</span> <span>d</span></p>\n');
  });

  it('highlights at most a budget of code per rendering, the rest plain and escaped', () => {
    const big = `let s = "<b>"\n${'x = 1\n'.repeat(HighlightBudget.DEFAULT_CHARS / 6)}`;
    const html = renderMarkdown(`\`\`\`ks\nfn small() {}\n\`\`\`\n\n\`\`\`ks\n${big}\`\`\``);
    expect(html).toContain('<span class="hljs-title">small</span>');
    expect(html).toContain('<pre><code class="hljs language-ks">let s = "&lt;b&gt;"\nx = 1\n');
    expect(html.match(/<span/g)).toHaveLength(2);
    // Doc comments of one page share one budget.
    const budget = new HighlightBudget(8);
    expect(renderDocMarkdown('```\nlet a\n```', budget)).toContain('<span class="hljs-keyword">let</span> a');
    expect(renderDocMarkdown('```\nlet b\n```', budget)).toContain('<code class="hljs language-kestrel">let b\n</code>');
  });
});
