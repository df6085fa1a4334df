import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { open, parseSecretKey, seal } from './secret-box.js';

describe('secret box', () => {
  const key = randomBytes(32);

  it('round-trips, with a fresh IV every time', () => {
    const a = seal(key, 'wJalrXUtnFEMI/K7MDENG', 'org-1');
    const b = seal(key, 'wJalrXUtnFEMI/K7MDENG', 'org-1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('wJalrXUtnFEMI');
    expect(open(key, a, 'org-1')).toBe('wJalrXUtnFEMI/K7MDENG');
  });

  it('refuses another key, another org, and a tampered ciphertext', () => {
    const sealed = seal(key, 'secret', 'org-1');
    expect(() => open(randomBytes(32), sealed, 'org-1')).toThrow();
    expect(() => open(key, sealed, 'org-2')).toThrow();
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(() => open(key, tampered, 'org-1')).toThrow();
  });

  it('reads keys as hex or base64 and refuses other lengths', () => {
    expect(parseSecretKey(key.toString('hex')).equals(key)).toBe(true);
    expect(parseSecretKey(key.toString('base64')).equals(key)).toBe(true);
    expect(() => parseSecretKey('abcd')).toThrow('32 bytes');
  });
});
