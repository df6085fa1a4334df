import { describe, expect, it } from 'vitest';
import { parseNextPath } from './next-path.js';

describe('parseNextPath', () => {
  it('keeps paths on this site, with their query', () => {
    expect(parseNextPath('/account')).toBe('/account');
    expect(parseNextPath('/flock/acme/palette?v=1#api')).toBe('/flock/acme/palette?v=1#api');
    expect(parseNextPath(undefined)).toBe('/account');
    expect(parseNextPath('')).toBe('/account');
  });

  it.each(['//evil.example', '///evil.example', '/\\evil.example', '\\\\evil.example', 'https://evil.example', 'https:evil.example', 'javascript:alert(1)', 'evil.example', ' /account', '/\t/evil.example', '/\n/evil.example', '/a b'])(
    'refuses %j',
    (raw) => {
      expect(() => parseNextPath(raw)).toThrow('The "next" address must be a path on this site, such as /account');
    },
  );
});
