import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_LIMITS, parsePackageRef, sha256Hex, unpackArchive, type IndexLineDto } from '@flock/core';
import { z } from 'zod';
import { apiFailure } from '../api-error.js';
import { readJsonLines, registryClient, type RegistryClient } from '../client.js';
import { CliExit, type CommandContext } from '../context.js';
import { kestrelDir } from '../credentials.js';
import { createArchiveCache, type ArchiveCache } from './cache.js';
import { readLockfile, renderLockfile, writeLockfile } from './lockfile.js';
import { resolveGraph, type Resolved } from './resolver.js';

export const DEPS_DIR = join('.flock', 'deps');
const PARALLEL_DOWNLOADS = 8;

/** Reads org/name's sparse index (with the token, for private packages). */
export async function fetchIndex(client: RegistryClient, pkg: string): Promise<IndexLineDto[]> {
  const { org, name } = parsePackageRef(pkg);
  const response = await client.request(`index/${org}/${name}`, { auth: true });
  if (response.status === 404) throw new CliExit(`Package ${pkg} not found at ${client.baseUrl}`);
  if (!response.ok) throw apiFailure(response, `Could not read the index of ${pkg}`);
  return readJsonLines<IndexLineDto>(response, INDEX_LINE);
}

// The checksum names a file in the archive cache, so it must be exactly "sha256:<hex>".
const INDEX_LINE = z.object({ version: z.string(), dependencies: z.record(z.string(), z.string()), checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/), yanked: z.boolean() });

/** Runs `work` over `items`, at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

const label = (p: Resolved) => `${p.package}@${p.version}`;

/** Every archive, from the cache or the registry, each verified against the lockfile's checksum. */
async function fetchArchives(ctx: CommandContext, client: RegistryClient, cache: ArchiveCache, packages: Resolved[]) {
  const archives = new Map<string, Buffer>();
  const missing: Resolved[] = [];
  for (const p of packages) {
    const cached = await cache.get(p.checksum);
    if (cached) archives.set(label(p), cached);
    else missing.push(p);
  }
  let done = 0;
  await inParallel(missing, PARALLEL_DOWNLOADS, async (p) => {
    const { org, name } = parsePackageRef(p.package);
    const response = await client.request(`api/v1/packages/${org}/${name}/${p.version}/download`, { auth: true });
    if (!response.ok) throw apiFailure(response, `Could not download ${label(p)}`);
    const actual = `sha256:${sha256Hex(response.bytes)}`;
    if (actual !== p.checksum) {
      throw new CliExit(`Checksum mismatch for ${label(p)}: expected ${p.checksum}, downloaded ${actual}; nothing was installed`);
    }
    await cache.put(response.bytes);
    archives.set(label(p), Buffer.from(response.bytes));
    ctx.progress?.(`Downloading ${++done}/${missing.length} ${label(p)}`);
  });
  ctx.progress?.('');
  return { archives, downloaded: missing.length };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Unpacks what is not there yet (through a temp folder, so a half-written package never looks installed) and removes what is no longer locked. */
async function unpackAll(root: string, packages: Resolved[], archives: Map<string, Buffer>): Promise<void> {
  const depsDir = join(root, DEPS_DIR);
  const wanted = new Set(packages.map((p) => { const { org, name } = parsePackageRef(p.package); return join(org, `${name}@${p.version}`); }));
  for (const p of packages) {
    const { org, name } = parsePackageRef(p.package);
    const dest = join(depsDir, org, `${name}@${p.version}`);
    if (await exists(dest)) continue;
    const temp = join(depsDir, org, `.tmp-${randomUUID()}`);
    await mkdir(join(depsDir, org), { recursive: true });
    try {
      await unpackArchive(archives.get(label(p))!, { dest: temp, limits: DEFAULT_LIMITS });
      await rename(temp, dest);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }
  for (const org of await readdir(depsDir).catch(() => [] as string[])) {
    for (const entry of await readdir(join(depsDir, org)).catch(() => [] as string[])) {
      if (!wanted.has(join(org, entry))) await rm(join(depsDir, org, entry), { recursive: true, force: true });
    }
  }
}

/**
 * Resolves flock.toml's [dependencies] against the sparse index, fetches
 * every archive (verified before anything is unpacked), unpacks into
 * .flock/deps/<org>/<name>@<version>/ and then writes flock.lock.
 * `commit` runs after all that, before the summary: `flock add` and `flock
 * remove` write flock.toml there, so it changes only once the install has worked.
 */
export async function installProject(
  ctx: CommandContext, root: string, dependencies: Record<string, string>,
  options: { locked?: boolean; commit?: () => Promise<void> } = {},
): Promise<number> {
  const client = await registryClient(ctx);
  const existing = await readLockfile(root);
  const lockedVersions = new Map((existing?.lock.packages ?? []).map((p) => [p.package, p.version]));
  const resolved = await resolveGraph(dependencies, (pkg) => fetchIndex(client, pkg), lockedVersions);
  // The index is the registry's word on a version's checksum; the lockfile must agree with it.
  for (const p of resolved) {
    const pinned = existing?.lock.packages.find((l) => l.package === p.package && l.version === p.version);
    if (pinned && pinned.checksum !== p.checksum) {
      throw new CliExit(`Checksum mismatch for ${label(p)}: flock.lock says ${pinned.checksum}, the registry's index says ${p.checksum}`);
    }
  }
  const text = renderLockfile({ root: dependencies, packages: resolved });
  if (options.locked && existing?.text !== text) {
    throw new CliExit(`${existing ? 'flock.lock is out of date with flock.toml' : 'There is no flock.lock'}: run \`flock install\` without --locked to update it`);
  }
  const cache = createArchiveCache(join(kestrelDir(ctx), 'cache'));
  const { archives, downloaded } = await fetchArchives(ctx, client, cache, resolved);
  await unpackAll(root, resolved, archives);
  // Only now: a lock written before a failed unpack would claim packages .flock/deps does not hold.
  if (existing?.text !== text) await writeLockfile(root, text, { onInterrupt: ctx.onInterrupt });
  await options.commit?.();
  const count = resolved.length === 1 ? '1 package' : `${resolved.length} packages`;
  ctx.out(`Installed ${count} (${downloaded} downloaded)`);
  for (const p of resolved) ctx.out(`  ${label(p)}`);
  return 0;
}
