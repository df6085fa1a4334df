import { FlockError, quote } from './errors.js';

declare const orgBrand: unique symbol;
declare const packageBrand: unique symbol;

/** An organization name that passed {@link parseOrgName}. */
export type OrgName = string & { readonly [orgBrand]: true };
/** A package name that passed {@link parsePackageName}. */
export type PackageName = string & { readonly [packageBrand]: true };

export const MAX_NAME_LENGTH = 64;
// ASCII lowercase letters, digits and '-': starts with a letter, no '--', no trailing '-'.
const NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

function checkName(kind: 'org' | 'package', raw: string): string {
  if (typeof raw !== 'string' || raw.length === 0) {
    throw new FlockError('invalid_name', `Invalid ${kind} name: it is empty`);
  }
  if (raw.length > MAX_NAME_LENGTH) {
    throw new FlockError('invalid_name', `Invalid ${kind} name ${quote(raw)}: at most ${MAX_NAME_LENGTH} characters`);
  }
  if (!NAME_PATTERN.test(raw)) {
    throw new FlockError(
      'invalid_name',
      `Invalid ${kind} name ${quote(raw)}: use lowercase ASCII letters, digits and single '-', starting with a letter`,
    );
  }
  return raw;
}

export function parseOrgName(raw: string): OrgName {
  return checkName('org', raw) as OrgName;
}

export function parsePackageName(raw: string): PackageName {
  return checkName('package', raw) as PackageName;
}

/**
 * The key under which names are compared for uniqueness, for orgs and for the
 * packages of one org: case-insensitive, with '-' and '_' removed, so "my-org",
 * "My_Org" and "myorg" cannot be three owners, nor "foo-bar" and "foobar" two
 * packages. Removing separators (not just treating '-' and '_' alike, as
 * crates.io does) is what matters here: names may only hold lowercase letters,
 * digits and '-', so the one look-alike left is a name with and without a '-'
 * (npm refuses "crossenv" beside "cross-env" for the same reason).
 */
export function nameKey(raw: string): string {
  return raw.toLowerCase().replace(/[-_]/g, '');
}

/**
 * Org names only an operator may create (`flock-registry org add`, `user add`):
 * names that would pass for the registry itself, and every word the registry's
 * own routes use at the top level (a test checks the route table against this).
 */
export const RESERVED_ORG_NAMES: readonly string[] = [
  'about', 'account', 'admin', 'api', 'auth', 'core', 'device', 'docs', 'flock', 'healthz', 'help', 'index', 'kestrel',
  'log', 'login', 'logout', 'metrics', 'new', 'orgs', 'packages', 'readyz', 'registry', 'root', 'search', 'security',
  'settings', 'signup', 'static', 'std', 'support', 'tokens', 'users', 'www',
];
const reservedKeys = new Map(RESERVED_ORG_NAMES.map((name) => [nameKey(name), name]));

/** The reserved name `raw` folds to ("ad-min" → "admin"), or null when it is free for users. */
export function reservedNameFor(raw: string): string | null {
  return reservedKeys.get(nameKey(raw)) ?? null;
}

export interface PackageRef {
  org: OrgName;
  name: PackageName;
}

/** Parses "org/name" (as written in [dependencies] and on the command line). */
export function parsePackageRef(raw: string): PackageRef {
  const parts = raw.split('/');
  if (parts.length !== 2) {
    throw new FlockError('invalid_name', `Invalid package ${quote(raw)}: expected org/name`);
  }
  return { org: parseOrgName(parts[0]!), name: parsePackageName(parts[1]!) };
}

/**
 * "org/name" or "org/name@suffix" as typed on the command line: the validated
 * ref, and the text after the first '@' (a version or a range, as the command
 * needs; an extra '@' stays in it, so its own parser refuses it).
 */
export function parsePackageSpec(raw: string): { ref: PackageRef; suffix: string | undefined } {
  const at = raw.indexOf('@');
  return { ref: parsePackageRef(at === -1 ? raw : raw.slice(0, at)), suffix: at === -1 ? undefined : raw.slice(at + 1) };
}

export function formatPackageRef(ref: PackageRef): string {
  return `${ref.org}/${ref.name}`;
}

export type OrgRole = 'owner' | 'member';

/** A member's role as typed (CLI, form, API); one message everywhere. */
export function parseRole(raw: string): OrgRole {
  if (raw !== 'owner' && raw !== 'member') throw new FlockError('bad_request', `Unknown role "${raw}": use owner or member`);
  return raw;
}
