import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { extractDocs, extractModule } from './extract.js';
import { DOCS_SCHEMA, countItems } from './model.js';
import { parseDocModel } from './parse.js';
import { writeDocsJson } from './writers.js';

/** The example packages that ship with the repository (examples/ at its root). */
function example(relative: string): string {
  return readFileSync(fileURLToPath(new URL(`../../../../examples/${relative}`, import.meta.url)), 'utf8');
}

const palette = example('palette/src/palette.ks');
const banner = example('banner/src/banner.ks');
const pkg = { org: 'your-name', name: 'palette', version: '1.0.0' };

describe('extractDocs on examples/palette', () => {
  const model = extractDocs([{ path: 'src/palette.ks', text: palette }], pkg);
  const module = model.modules[0]!;

  it('finds 1 module with exactly the 7 documented items in order', () => {
    expect(model.schema).toBe(DOCS_SCHEMA);
    expect(model.package).toEqual(pkg);
    expect(model.modules).toHaveLength(1);
    expect(countItems(model)).toBe(7);
    expect(module.name).toBe('palette');
    expect(module.path).toBe('src/palette.ks');
    expect(module.items.map((item) => item.name)).toEqual([
      'Rgb',
      'Palette',
      'parse_hex',
      'to_hex',
      'mix',
      'luminance',
      'DEFAULT',
    ]);
    expect(module.items.map((item) => item.kind)).toEqual(['struct', 'struct', 'fn', 'fn', 'fn', 'fn', 'const']);
    expect(module.items.map((item) => item.line)).toEqual([4, 11, 19, 26, 31, 36, 41]);
  });

  it('lists a struct\'s fields with their lines; other kinds have none', () => {
    expect(module.items[0]!.members).toEqual([
      { name: 'r', signature: 'r: U8', doc: '', line: 5 },
      { name: 'g', signature: 'g: U8', doc: '', line: 6 },
      { name: 'b', signature: 'b: U8', doc: '', line: 7 },
    ]);
    expect(module.items[1]!.members.map((m) => m.signature)).toEqual(['name: String', 'colors: List<Rgb>']);
    expect(module.items.slice(2).every((item) => item.members.length === 0)).toBe(true);
  });

  it('takes the module doc from //! lines', () => {
    expect(module.doc).toBe('Colour palettes and conversions for terminal and web output.');
  });

  it('cuts signatures at the first { or =', () => {
    const byName = new Map(module.items.map((item) => [item.name, item]));
    expect(byName.get('Rgb')!.signature).toBe('pub struct Rgb');
    expect(byName.get('parse_hex')!.signature).toBe('pub fn parse_hex(text: String) -> Option<Rgb>');
    expect(byName.get('DEFAULT')!.signature).toBe('pub const DEFAULT: Palette');
    expect(byName.get('mix')!.signature).toBe('pub fn mix(a: Rgb, b: Rgb, t: Float) -> Rgb');
  });

  it('keeps multi-paragraph docs with markers and one space removed', () => {
    const parseHex = module.items.find((item) => item.name === 'parse_hex')!;
    expect(parseHex.doc).toBe(
      'Parses a `#rrggbb` hex string into a colour.\n\nReturns `none` when the text is not a valid hex colour.',
    );
    expect(module.items[0]!.doc).toBe('An RGB colour with 8-bit channels.');
  });

  it('ignores undocumented declarations and ordinary // comments', () => {
    const names = module.items.map((item) => item.name);
    for (const hidden of ['hex2', 'lerp', 'linear']) expect(names).not.toContain(hidden);
  });

  it('round-trips through writeDocsJson and parseDocModel', () => {
    expect(parseDocModel(JSON.parse(writeDocsJson(model)))).toEqual(model);
  });
});

