import semver from 'semver';
import { FlockError, quote } from './errors.js';

declare const versionBrand: unique symbol;
declare const rangeBrand: unique symbol;

/**
 * A strict semver version ("1.2.3", "1.0.0-beta.1"), canonical form. Build
 * metadata ("+build.5") is refused: semver ignores it when comparing, so two
 * versions differing only there could not both be immutable.
 */
export type Version = string & { readonly [versionBrand]: true };
/** A semver range, normalised so that a bare "1.2" means "^1.2". */
export type VersionRange = string & { readonly [rangeBrand]: true };

export function parseVersion(raw: string): Version {
  const parsed = typeof raw === 'string' && raw.length <= 64 ? semver.parse(raw) : null;
  if (parsed === null || parsed.version !== raw) {
    throw new FlockError('invalid_version', `Invalid version ${quote(raw)}: expected semver like 1.2.3`);
  }
  return raw as Version;
}

// A bare version ("1.2", "1.2.3", "1") means a caret range, as in Cargo.
const BARE_VERSION = /^\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?$/;

export function parseVersionRange(raw: string): VersionRange {
  // Cargo writes "and" as a comma (">=1, <2"); semver writes it as a space.
  const text = typeof raw === 'string' ? raw.trim().replace(/\s*,\s*/g, ' ') : '';
  const candidate = BARE_VERSION.test(text) ? `^${text}` : text;
  // semver reads an empty alternative ("1 ||") as "*", any version at all: never what was meant.
  const emptyAlternative = text.split('||').some((part) => part.trim().length === 0);
  if (text.length === 0 || text.length > 256 || emptyAlternative || semver.validRange(candidate) === null) {
    throw new FlockError('invalid_version', `Invalid version range ${quote(raw)}`);
  }
  return candidate as VersionRange;
}

export function satisfies(version: Version, range: VersionRange): boolean {
  return semver.satisfies(version, range);
}

export function compareVersions(a: Version, b: Version): number {
  return semver.compare(a, b);
}

/** Newest version in `versions` satisfying `range`, or null. */
export function maxSatisfying(versions: readonly Version[], range: VersionRange): Version | null {
  return semver.maxSatisfying([...versions], range) as Version | null;
}
