import { FlockError } from '@flock/core';

/**
 * Where to send the browser after signing in: only a path on this site.
 * Refuses anything a browser could read as another origin — `//evil.example`,
 * `/\evil.example` (browsers treat `\` as `/`), `https:…`, `javascript:…`,
 * and control characters or spaces, which browsers strip before parsing.
 * The value arrives already percent-decoded once, so `%2F%2Fevil.example`
 * comes in as `//evil.example`; a doubly encoded one stays a harmless path.
 */
export function parseNextPath(raw: string | undefined, fallback = '/account'): string {
  if (raw === undefined || raw === '') return fallback;
  const bad = () => new FlockError('bad_request', 'The "next" address must be a path on this site, such as /account');
  if (raw.length > 2000 || !raw.startsWith('/') || /[\\\s\x00-\x1f\x7f]/.test(raw) || raw.startsWith('//')) throw bad();
  // Belt and braces: whatever the path looks like, resolved against this site it must stay on it.
  const base = 'http://flock.invalid';
  if (new URL(raw, base).origin !== base) throw bad();
  return raw;
}
