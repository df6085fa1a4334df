import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { parsePackageRef } from '@flock/core/names';
import { parseVersionRange } from '@flock/core/versions';
import type { Lockfile } from './lockfile.js';

export const DEPS_DIR = join('.flock', 'deps');

/**
 * Written into a package's folder right after it is unpacked, before the
 * folder gets its real name: the checksum of the archive it came from. A
 * later install trusts a folder whose marker names the locked checksum, so
 * it neither reads, hashes nor unpacks that archive again.
 */
export const MARKER = '.flock-checksum';

type Locked = { package: string; version: string; checksum: string };

/** .flock/deps/<org>/<name>@<version>, relative to the project root. */
export function packageDir(p: { package: string; version: string }): string {
  const { org, name } = parsePackageRef(p.package);
  return join(DEPS_DIR, org, `${name}@${p.version}`);
}

export const markerText = (checksum: string) => `${checksum}\n`;

/** org/name@version, for messages and listings. */
export const label = (p: { package: string; version: string }) => `${p.package}@${p.version}`;

/**
 * Whether the package's folder holds what its checksum's archive unpacks to
 * (as far as its marker says). Synchronous on purpose: there is nothing else
 * to do meanwhile, and for a hundred tiny files one blocking read each is
 * several times quicker than promises, which open, stat, read and close
 * through the thread pool one step at a time.
 */
export function isUnpacked(root: string, p: Locked): boolean {
  try {
    return readFileSync(join(root, packageDir(p), MARKER), 'utf8') === markerText(p.checksum);
  } catch {
    return false;
  }
}

const sameRanges = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([pkg, range]) => b[pkg] === range);

/**
 * Whether flock.lock, without asking the registry, still answers these
 * [dependencies]: it was written for exactly these ranges, and walking from
 * them through the locked packages' own dependencies finds a locked version
 * for every range and reaches every locked package. A full resolve keeps
 * such a lock as it is (locked versions win while they fit); a lock merged
 * by hand or edited is caught here and resolved again.
 */
export function lockAnswers(lock: Lockfile, dependencies: Record<string, string>): boolean {
  if (!sameRanges(lock.root, dependencies)) return false;
  const versions = new Map<string, Lockfile['packages']>();
  for (const p of lock.packages) versions.set(p.package, [...(versions.get(p.package) ?? []), p]);
  const reached = new Set<Lockfile['packages'][number]>();
  const queue = [dependencies];
  for (let deps = queue.shift(); deps !== undefined; deps = queue.shift()) {
    for (const [pkg, text] of Object.entries(deps)) {
      const range = parseVersionRange(text);
      const fits = (versions.get(pkg) ?? []).filter((p) => semver.satisfies(p.version, range));
      if (fits.length === 0) return false;
      // The resolver keeps one version per compatibility group and, for a range spanning groups, prefers the newest.
      const kept = fits.reduce((a, b) => (semver.gt(b.version, a.version) ? b : a));
      if (!reached.has(kept)) {
        reached.add(kept);
        queue.push(kept.dependencies);
      }
    }
  }
  return reached.size === lock.packages.length;
}

/**
 * Whether there is nothing to do: the lock answers the manifest, and
 * .flock/deps holds exactly the locked packages, each marked as unpacked
 * from its locked checksum. Reads only small local files: no index request,
 * no archive read or hashed.
 */
export function isInstalled(root: string, lock: Lockfile, dependencies: Record<string, string>): boolean {
  try {
    if (!lockAnswers(lock, dependencies)) return false;
    const wanted = new Set(lock.packages.map(packageDir));
    const depsDir = join(root, DEPS_DIR);
    for (const org of readdirSync(depsDir)) {
      for (const entry of readdirSync(join(depsDir, org))) if (!wanted.delete(join(DEPS_DIR, org, entry))) return false;
    }
    return wanted.size === 0 && lock.packages.every((p) => isUnpacked(root, p));
  } catch {
    // A name or range the lock should not hold, a missing or unreadable folder: the full install
    // resolves again and reports what is wrong in its own words.
    return false;
  }
}
