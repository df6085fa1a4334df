import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_SCHEMA, packArchive, parseManifest, renderManifest } from '@flock/core';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { COPY_SCRIPT } from '../src/routes/web/account-page.js';

const HOSTILE_README = `# Evil

<script>alert("readme")</script>
<img src="x.png" onerror="alert('img')">
[click](javascript:alert('link'))
<a href="JaVaScRiPt:alert('mixed')">mixed</a>
<iframe src="https://evil.example"></iframe>
<p onclick="alert('p')">kept without its handler</p>

Some **bold** text.
`;

describe('package pages', () => {
  let registry: TestRegistry;
  let token: string;

  async function publish(version: string, readme: string, docItems: Array<{ name: string; doc: string }> = []) {
    const manifest = renderManifest(parseManifest(`[package]\nname = "pages"\nversion = "${version}"\norg = "acme"\ndescription = "A <b>page</b> test"\nrepository = "javascript:alert(9)"\n`));
    const archive = await packArchive({ root: `pages-${version}`, entries: [{ path: 'flock.toml', bytes: Buffer.from(manifest) }, { path: 'README.md', bytes: Buffer.from(readme) }] });
    const headers = { authorization: `Bearer ${token}` };
    expect((await fetch(`${registry.url}/api/v1/packages/acme/pages/${version}`, { method: 'PUT', body: archive, headers })).status).toBe(200);
    const docs = {
      schema: DOCS_SCHEMA,
      package: { org: 'acme', name: 'pages', version },
      modules: [{ name: 'pages', path: 'src/pages.ks', doc: 'Module <script>alert(1)</script> doc', items: docItems.map((i, n) => ({ kind: 'fn', name: i.name, signature: `pub fn ${i.name}<T>()`, doc: i.doc, line: n + 1, members: [] })) }],
    };
    expect((await fetch(`${registry.url}/api/v1/packages/acme/pages/${version}/docs`, { method: 'PUT', body: JSON.stringify(docs), headers })).status).toBe(200);
  }

  beforeAll(async () => {
    registry = await createTestRegistry();
    token = await registry.createUser('acme');
    await publish('1.0.0', '# Old\n\nThe first version.\n', [{ name: 'old_fn', doc: 'Old.' }]);
    await publish('1.1.0', HOSTILE_README, [{ name: 'safe', doc: 'Fine [x](javascript:alert(2)) <img src=y onerror=alert(3)>' }]);
  });
  afterAll(() => registry?.close());

  const page = async (path: string) => {
    const response = await fetch(`${registry.url}${path}`);
    return { status: response.status, type: response.headers.get('content-type'), html: await response.text() };
  };

  it('sanitizes the README and the docs: no script, event handler or javascript: URL survives', async () => {
    const { status, html } = await page('/flock/acme/pages');
    expect(status).toBe(200);
    expect(html).toContain('<p>kept without its handler</p>');
    expect(html).toContain('Some <strong>bold</strong> text.');
    // The registry's own copy script (the Install card's, allowed by its hash) is the one script there.
    const own = `<script>${COPY_SCRIPT}</script>`;
    expect(html).toContain(own);
    const body = html.slice(html.indexOf('<main>')).replace(own, '');
    expect(body).not.toMatch(/<script/i);
    expect(body).not.toMatch(/<iframe/i);
    expect(body).not.toMatch(/\son[a-z]+\s*=/i);
    // javascript: may remain as visible text (inside an HTML block Markdown is not parsed), never as a URL.
    expect(body).not.toMatch(/(href|src|action)\s*=\s*["']?\s*javascript:/i);
    expect(body).toContain('<a rel="nofollow noopener">mixed</a>');
    // The manifest's repository is shown, but as text: it is not an http(s) URL.
    expect(body).toContain('<code>javascript:alert(9)</code>');
    expect(body).toContain('A &lt;b&gt;page&lt;/b&gt; test');
    expect(body).toContain('<span class="hljs-title">safe</span>&lt;<span class="hljs-type">T</span>&gt;()');
    expect(body).toContain('id="pages.safe"');
    expect(body).toContain('href="#pages.safe"');
  });

  it('shows the newest version by default and an older one at its own URL', async () => {
    expect((await page('/flock/acme/pages')).html).toContain('<span class="badge" id="version">1.1.0</span>');
    const old = await page('/flock/acme/pages/1.0.0');
    expect(old.status).toBe(200);
    expect(old.html).toContain('<span class="badge" id="version">1.0.0</span>');
    expect(old.html).toContain('The first version.');
    expect(old.html).toContain('id="pages.old_fn"');
    expect(old.html).toContain('newest is <a href="/flock/acme/pages">1.1.0</a>');
  });

  it.each(['/flock/acme/missing', '/flock/acme/pages/9.9.9', '/flock/nobody/pages'])('answers %s with an HTML 404', async (path) => {
    const { status, type, html } = await page(path);
    expect(status).toBe(404);
    expect(type).toMatch(/^text\/html/);
    expect(html).toContain('<h1>Not found</h1>');
  });

  it('answers a bad name in the URL with an HTML 400', async () => {
    const { status, html } = await page('/flock/acme/Bad_Name');
    expect(status).toBe(400);
    expect(html).toContain('Invalid package name');
  });

  it('lists recent public packages on the front page', async () => {
    const { html } = await page('/');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<a href="/flock/acme/pages">acme/pages</a>');
  });
});
