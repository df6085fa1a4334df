import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifest, renderManifest, withOrg } from './manifest.js';
import type { OrgName } from './names.js';

const PALETTE = readFileSync(new URL('../../../examples/palette/flock.toml', import.meta.url), 'utf8');
const BANNER = readFileSync(new URL('../../../examples/banner/flock.toml', import.meta.url), 'utf8');

describe('manifest', () => {
  it('reads the palette example', () => {
    const m = parseManifest(PALETTE);
    expect(m.package).toMatchObject({ name: 'palette', version: '0.1.0', org: 'your-name', license: 'MIT', visibility: 'public' });
    expect(m.package.keywords).toEqual(['color', 'palette', 'terminal']);
    expect(m.dependencies).toEqual({});
  });

  it('reads dependencies as caret ranges', () => {
    expect(parseManifest(BANNER).dependencies).toEqual({ 'your-name/palette': '^0.1.0' });
    const m = parseManifest('[package]\nname = "x"\nversion = "1.0.0"\n[dependencies]\n"a/b" = "1.2"\n"a/a" = "~0.3"\n');
    expect(Object.keys(m.dependencies)).toEqual(['a/a', 'a/b']);
    expect(m.dependencies['a/b']).toBe('^1.2');
  });

  it('reads [install] min-publish-age as a duration, names the line of a bad one, and never packs it', () => {
    const m = parseManifest('[package]\nname = "x"\nversion = "1.0.0"\n\n[install]\nmin-publish-age = "3d"\n');
    expect(m.install).toEqual({ minPublishAge: '3d' });
    expect(renderManifest(m)).not.toContain('install');
    expect(() => parseManifest('[package]\nname = "x"\nversion = "1.0.0"\n\n[install]\nmin-publish-age = "3 days"\n')).toThrow(
      'flock.toml:6: install.min-publish-age: Invalid duration "3 days": expected a whole number and a unit (w, d, h or m), e.g. 3d, 12h, 90m or 1w, at most 3650d',
    );
    expect(() => parseManifest('[package]\nname = "x"\nversion = "1.0.0"\n\n[install]\nmin-age = "3d"\n')).toThrow(/^flock\.toml:5: install: Unrecognized key/);
  });

  it('names the line of a TOML syntax error', () => {
    expect(() => parseManifest('[package]\nname = "x"\nversion = 0.1.0\n')).toThrow(/^flock\.toml:3: /);
  });

  it.each([
    ['[package]\nversion = "1.0.0"\n', /^flock\.toml:1: package\.name: is required$/],
    ['[package]\nname = "Palette"\nversion = "1.0.0"\n', /^flock\.toml:2: package\.name: Invalid package name "Palette"/],
    ['[package]\nname = "p"\nversion = "1.0"\n', /^flock\.toml:3: package\.version: Invalid version "1\.0"/],
    ['[package]\nname = "p"\nversion = "1.0.0"\norg = "Bad Org"\n', /^flock\.toml:4: package\.org: Invalid org name/],
    ['[package]\nname = "p"\nversion = "1.0.0"\nvisibility = "secret"\n', /^flock\.toml:4: package\.visibility: /],
    ['[package]\nname = "p"\nversion = "1.0.0"\nnmae = "typo"\n', /^flock\.toml:1: package: Unrecognized key/],
    ['[package]\nname = "p"\nversion = "1.0.0"\n\n[dependencies]\n"nope" = "1"\n', /^flock\.toml:6: dependencies\.nope: Invalid package "nope"/],
    ['[package]\nname = "p"\nversion = "1.0.0"\n\n[dependencies]\n"a/b" = "wat"\n', /^flock\.toml:6: dependencies\.a\/b: Invalid version range/],
    ['name = "p"\n', /^flock\.toml: package: is required$|^flock\.toml:\d*: ?/],
    // A value of the wrong type is not "required": it is there.
    ['[package]\nname = 5\nversion = "1.0.0"\n', /^flock\.toml:2: package\.name: Invalid input: expected string, received number$/],
    ['[package]\nname = "p"\nversion = "1.0.0"\nkeywords = "x"\n', /^flock\.toml:4: package\.keywords: Invalid input: expected array, received string$/],
    ['[package]\nname = "p"\nversion = "1.0.0"\n\n[dependencies]\n"a/b" = 5\n', /^flock\.toml:6: dependencies\.a\/b: Invalid input: expected string, received number$/],
    // A newline or an escape in a value is escaped, never printed raw.
    ['[package]\nname = "a\\nb\\u001b[31m"\nversion = "1.0.0"\n', /^flock\.toml:2: package\.name: Invalid package name "a\\nb\\u001b\[31m"/],
  ])('refuses %j with a one-line message naming the line', (text, pattern) => {
    let message = '';
    try {
      parseManifest(text);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(pattern);
    expect(message).not.toContain('\n');
  });

  it('keeps the message short however long the key is', () => {
    const text = `[package]\nname = "p"\nversion = "1.0.0"\n\n[dependencies]\n"${'a/'.repeat(5000)}b" = "1"\n`;
    expect(() => parseManifest(text)).toThrow(/^flock\.toml:6: dependencies\.(a\/)+a?…: Invalid package "(a\/){40}…": expected org\/name$/);
  });

  it('renders a normalised manifest that parses back to the same value, with the effective org', () => {
    const m = withOrg(parseManifest(BANNER), 'acme' as OrgName);
    const text = renderManifest(m);
    expect(text).toContain('org = "acme"');
    expect(parseManifest(text)).toEqual(m);
    // Formatting of the source does not change the rendered bytes.
    const reformatted = BANNER.replace(/ = /g, '=').replace(/\n/g, '\n\n');
    expect(renderManifest(withOrg(parseManifest(reformatted), 'acme' as OrgName))).toBe(text);
  });
});
