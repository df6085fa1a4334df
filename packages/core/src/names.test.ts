import { describe, expect, it } from 'vitest';
import { FlockError } from './errors.js';
import { RESERVED_ORG_NAMES, nameKey, parseOrgName, parsePackageName, parsePackageRef, parsePackageSpec, reservedNameFor } from './names.js';

describe('names', () => {
  it.each(['palette', 'your-name', 'a', 'a1', 'x-2-y', 'a'.repeat(64)])('accepts %s', (name) => {
    expect(parsePackageName(name)).toBe(name);
    expect(parseOrgName(name)).toBe(name);
  });

  it.each([
    ['', 'empty'],
    ['Palette', 'lowercase'],
    ['my_pkg', 'lowercase'],
    ['-lead', 'lowercase'],
    ['trail-', 'lowercase'],
    ['dou--ble', 'lowercase'],
    ['1abc', 'starting with a letter'],
    ['a'.repeat(65), 'at most 64'],
    ['pa lette', 'lowercase'],
    ['paléte', 'lowercase'],
    ['../etc', 'lowercase'],
  ])('refuses %j with a clear message', (name, fragment) => {
    expect(() => parsePackageName(name)).toThrow(FlockError);
    expect(() => parsePackageName(name)).toThrow(fragment);
  });

  it('names the kind in the message', () => {
    expect(() => parseOrgName('Bad')).toThrow(/^Invalid org name "Bad"/);
    expect(() => parsePackageName('Bad')).toThrow(/^Invalid package name "Bad"/);
  });

  it('folds case, "-" and "_" for uniqueness', () => {
    expect(nameKey('My-Org')).toBe(nameKey('my_org'));
    expect(nameKey('myorg')).toBe(nameKey('MY-ORG'));
    expect(nameKey('a-b')).not.toBe(nameKey('a-c'));
  });

  it('folds a package name with and without its separators to one key (foo-bar, foo_bar, foobar, Foo-Bar)', () => {
    expect(new Set(['foo-bar', 'foo_bar', 'foobar', 'Foo-Bar', 'fo-o-bar'].map(nameKey))).toEqual(new Set(['foobar']));
    expect(nameKey('foo-bar')).not.toBe(nameKey('foo-baz'));
    expect(nameKey('foo-bar2')).not.toBe(nameKey('foo-bar'));
  });

  it('finds the reserved name a name folds to, and nothing for free names', () => {
    expect(reservedNameFor('admin')).toBe('admin');
    expect(reservedNameFor('ad-min')).toBe('admin');
    expect(reservedNameFor('A-d_min')).toBe('admin');
    expect(reservedNameFor('health-z')).toBe('healthz');
    expect(reservedNameFor('admin-2')).toBeNull();
    expect(reservedNameFor('administrator')).toBeNull();
    expect(reservedNameFor('palette')).toBeNull();
  });

  it('lists only valid org names, each its own folded key', () => {
    for (const name of RESERVED_ORG_NAMES) {
      expect(parseOrgName(name)).toBe(name);
      expect(nameKey(name)).toBe(name);
    }
  });

  it('parses org/name references', () => {
    expect(parsePackageRef('your-name/palette')).toEqual({ org: 'your-name', name: 'palette' });
    expect(() => parsePackageRef('palette')).toThrow('expected org/name');
    expect(() => parsePackageRef('a/b/c')).toThrow('expected org/name');
    expect(() => parsePackageRef('A/b')).toThrow('Invalid org name');
  });
});

describe('parsePackageSpec', () => {
  it('splits at the first @, validating the ref and keeping the rest whole', () => {
    expect(parsePackageSpec('your-name/palette')).toEqual({ ref: { org: 'your-name', name: 'palette' }, suffix: undefined });
    expect(parsePackageSpec('your-name/palette@^1.2')).toEqual({ ref: { org: 'your-name', name: 'palette' }, suffix: '^1.2' });
    // An extra '@' stays in the suffix, where the version or range parser refuses it.
    expect(parsePackageSpec('a/b@1.0.0@2')).toMatchObject({ suffix: '1.0.0@2' });
    expect(parsePackageSpec('a/b@')).toMatchObject({ suffix: '' });
    expect(() => parsePackageSpec('palette@1.0.0')).toThrow('expected org/name');
    expect(() => parsePackageSpec('Bad/b@1.0.0')).toThrow('Invalid org name');
  });
});
