import { describe, expect, it } from 'vitest';
import { editDependency } from './manifest-edit.js';

describe('editDependency', () => {
  const base = '# my app\n[package]\nname = "app"  # the name\nversion = "0.1.0"\n';

  it('adds a [dependencies] table when there is none, keeping comments', () => {
    expect(editDependency(base, 'a/b', '^1.0.0')).toBe(`${base}\n[dependencies]\n"a/b" = "^1.0.0"\n`);
  });

  it('adds to, replaces in and removes from an existing table without touching other tables', () => {
    const text = `${base}\n[dependencies]\n"a/b" = "1"   # pinned\n\n[build]\ncommand = "make"\n`;
    expect(editDependency(text, 'c/d', '^2.0.0')).toBe(`${base}\n[dependencies]\n"a/b" = "1"   # pinned\n"c/d" = "^2.0.0"\n\n[build]\ncommand = "make"\n`);
    expect(editDependency(text, 'a/b', '^1.5.0')).toBe(`${base}\n[dependencies]\n"a/b" = "^1.5.0"   # pinned\n\n[build]\ncommand = "make"\n`);
    expect(editDependency(text, 'a/b', null)).toBe(`${base}\n[dependencies]\n\n[build]\ncommand = "make"\n`);
    expect(editDependency(text, 'x/y', null)).toBe(text);
  });

  it('keeps CRLF line endings', () => {
    const text = `${base}\n[dependencies]\n"a/b" = "1"\n`.replace(/\n/g, '\r\n');
    expect(editDependency(text, 'c/d', '^2.0.0')).toBe(`${base}\n[dependencies]\n"a/b" = "1"\n"c/d" = "^2.0.0"\n`.replace(/\n/g, '\r\n'));
    expect(editDependency(text, 'a/b', null)).toBe(`${base}\n[dependencies]\n`.replace(/\n/g, '\r\n'));
    const bare = base.replace(/\n/g, '\r\n');
    expect(editDependency(bare, 'c/d', '^2.0.0')).toBe(`${base}\n[dependencies]\n"c/d" = "^2.0.0"\n`.replace(/\n/g, '\r\n'));
  });

  it.each([
    ['an inline table', `dependencies = { "a/b" = "1" }\n${base}`],
    ['dotted keys', `dependencies."a/b" = "1"\n${base}`],
  ])('refuses to edit %s rather than leave it unchanged or break it', (_form, text) => {
    const refused = /^Cannot edit \[dependencies\] in flock\.toml automatically \(it is not a plain \[dependencies\] table\): edit it by hand$/;
    expect(() => editDependency(text, 'a/b', null)).toThrow(refused);
    expect(() => editDependency(text, 'a/b', '^2.0.0')).toThrow(refused);
    expect(() => editDependency(text, 'c/d', '^2.0.0')).toThrow(refused);
  });
});
