import { describe, expect, it } from 'vitest';
import { parseLockfile, renderLockfile, type Lockfile } from './lockfile.js';

const sum = (c: string) => `sha256:${c.repeat(64)}`;

describe('flock.lock', () => {
  const lock: Lockfile = {
    root: { 'b/zeta': '^1', 'a/alpha': '^2.0' },
    packages: [
      { package: 'b/zeta', version: '1.0.0', checksum: sum('b'), dependencies: { 'a/alpha': '^2.0' } },
      { package: 'a/alpha', version: '2.1.0', checksum: sum('a'), dependencies: {} },
    ],
  };

  it('renders stably: sorted packages and keys, whatever the input order', () => {
    const text = renderLockfile(lock);
    expect(renderLockfile({ root: { 'a/alpha': '^2.0', 'b/zeta': '^1' }, packages: [...lock.packages].reverse() })).toBe(text);
    expect(text.indexOf('name = "a/alpha"')).toBeLessThan(text.indexOf('name = "b/zeta"'));
    expect(text).toContain(`name = "a/alpha"\nversion = "2.1.0"\nchecksum = "${sum('a')}"`);
  });

  it('round-trips', () => {
    const parsed = parseLockfile(renderLockfile(lock));
    expect(parsed.root).toEqual(lock.root);
    expect(parsed.packages.map((p) => p.package)).toEqual(['a/alpha', 'b/zeta']);
    expect(parsed.packages[1]).toEqual(lock.packages[0]);
  });

  it('refuses a damaged lockfile in one line', () => {
    expect(() => parseLockfile('version = 1\n[[package]]\nname = "a/b"\nversion = "1.0.0"\nchecksum = "md5:x"\n')).toThrow(
      'flock.lock: a [[package]] entry lacks name, version or a sha256 checksum (delete it and run `flock install` to write a new one)',
    );
    expect(() => parseLockfile('version = 7\n')).toThrow('flock.lock: unknown lockfile version');
  });
});
