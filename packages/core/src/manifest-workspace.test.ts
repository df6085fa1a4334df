import { describe, expect, it } from 'vitest';
import { parseFlockToml, parseManifest } from './manifest.js';

describe('workspace roots in flock.toml', () => {
  it('a root with only [workspace] parses as a workspace without a package', () => {
    const parsed = parseFlockToml('[workspace]\nmembers = ["packages/*", "tools/cli"]\n');
    expect(parsed).toEqual({ manifest: null, workspace: { members: ['packages/*', 'tools/cli'] } });
  });

  it('a root may be both a package and a workspace', () => {
    const parsed = parseFlockToml('[package]\nname = "root"\nversion = "1.0.0"\n\n[workspace]\nmembers = ["packages/*"]\n');
    expect(parsed.manifest?.package.name).toBe('root');
    expect(parsed.manifest?.workspace).toEqual({ members: ['packages/*'] });
    expect(parsed.workspace).toEqual({ members: ['packages/*'] });
  });

  it('a plain package has no workspace', () => {
    const parsed = parseFlockToml('[package]\nname = "p"\nversion = "0.1.0"\n');
    expect(parsed.workspace).toBeNull();
    expect(parsed.manifest?.package.version).toBe('0.1.0');
  });

  it('parseManifest refuses a workspace root without [package], saying what it is', () => {
    expect(() => parseManifest('[workspace]\nmembers = ["packages/*"]\n')).toThrow(/^flock\.toml: package: is required \(this is a workspace root/);
  });

  it('a file with neither [package] nor [workspace] still says package is required', () => {
    expect(() => parseFlockToml('[dependencies]\n')).toThrow(/^flock\.toml: package: is required$/);
  });

  it('refuses an empty or malformed member list, naming the line', () => {
    expect(() => parseFlockToml('[workspace]\nmembers = []\n')).toThrow(/^flock\.toml:2: workspace\.members: must list at least one member glob$/);
    expect(() => parseFlockToml('[workspace]\nmembers = [1]\n')).toThrow(/^flock\.toml:\d+: workspace\.members\.0: /);
    expect(() => parseFlockToml('[workspace]\nmember = ["a"]\n')).toThrow(/^flock\.toml:\d*:? ?workspace/);
  });
});
