import { describe, expect, it } from 'vitest';
import { durationMs, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([['3d', 3 * 86_400_000], ['12h', 12 * 3_600_000], ['90m', 90 * 60_000], ['1w', 7 * 86_400_000], ['0m', 0], [' 007d ', 7 * 86_400_000]])('%s', (raw, ms) => {
    expect(durationMs(parseDuration(raw))).toBe(ms);
  });

  it('writes a duration back in a canonical form', () => expect(parseDuration(' 007d ')).toBe('7d'));

  it.each(['3', 'd', '3 days', '3D', '-1d', '1.5d', '3d12h', '', '3651d', '99999999d'])('refuses %j in one line', (raw) => {
    expect(() => parseDuration(raw)).toThrow(/^Invalid duration ".*": expected a whole number and a unit \(w, d, h or m\), e.g\. 3d, 12h, 90m or 1w, at most 3650d$/);
  });
});
