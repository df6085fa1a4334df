import { describe, expect, it } from 'vitest';
import { maxSatisfying, parseVersion, parseVersionRange, satisfies, type Version } from './versions.js';

describe('versions', () => {
  it.each(['0.1.0', '1.2.3', '10.20.30', '1.0.0-beta.1'])('accepts %s', (v) => {
    expect(parseVersion(v)).toBe(v);
  });

  it.each(['1', '1.2', 'v1.2.3', '01.2.3', '1.2.3.4', '', ' 1.2.3', 'latest', '1.0.0+build.5'])('refuses %j', (v) => {
    expect(() => parseVersion(v)).toThrow(/^Invalid version/);
  });

  it('reads a bare version as a caret range, like Cargo', () => {
    expect(parseVersionRange('1.2')).toBe('^1.2');
    expect(parseVersionRange('0.1.0')).toBe('^0.1.0');
    expect(parseVersionRange('^1.2')).toBe('^1.2');
    expect(parseVersionRange('~1.2')).toBe('~1.2');
    expect(parseVersionRange('>=1, <2')).toBe('>=1 <2');
    expect(() => parseVersionRange('not a range')).toThrow('Invalid version range');
    expect(() => parseVersionRange('')).toThrow('Invalid version range');
  });

  it.each(['1 ||', '|| 1', '||', '1 || || 2'])('refuses %j: semver would read the empty alternative as any version', (range) => {
    expect(() => parseVersionRange(range)).toThrow(`Invalid version range ${JSON.stringify(range)}`);
  });

  it('resolves ranges with semver rules', () => {
    const versions = ['0.1.0', '0.1.5', '0.2.0', '1.0.0', '1.4.2', '2.0.0'] as Version[];
    expect(maxSatisfying(versions, parseVersionRange('0.1'))).toBe('0.1.5');
    expect(maxSatisfying(versions, parseVersionRange('1'))).toBe('1.4.2');
    expect(maxSatisfying(versions, parseVersionRange('3'))).toBeNull();
    expect(satisfies('1.4.2' as Version, parseVersionRange('^1.2'))).toBe(true);
    expect(satisfies('2.0.0' as Version, parseVersionRange('^1.2'))).toBe(false);
  });
});
