import { describe, it, expect } from 'vitest';
import { extractDocs } from './extract.js';
import { DOC_FORMATS, isDocFormat, type DocModel } from './model.js';
import {
  docsFileName,
  formatLabel,
  itemAnchor,
  renderDocsHtml,
  renderDocsMarkdown,
  writeDocsJson,
} from './writers.js';

const SOURCE = [
  '//! Tools for <b>things</b>.',
  '',
  '/// Parses text.',
  '///',
  '/// Returns `none` on <bad> input. <script>alert(1)</script>',
  'pub fn parse(text: String) -> Option<List<Int>> {',
  '}',
  '',
  '/// A point & more.',
  'pub struct Point { x: Int }',
].join('\n');

function model(): DocModel {
  return extractDocs(
    [
      { path: 'src/tools/text.ks', text: SOURCE },
      { path: 'src/geo.ks', text: '/// Origin.\npub const ORIGIN: Point = Point { x: 0 }' },
    ],
    { org: 'acme', name: 'tools', version: '2.1.0' },
  );
}

describe('formats', () => {
  it('maps each format to its file name and label', () => {
    expect(DOC_FORMATS).toEqual(['json', 'html', 'markdown']);
    expect(DOC_FORMATS.map(docsFileName)).toEqual(['docs.json', 'index.html', 'api.md']);
    expect(DOC_FORMATS.map(formatLabel)).toEqual(['Json', 'Html', 'Markdown']);
    expect(isDocFormat('html')).toBe(true);
    expect(isDocFormat('pdf')).toBe(false);
  });
});

describe('writeDocsJson', () => {
  it('writes pretty JSON with a trailing newline', () => {
    const json = writeDocsJson(model());
    expect(json.endsWith('}\n')).toBe(true);
    expect(json).toContain('\n  "schema": "flock-docs/2",\n');
    expect(JSON.parse(json)).toEqual(model());
  });
});

describe('renderDocsHtml', () => {
  const docs = model();
  const html = renderDocsHtml(docs);

  it('is a complete HTML5 document titled with the package', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<title>acme/tools 2.1.0 API docs</title>');
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('gives every item an anchor module.name', () => {
    const text = docs.modules.find((m) => m.name === 'tools.text')!;
    expect(itemAnchor(text, text.items[0]!)).toBe('tools.text.parse');
    expect(html).toContain('id="tools.text.parse"');
    expect(html).toContain('id="tools.text.Point"');
    expect(html).toContain('id="geo.ORIGIN"');
    expect(html).toContain('href="#tools.text.parse"');
  });

  it('escapes and highlights signatures and renders docs through the sanitizer', () => {
    expect(html).toContain(
      '<pre><code class="hljs language-kestrel"><span class="hljs-keyword">pub</span> <span class="hljs-keyword">fn</span> <span class="hljs-title">parse</span>(text: <span class="hljs-type">String</span>) -&gt; <span class="hljs-type">Option</span>&lt;<span class="hljs-type">List</span>&lt;<span class="hljs-type">Int</span>&gt;&gt;</code></pre>',
    );
    expect(html).toMatch(/\.hljs-keyword\{color:/);
    expect(html).toContain('<p>A point &amp; more.</p>');
    expect(html).toContain('<code>none</code>');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('alert(1)');
    expect(html).not.toContain('<bad>');
  });

  it('escapes package and module text it writes itself', () => {
    const evil: DocModel = {
      ...docs,
      package: { name: '<x>', version: '"1"' },
      modules: [{ name: 'm"><script>', path: 'src/m.ks', doc: '', items: [] }],
    };
    const out = renderDocsHtml(evil);
    expect(out).toContain('<title>&lt;x&gt; &quot;1&quot; API docs</title>');
    expect(out).not.toContain('<script>');
  });
});

describe('renderDocsMarkdown', () => {
  it('has package, module and item headings with fenced signatures', () => {
    const md = renderDocsMarkdown(model());
    expect(md.startsWith('# acme/tools 2.1.0\n')).toBe(true);
    expect(md).toContain('\n## geo\n');
    expect(md).toContain('\n## tools.text\n\nTools for <b>things</b>.\n');
    expect(md).toContain('\n### fn parse\n\n```kestrel\npub fn parse(text: String) -> Option<List<Int>>\n```\n\nParses text.\n\nReturns');
    expect(md).toContain('\n### struct Point\n');
    expect(md).toContain('\n### const ORIGIN\n');
    expect(md.indexOf('## geo')).toBeLessThan(md.indexOf('## tools.text'));
    expect(md.endsWith('A point & more.\n')).toBe(true);
  });

  it('omits the org when there is none and keeps fences intact around backticks', () => {
    const docs: DocModel = {
      schema: 'flock-docs/2',
      package: { name: 'solo', version: '0.1.0' },
      modules: [{ name: 'm', path: 'src/m.ks', doc: '', items: [{ kind: 'fn', name: 'f', signature: 'fn f(s: ```)', doc: '', line: 2, members: [] }] }],
    };
    const md = renderDocsMarkdown(docs);
    expect(md.startsWith('# solo 0.1.0\n')).toBe(true);
    expect(md).toContain('````kestrel\nfn f(s: ```)\n````');
  });

  it('lists a struct\'s fields and an enum\'s variants under the item, in HTML and Markdown', () => {
    const docs: DocModel = {
      schema: 'flock-docs/2',
      package: { name: 'shapes', version: '0.1.0' },
      modules: [{ name: 'm', path: 'src/m.ks', doc: '', items: [
        { kind: 'struct', name: 'P', signature: 'pub struct P', doc: '', line: 1, members: [{ name: 'x', signature: 'x: Int', doc: 'Across.', line: 2 }] },
        { kind: 'enum', name: 'S', signature: 'pub enum S', doc: '', line: 4, members: [{ name: 'Tick', signature: 'Tick(`a`)', doc: '', line: 5 }] },
      ] }],
    };
    const html = renderDocsHtml(docs);
    const code = (inner: string) => `<code class="hljs language-kestrel">${inner}</code>`;
    expect(html).toContain(`<h4>Fields</h4>\n<ul class="members"><li>${code('x: <span class="hljs-type">Int</span>')}<div class="doc"><p>Across.</p>\n</div></li></ul>`);
    expect(html).toContain(`<h4>Variants</h4>\n<ul class="members"><li>${code('<span class="hljs-type">Tick</span>(`a`)')}</li></ul>`);
    const md = renderDocsMarkdown(docs);
    expect(md).toContain('Fields:\n\n- `x: Int`: Across.');
    expect(md).toContain('Variants:\n\n- `` Tick(`a`) ``');
  });
});
