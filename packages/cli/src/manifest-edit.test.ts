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
    expect(editDependency(text, 'a/b', '^1.5.0')).toBe(`${base}\n[dependencies]\n"a/b" = "^1.5.0"\n\n[build]\ncommand = "make"\n`);
    expect(editDependency(text, 'a/b', null)).toBe(`${base}\n[dependencies]\n\n[build]\ncommand = "make"\n`);
    expect(editDependency(text, 'x/y', null)).toBe(text);
  });
});