describe('extractModule', () => {
  it('handles examples/banner: module doc, one item, private helpers ignored', () => {
    const module = extractModule('src/banner.ks', banner);
    expect(module.name).toBe('banner');
    expect(module.doc).toBe('Coloured banners for command-line programs.');
    expect(module.items.map((item) => item.name)).toEqual(['render']);
    expect(module.items[0]!.signature).toBe('pub fn render(text: String, color: palette.Rgb) -> String');
    expect(module.items[0]!.line).toBe(6);
  });

  it('drops a /// block separated from its declaration by a blank line', () => {
    const source = ['/// Orphan doc.', '', 'pub fn lonely() {}', '/// Kept.', 'fn kept() {}'].join('\n');
    const items = extractModule('src/a.ks', source).items;
    expect(items.map((item) => item.name)).toEqual(['kept']);
    expect(items[0]!.line).toBe(5);
  });

  it('drops a /// block followed by a non-declaration line', () => {
    const source = ['/// Not for this.', '// ordinary comment', 'pub fn f() {}', '/// Nor this.', 'use x/y', 'fn g() {}'].join('\n');
    expect(extractModule('src/a.ks', source).items).toEqual([]);
  });

  it('recognises every kind, with or without pub, and indented declarations', () => {
    const kinds = ['fn', 'struct', 'enum', 'type', 'trait', 'const', 'let'];
    const source = kinds.map((kind, i) => `/// Doc ${i}.\n${i % 2 ? '  pub ' : ''}${kind} item${i} = x`).join('\n');
    const items = extractModule('src/a.ks', source).items;
    expect(items.map((item) => item.kind)).toEqual(kinds);
    expect(items.map((item) => item.name)).toEqual(kinds.map((_, i) => `item${i}`));
    expect(items[1]!.signature).toBe('pub struct item1');
    expect(items[6]!.signature).toBe('let item6');
  });

  it('strips at most one space after ///, keeps indentation, trims trailing blank doc lines', () => {
    const source = ['///Tight.', '///   indented', '///', '///', 'fn f()'].join('\n');
    const item = extractModule('src/a.ks', source).items[0]!;
    expect(item.doc).toBe('Tight.\n  indented');
    expect(item.signature).toBe('fn f()');
  });

  it('only reads //! lines before the first other line', () => {
    const source = ['', '//! First.', '//!', '//! Second.', '', 'use a/b', '//! Too late.'].join('\n');
    expect(extractModule('src/a.ks', source).doc).toBe('First.\n\nSecond.');
    expect(extractModule('src/a.ks', 'fn f() {}\n').doc).toBe('');
  });

  it('gives the same result for CRLF and CR line endings', () => {
    const crlf = extractModule('src/palette.ks', palette.replace(/\n/g, '\r\n'));
    const cr = extractModule('src/palette.ks', palette.replace(/\n/g, '\r'));
    const lf = extractModule('src/palette.ks', palette);
    expect(crlf).toEqual(lf);
    expect(cr).toEqual(lf);
  });

  it('names nested modules with dots', () => {
    expect(extractModule('src/color/mix.ks', '').name).toBe('color.mix');
    expect(extractModule('src/a/b/c.ks', '').name).toBe('a.b.c');
  });
});

describe('extractDocs file selection', () => {
  it('keeps only src/**/*.ks, sorted by path', () => {
    const files = [
      { path: 'src/palette.ks', text: palette },
      { path: 'README.md', text: '/// nope\nfn x()' },
      { path: 'tests/palette.ks', text: '/// nope\nfn x()' },
      { path: 'src/notes.txt', text: '/// nope\nfn x()' },
      { path: 'src/color/mix.ks', text: '//! Mixing.\n/// Mix.\npub fn mix()' },
      { path: 'src/Zed.ks', text: '' },
      { path: 'src/color.ks', text: '' },
    ];
    const model = extractDocs(files, { name: 'palette', version: '1.0.0' });
    expect(model.modules.map((m) => m.path)).toEqual(['src/Zed.ks', 'src/color.ks', 'src/color/mix.ks', 'src/palette.ks']);
    expect(model.modules.map((m) => m.name)).toEqual(['Zed', 'color', 'color.mix', 'palette']);
    expect(model.modules[2]!.doc).toBe('Mixing.');
    expect(model.package).toEqual({ name: 'palette', version: '1.0.0' });
    expect('org' in model.package).toBe(false);
  });
});

describe('members', () => {
  it('lists an enum\'s variants with their docs, skipping nested bodies and comments', () => {
    const source = [
      '/// A shape.',
      'pub enum Shape {',
      '    /// A circle.',
      '    Circle(Float),',
      '    // not a doc, not a member',
      '    Rect {',
      '        w: Float,',
      '    },',
      '    Empty',
      '}',
      '/// After.',
      'pub fn after()',
    ].join('\n');
    const [shape, after] = extractModule('src/shapes.ks', source).items;
    expect(shape!.members).toEqual([
      { name: 'Circle', signature: 'Circle(Float)', doc: 'A circle.', line: 4 },
      { name: 'Rect', signature: 'Rect', doc: '', line: 6 },
      { name: 'Empty', signature: 'Empty', doc: '', line: 9 },
    ]);
    expect(after!.name).toBe('after');
  });

  it('a struct without a body on its line has no members', () => {
    expect(extractModule('src/u.ks', '/// Unit.\npub struct Unit\nlet x = { y }').items[0]!.members).toEqual([]);
  });
});
