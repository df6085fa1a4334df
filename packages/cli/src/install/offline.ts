import { join } from 'node:path';
import { CliExit, type CommandContext } from '../context.js';
import { kestrelDir } from '../credentials.js';
import { createArchiveCache } from './cache.js';
import { isUnpacked, label, lockAnswers } from './installed.js';
import type { Lockfile } from './lockfile.js';
import type { Resolved } from './resolver.js';
import { unpackAll } from './sync.js';

/**
 * `flock install --offline` (and --frozen): flock.lock and the archive cache
 * only; no registry client is even made. The lock must already answer
 * flock.toml, since nothing can be resolved, and every archive that is not
 * unpacked yet must be in the cache before anything is unpacked, so a
 * missing one leaves .flock/deps as it was.
 */
export async function installOffline(
  ctx: CommandContext, root: string, dependencies: Record<string, string>, existing: { lock: Lockfile } | null,
): Promise<{ packages: Resolved[]; downloaded: number }> {
  if (existing === null) throw new CliExit('Cannot install offline: there is no flock.lock (run `flock install` with the network first)');
  if (!lockAnswers(existing.lock, dependencies)) {
    throw new CliExit('Cannot install offline: flock.lock is out of date with flock.toml (run `flock install` with the network to update it)');
  }
  const packages = existing.lock.packages;
  const stale = packages.filter((p) => !isUnpacked(root, p));
  const cacheDir = join(kestrelDir(ctx), 'cache');
  const cache = createArchiveCache(cacheDir);
  const archives = new Map<string, Buffer>();
  const missing: string[] = [];
  for (const p of stale) {
    // get() checks the hash: a damaged file counts as missing.
    const bytes = await cache.get(p.checksum);
    if (bytes) archives.set(label(p), bytes);
    else missing.push(label(p));
  }
  if (missing.length > 0) {
    throw new CliExit(`Cannot install offline: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in the cache (${cacheDir})`);
  }
  await unpackAll(root, packages, stale, archives);
  return { packages, downloaded: 0 };
}
