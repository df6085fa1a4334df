import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
// Narrow entry points: the whole of @flock/core also loads the docs renderers, which install never uses.
import { DEFAULT_LIMITS, type IndexLineDto } from '@flock/core/api';
import { sha256Hex, unpackArchive } from '@flock/core/archive';
import { parsePackageRef } from '@flock/core/names';
import { apiFailure } from '../api-error.js';
import { logClient, registryClient, type RegistryClient } from '../client.js';
import { CliExit, type CommandContext } from '../context.js';
import { kestrelDir } from '../credentials.js';
import { createArchiveCache, type ArchiveCache } from './cache.js';
import { fetchIndex } from './index-read.js';
import { DEPS_DIR, MARKER, isUnpacked, label, markerText, packageDir } from './installed.js';
import { renderLockfile, writeLockfile, type Lockfile } from './lockfile.js';
import { reportSkipped, type MinPublishAge } from './cooldown.js';
import { resolveWithReport, type Resolved } from './resolver.js';

const PARALLEL_DOWNLOADS = 8;
const PARALLEL_UNPACKS = 8;

/** Runs `work` over `items`, at most `limit` at a time; after a failure no new item starts. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const stop = (error: unknown) => {
    queue.length = 0;
    throw error;
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item).catch(stop);
  }));
}

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

/** Registry text for the terminal: control characters escaped (a line from the index could carry any), bounded. */
function printable(text: string): string {
  const bounded = text.length > 500 ? `${text.slice(0, 500)}…` : text;
  return bounded.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One warning per resolved package that is deprecated or whose chosen (locked) version is yanked, from the index lines read. */
function warnYankedAndDeprecated(ctx: CommandContext, resolved: Resolved[], indexes: Map<string, IndexLineDto[]>): void {
  for (const p of resolved) {
    const line = indexes.get(p.package)?.find((l) => l.version === p.version);
    if (line?.yanked) ctx.err(`warning: ${p.package} ${p.version} is yanked${line.yankReason ? `: ${printable(line.yankReason)}` : ''}`);
    // Every line of a deprecated package carries the message.
    if (line?.deprecated !== undefined) ctx.err(`warning: ${p.package} is deprecated: ${printable(line.deprecated)}`);
  }
}

/** Unpacks each package through a temp folder (so a half-written package never looks installed), marks it, and removes what is no longer locked. */
export async function unpackAll(root: string, resolved: Resolved[], stale: Resolved[], archives: Map<string, Buffer>): Promise<void> {
  await inParallel(stale, PARALLEL_UNPACKS, async (p) => {
    const dest = join(root, packageDir(p));
    const temp = join(dirname(dest), `.tmp-${randomUUID()}`);
    await mkdir(dirname(dest), { recursive: true });
    try {
      await unpackArchive(archives.get(label(p))!, { dest: temp, limits: DEFAULT_LIMITS });
      await writeFile(join(temp, MARKER), markerText(p.checksum));
      // A folder without a marker, or with another checksum's, is an earlier flock's or a tampered one.
      await rm(dest, { recursive: true, force: true });
      await rename(temp, dest);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  });
  const wanted = new Set(resolved.map(packageDir));
  const depsDir = join(root, DEPS_DIR);
  for (const org of await readdir(depsDir).catch(() => [] as string[])) {
    for (const entry of await readdir(join(depsDir, org)).catch(() => [] as string[])) {
      if (!wanted.has(join(DEPS_DIR, org, entry))) await rm(join(depsDir, org, entry), { recursive: true, force: true });
    }
  }
}

/** Every locked version's publish record must be in the registry's verified transparency log (log/). */
async function checkInLog(ctx: CommandContext, resolved: Resolved[]): Promise<void> {
  if (resolved.length === 0) return;
  const client = await logClient(ctx);
  const { noteNoLog, verifyLogHead } = await import('../log/head.js');
  const { checkVersionsInLog } = await import('../log/inclusion.js');
  const log = await verifyLogHead(ctx, client);
  if (log === null) return noteNoLog(ctx, client);
  await checkVersionsInLog(ctx, client, log, resolved, undefined, () => verifyLogHead(ctx, client));
}

export interface SyncOptions {
  /** Fail if flock.lock would change. */
  locked?: boolean;
  /** Skip versions published less than this long ago (locked ones excepted); see cooldown.ts. */
  minPublishAge?: MinPublishAge;
  /** `flock update`: packages whose locked versions are let go, so they move to the newest that fit. */
  unlock?: (pkg: string) => boolean;
}

/**
 * The full install: resolves flock.toml's [dependencies] against the sparse
 * index, fetches every archive not yet unpacked (verified before anything is
 * unpacked), unpacks into .flock/deps/<org>/<name>@<version>/ and then writes
 * flock.lock. Returns what is installed and how many archives were downloaded.
 */
export async function syncProject(
  ctx: CommandContext, root: string, dependencies: Record<string, string>,
  existing: { text: string; lock: Lockfile } | null, options: SyncOptions,
): Promise<{ packages: Resolved[]; downloaded: number }> {
  const client = await registryClient(ctx);
  // One version per compatibility group: a package may be locked at several.
  // `flock update` unlocks packages: the resolver then picks their newest fitting versions.
  const lockedVersions = new Map<string, string[]>();
  for (const p of existing?.lock.packages ?? []) {
    if (!options.unlock?.(p.package)) lockedVersions.set(p.package, [...(lockedVersions.get(p.package) ?? []), p.version]);
  }
  // The lines each index answered, kept for the yank and deprecation warnings after resolution.
  const indexes = new Map<string, IndexLineDto[]>();
  const readIndex = async (pkg: string) => {
    const lines = await fetchIndex(client, pkg);
    indexes.set(pkg, lines);
    return lines;
  };
  const age = options.minPublishAge;
  const { packages: resolved, skipped } = await resolveWithReport(dependencies, readIndex, lockedVersions, age ? { minPublishAge: age } : {});
  if (age) reportSkipped(ctx, skipped, age);
  warnYankedAndDeprecated(ctx, resolved, indexes);
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
  // Packages already unpacked from their checksum are left alone: their archives are not even read.
  const stale = resolved.filter((p) => !isUnpacked(root, p));
  const cache = createArchiveCache(join(kestrelDir(ctx), 'cache'));
  // The transparency log is checked while the archives download; both finish before anything is unpacked.
  const [{ archives, downloaded }] = await Promise.all([fetchArchives(ctx, client, cache, stale), checkInLog(ctx, resolved)]);
  await unpackAll(root, resolved, stale, archives);
  // Only now: a lock written before a failed unpack would claim packages .flock/deps does not hold.
  if (existing?.text !== text) await writeLockfile(root, text, { onInterrupt: ctx.onInterrupt });
  return { packages: resolved, downloaded };
}
