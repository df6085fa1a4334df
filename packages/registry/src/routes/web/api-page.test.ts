import { describe, expect, it } from 'vitest';
import { parseDocModel, type VersionDto } from '@flock/core';
import { linkSignature, sourceUrl, typeAnchors } from './api-links.js';
import { renderApiContent } from './api-page.js';

const COMMIT = 'a'.repeat(40);
const provenance = (repository: string | null, extra: Partial<NonNullable<VersionDto['provenance']>> = {}): VersionDto['provenance'] => ({
  repository, commit: COMMIT, dirty: false, path: '', buildCommand: null, ...extra,
});

describe('renderApiContent', () => {
  it('renders a flock-docs/1 blob as stored before members existed', async () => {
    // Exactly what the registry stored for a version published before flock-docs/2.
    const stored = JSON.stringify({
      schema: 'flock-docs/1',
      package: { org: 'acme', name: 'old', version: '1.0.0' },
      modules: [{ name: 'old', path: 'src/old.ks', doc: 'The *old* module.', items: [
        { kind: 'struct', name: 'Point', signature: 'pub struct Point', doc: 'A point.', line: 3 },
        { kind: 'fn', name: 'origin', signature: 'pub fn origin() -> Point', doc: '', line: 9 },
      ] }],
    });
    const html = await renderApiContent(parseDocModel(JSON.parse(stored)), { provenance: null, dependencies: [] });
    expect(html).toContain('<article class="api-item" id="old.Point" data-item="point">');
    expect(html).toContain('<li data-item="origin"><a href="#old.origin">origin</a></li>');
    expect(html).toContain('<em>old</em> module.');
    expect(html).toContain('pub fn origin() -&gt; <a href="#old.Point">Point</a>');
    // No members recorded, so no Fields list; no provenance, so no source links.
    expect(html).not.toContain('<h4>');
    expect(html).not.toContain('api-source');
  });

  it('lists an enum\'s variants under "Variants"', async () => {
    const docs = parseDocModel({
      schema: 'flock-docs/2', package: { name: 'shapes', version: '1.0.0' },
      modules: [{ name: 'shapes', path: 'src/shapes.ks', doc: '', items: [
        { kind: 'enum', name: 'Shape', signature: 'pub enum Shape', doc: '', line: 1, members: [{ name: 'Circle', signature: 'Circle(Float)', doc: 'Round.', line: 2 }] },
      ] }],
    });
    const html = await renderApiContent(docs, { provenance: null, dependencies: [] });
    expect(html).toContain('<h4>Variants</h4>');
    expect(html).toContain('<li id="shapes.Shape.Circle"><code class="hljs language-kestrel"><span class="hljs-type">Circle</span>(<span class="hljs-type">Float</span>)</code><div class="doc"><p>Round.</p>\n</div></li>');
  });
});

describe('sourceUrl', () => {
  it('builds each known host\'s URL of a file at a commit, with the package\'s folder', () => {
    expect(sourceUrl(provenance('https://github.com/acme/palette.git', { path: 'pkgs/palette' }), 'src/palette.ks', 4)).toBe(
      `https://github.com/acme/palette/blob/${COMMIT}/pkgs/palette/src/palette.ks#L4`,
    );
    expect(sourceUrl(provenance('git@gitlab.com:group/sub/palette.git'), 'src/a.ks', 2)).toBe(`https://gitlab.com/group/sub/palette/-/blob/${COMMIT}/src/a.ks#L2`);
    expect(sourceUrl(provenance('https://codeberg.org/acme/palette'), 'src/a b.ks', 7)).toBe(`https://codeberg.org/acme/palette/src/commit/${COMMIT}/src/a%20b.ks#L7`);
    expect(sourceUrl(provenance('ssh://git@github.com/acme/palette.git'), 'src/a.ks', 1)).toBe(`https://github.com/acme/palette/blob/${COMMIT}/src/a.ks#L1`);
  });

  it('gives none for an unknown host, a dirty tree, no commit or an odd path', () => {
    expect(sourceUrl(provenance('https://git.example.com/acme/palette.git'), 'src/a.ks', 1)).toBeNull();
    expect(sourceUrl(provenance('https://github.com/acme/palette.git', { dirty: true }), 'src/a.ks', 1)).toBeNull();
    expect(sourceUrl(provenance('https://github.com/acme/palette.git', { commit: null }), 'src/a.ks', 1)).toBeNull();
    expect(sourceUrl(provenance('/srv/git/palette'), 'src/a.ks', 1)).toBeNull();
    expect(sourceUrl(provenance('javascript:alert(1)'), 'src/a.ks', 1)).toBeNull();
    expect(sourceUrl(provenance('https://github.com/acme/palette/tree/main'), 'src/a.ks', 1)).toBeNull();
    expect(sourceUrl(null, 'src/a.ks', 1)).toBeNull();
  });
});

describe('linkSignature', () => {
  const local = typeAnchors(parseDocModel({
    schema: 'flock-docs/2', package: { name: 'banner', version: '1.0.0' },
    modules: [{ name: 'banner', path: 'src/banner.ks', doc: '', items: [
      { kind: 'struct', name: 'Style', signature: 'pub struct Style', doc: '', line: 1, members: [] },
      { kind: 'fn', name: 'render', signature: 'pub fn render(s: Style)', doc: '', line: 2, members: [] },
    ] }],
  }));
  const palette = { name: 'palette', page: '/flock/o/palette/1.0.0/api', anchors: new Map([['palette.Rgb', 'palette.Rgb'], ['Rgb', 'palette.Rgb']]) };

  it('links local types, a dependency\'s items (or its page when the item is unknown), and nothing else', () => {
    expect(linkSignature('pub fn f(s: Style, c: palette.Rgb, h: palette.Hue, x: other.T) -> render', 'f', local, [palette])).toEqual([
      { text: 'pub fn f(s: ' },
      { text: 'Style', href: '#banner.Style' },
      { text: ', c: ' },
      { text: 'palette.Rgb', href: '/flock/o/palette/1.0.0/api#palette.Rgb' },
      { text: ', h: ' },
      { text: 'palette.Hue', href: '/flock/o/palette/1.0.0/api' },
      { text: ', x: other.T) -> render' },
    ]);
    expect(linkSignature('pub struct Style', 'Style', local, [])).toEqual([{ text: 'pub struct Style' }]);
  });

  it('indexes only types for bare names, every kind for a dependency\'s qualified names', () => {
    const docs = parseDocModel({
      schema: 'flock-docs/2', package: { name: 'palette', version: '1.0.0' },
      modules: [{ name: 'palette', path: 'src/palette.ks', doc: '', items: [
        { kind: 'const', name: 'DEFAULT', signature: 'pub const DEFAULT: Palette', doc: '', line: 1, members: [] },
      ] }],
    });
    expect([...typeAnchors(docs)]).toEqual([]);
    expect([...typeAnchors(docs, true)]).toEqual([['palette.DEFAULT', 'palette.DEFAULT'], ['DEFAULT', 'palette.DEFAULT']]);
  });
});
