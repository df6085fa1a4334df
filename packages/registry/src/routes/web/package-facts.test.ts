import { describe, expect, it } from 'vitest';
import { installable, relativeTime } from './package-facts.js';

describe('package page facts', () => {
  it('says how long ago, in the coarsest whole unit, from the given clock', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const ago = (ms: number) => relativeTime(new Date(now.getTime() - ms).toISOString(), now);
    expect(ago(59_000)).toBe('just now');
    expect(ago(-5_000)).toBe('just now'); // a publish "in the future" (clock skew between replicas)
    expect(ago(60_000)).toBe('1 minute ago');
    expect(ago(59 * 60_000)).toBe('59 minutes ago');
    expect(ago(2 * 3600_000)).toBe('2 hours ago');
    expect(ago(3 * 86400_000 + 5000)).toBe('3 days ago');
    expect(ago(45 * 86400_000)).toBe('1 month ago');
    expect(ago(800 * 86400_000)).toBe('2 years ago');
  });

  it('offers the newest version that is neither yanked nor, while there is another, a pre-release', () => {
    const v = (version: string, yanked = false) => ({ version, yanked, publishedAt: '' });
    expect(installable({ versions: [v('2.0.0', true), v('1.1.0'), v('1.0.0')] })).toBe('1.1.0');
    expect(installable({ versions: [v('2.0.0-beta.1'), v('1.1.0', true), v('1.0.0')] })).toBe('1.0.0');
    expect(installable({ versions: [v('2.0.0-beta.2', true), v('2.0.0-beta.1')] })).toBe('2.0.0-beta.1');
    expect(installable({ versions: [v('1.0.0', true)] })).toBeNull();
  });
});
