import { describe, expect, it } from 'vitest';
import { lockAnswers } from './installed.js';
import type { Lockfile } from './lockfile.js';

const sum = (c: string) => `sha256:${c.repeat(64)}`;

describe('lockAnswers: does flock.lock answer flock.toml without the registry?', () => {
  const manifest = { 'a/app-lib': '1', 'a/base': '^2.0.0' };
  const lock: Lockfile = {
    root: { ...manifest },
    packages: [
      { package: 'a/app-lib', version: '1.4.0', checksum: sum('1'), dependencies: { 'a/base': '^1.2' } },
      { package: 'a/base', version: '1.2.5', checksum: sum('2'), dependencies: {} },
      { package: 'a/base', version: '2.0.0', checksum: sum('3'), dependencies: {} },
    ],
  };
  const without = (version: string) => ({ ...lock, packages: lock.packages.filter((p) => p.version !== version) });

  it('yes, when it was written for these ranges and reaches exactly its packages (two majors of one package included)', () => {
    expect(lockAnswers(lock, manifest)).toBe(true);
    expect(lockAnswers(lock, { 'a/base': '^2.0.0', 'a/app-lib': '1' })).toBe(true);
  });

  it('no, when a range was edited, added or removed, even if the locked versions still fit', () => {
    expect(lockAnswers(lock, { ...manifest, 'a/app-lib': '1.4' })).toBe(false);
    expect(lockAnswers(lock, { ...manifest, 'a/new': '1' })).toBe(false);
    expect(lockAnswers(lock, { 'a/app-lib': '1' })).toBe(false);
  });

  it('no, when a package something asks for is missing or does not fit', () => {
    expect(lockAnswers(without('1.2.5'), manifest)).toBe(false);
    const misfit = { ...lock, packages: lock.packages.map((p) => (p.version === '1.2.5' ? { ...p, version: '1.1.0' } : p)) };
    expect(lockAnswers(misfit, manifest)).toBe(false);
  });

  it('no, when it holds a package nothing asks for, or one twice', () => {
    expect(lockAnswers({ ...lock, packages: [...lock.packages, { package: 'a/stray', version: '1.0.0', checksum: sum('4'), dependencies: {} }] }, manifest)).toBe(false);
    expect(lockAnswers({ ...lock, packages: [...lock.packages, lock.packages[0]!] }, manifest)).toBe(false);
  });

  it('no, when a version is not a version (a hand-edited lock)', () => {
    const odd = { ...lock, packages: lock.packages.map((p) => (p.version === '2.0.0' ? { ...p, version: '../../x' } : p)) };
    expect(lockAnswers(odd, manifest)).toBe(false);
  });
});
