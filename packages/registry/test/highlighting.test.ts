import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_SCHEMA, packArchive, parseManifest, renderManifest } from '@flock/core';
import { copyExample, publisherEnv, tempDir } from '../../../test-support/cli.js';
import { publishProject } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// examples/palette published with the real flock binary: its README's ```kestrel block, and its
// API reference's signatures and doc comments, come out of the registry highlighted.
describe('highlighted code on a published package page', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let html = '';
  let token = '';

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    const palette = await copyExample('palette', dir.path);
    const readme = join(palette, 'README.md');
    await writeFile(readme, `${await readFile(readme, 'utf8')}\n\`\`\`toml\n[dependencies]\n"your-name/palette" = "^0.1"\n\`\`\`\n\n\`\`\`kestrel\nlet s = "</code><script>alert(1)</script>"\n\`\`\`\n`);
    // A doc comment with an example in a fence that names no language: Kestrel, in Kestrel docs.
    const source = join(palette, 'src/palette.ks');
    await writeFile(source, (await readFile(source, 'utf8')).replace('/// Formats a colour', '/// ```\n/// let hex = to_hex(DEFAULT.colors[0])\n/// ```\n///\n/// Formats a colour'));
    const env = await publisherEnv(registry, dir.path);
    token = env.FLOCK_TOKEN!;
    const published = await publishProject(palette, env);
    expect(published.code, published.stderr).toBe(0);
    const response = await fetch(`${registry.url}/flock/your-name/palette`);
    expect(response.status).toBe(200);
    html = await response.text();
  });

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('highlights the README\'s Kestrel and TOML blocks', () => {
    expect(html).toContain('<pre><code class="hljs language-kestrel"><span class="hljs-keyword">use</span> your-name/palette\n\n<span class="hljs-keyword">let</span> accent = palette.parse_hex(<span class="hljs-string">"#ff8800"</span>)');
    expect(html).toContain('<pre><code class="hljs language-toml"><span class="hljs-section">[dependencies]</span>');
  });

  it('keeps what a README hides in a code block escaped', () => {
    expect(html).toContain('<span class="hljs-string">"&lt;/code&gt;&lt;script&gt;alert(1)&lt;/script&gt;"</span>');
    expect(html).not.toContain('<script>alert(1)');
  });

  it('highlights signatures in the API reference', () => {
    expect(html).toContain(
      '<code class="hljs language-kestrel"><span class="hljs-keyword">pub</span> <span class="hljs-keyword">fn</span> <span class="hljs-title">parse_hex</span>(text: <span class="hljs-type">String</span>) -&gt; <span class="hljs-type">Option</span>&lt;<span class="hljs-type">Rgb</span>&gt;</code>',
    );
    expect(html).toMatch(/<span class="hljs-keyword">struct<\/span> <span class="hljs-type">Palette<\/span>/);
  });

  it('reads unlabelled code in doc comments as Kestrel', () => {
    expect(html).toContain('<pre><code class="hljs language-kestrel"><span class="hljs-keyword">let</span> hex = to_hex(<span class="hljs-type">DEFAULT</span>.colors[<span class="hljs-number">0</span>])');
  });

  it('serves the colours in the page\'s one stylesheet', () => {
    expect(html).toContain('/* P5: highlighting */');
    expect(html).toMatch(/\.hljs-keyword[^{]*\{ color:var\(--hl-keyword\); \}/);
  });

  it('highlights an API reference up to a budget, and shows the rest plain', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const manifest = renderManifest(parseManifest('[package]\nname = "wide"\nversion = "1.0.0"\norg = "your-name"\n'));
    const archive = await packArchive({ root: 'wide-1.0.0', entries: [{ path: 'flock.toml', bytes: Buffer.from(manifest) }] });
    expect((await fetch(`${registry.url}/api/v1/packages/your-name/wide/1.0.0`, { method: 'PUT', body: archive, headers })).status).toBe(200);
    // 40 signatures of 1,900 characters: 76,000 in all, past the 50,000 one page highlights.
    const params = Array.from({ length: 150 }, (_, i) => `p${String(i).padStart(3, '0')}: U8`).join(', ');
    const items = Array.from({ length: 40 }, (_, i) => ({ kind: 'fn', name: `f${i}`, signature: `pub fn f${i}(${params})`.padEnd(1900, ' '), doc: `\`\`\`\nlet r${i} = f${i}()\n\`\`\``, line: i + 1, members: [] }));
    const docs = { schema: DOCS_SCHEMA, package: { org: 'your-name', name: 'wide', version: '1.0.0' }, modules: [{ name: 'wide', path: 'src/wide.ks', doc: '', items }] };
    expect((await fetch(`${registry.url}/api/v1/packages/your-name/wide/1.0.0/docs`, { method: 'PUT', body: JSON.stringify(docs), headers })).status).toBe(200);
    const page = await (await fetch(`${registry.url}/flock/your-name/wide`)).text();
    expect(page).toContain('<span class="hljs-keyword">pub</span> <span class="hljs-keyword">fn</span> <span class="hljs-title">f0</span>(p000: <span class="hljs-type">U8</span>');
    expect(page).toContain('<span class="hljs-keyword">let</span> r0 = f0()');
    expect(page).toContain('<code class="hljs language-kestrel">pub fn f39(p000: U8, p001: U8');
    expect(page.match(/<code class="hljs language-kestrel">pub fn f\d+\(/g)!.length).toBeGreaterThanOrEqual(40 - 50_000 / 1900);
  });
});
