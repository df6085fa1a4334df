import semver from 'semver';
import type { IndexLineDto } from '@flock/core/api';
import { parseVersionRange } from '@flock/core/versions';
import { registryClient, type RegistryClient } from '../client.js';
import { fetchIndex } from '../install/index-read.js';
import { lockGraph, type LockedPackage } from '../install/lock-graph.js';
import { readLockfile } from '../install/lockfile.js';
import { loadProject } from '../project.js';
import { printTable } from './registry-call.js';
import type { Run } from './types.js';

/** One row of `flock outdated --json`. */
export interface OutdatedRow {
  package: string;
  /** The locked version; null without a flock.lock that holds one fitting the range. */
  current: string | null;
  /** The newest version that is not yanked and fits `range`. */
  compatible: string | null;
  /** The newest version that is not yanked. */
  latest: string | null;
  /** flock.toml's range; for a transitive package (--all), the ranges that ask for it, joined by ", ". */
  range: string;
}

/** Index reads in flight at once, as the resolver limits its own. */
const PARALLEL_INDEX_READS = 16;

/**
 * For each dependency in flock.toml (with --all, each other locked package
 * too): the locked version, the newest one its range allows and the newest
 * of all, from the registry's index.
 */
export const outdated: Run<{ json?: boolean; all?: boolean }> = async (_args, options, ctx) => {
  const project = await loadProject(ctx.cwd);
  const lock = (await readLockfile(project.root))?.lock ?? { root: {}, packages: [] };
  const graph = lockGraph(lock);
  const wanted: Array<{ package: string; current: LockedPackage | null; ranges: string[] }> = Object.entries(project.manifest.dependencies)
    .map(([pkg, range]) => ({ package: pkg, current: graph.target(pkg, range), ranges: [range] }));
  if (options.all) {
    const direct = new Set(wanted.map((w) => w.current));
    const asks = new Map<LockedPackage, string[]>();
    for (const from of lock.packages) {
      for (const edge of graph.edgesFrom(from)) if (edge.target) asks.set(edge.target, [...(asks.get(edge.target) ?? []), edge.range]);
    }
    // A hand-edited version that is not semver is left to `flock install` to refuse.
    for (const p of lock.packages) if (!direct.has(p) && semver.valid(p.version) !== null) wanted.push({ package: p.package, current: p, ranges: [...new Set(asks.get(p) ?? [])].sort() });
  }
  const indexes = await readIndexes(await registryClient(ctx), [...new Set(wanted.map((w) => w.package))]);
  const rows: OutdatedRow[] = wanted.map(({ package: pkg, current, ranges }) => {
    const usable = indexes.get(pkg)!.filter((l) => !l.yanked).map((l) => l.version);
    const fitting = usable.filter((v) => ranges.every((r) => semver.satisfies(v, parseVersionRange(r))));
    return { package: pkg, current: current?.version ?? null, compatible: newest(fitting), latest: newest(usable), range: ranges.join(', ') };
  }).sort((a, b) => (a.package === b.package ? semver.compare(a.current ?? '0.0.0', b.current ?? '0.0.0') : a.package < b.package ? -1 : 1));
  if (options.json) {
    ctx.out(JSON.stringify(rows, null, 2));
  } else if (rows.length === 0) {
    ctx.out('No dependencies in flock.toml');
  } else {
    printTable(ctx, [['package', 'current', 'compatible', 'latest', 'range'], ...rows.map((r) => [r.package, r.current ?? '-', r.compatible ?? '-', r.latest ?? '-', r.range])]);
  }
  return 0;
};

const newest = (versions: string[]) => (versions.length === 0 ? null : versions.reduce((a, b) => (semver.gt(b, a) ? b : a)));

async function readIndexes(client: RegistryClient, packages: string[]): Promise<Map<string, IndexLineDto[]>> {
  const indexes = new Map<string, IndexLineDto[]>();
  const queue = [...packages];
  await Promise.all(Array.from({ length: Math.min(PARALLEL_INDEX_READS, queue.length) }, async () => {
    for (let pkg = queue.shift(); pkg !== undefined; pkg = queue.shift()) indexes.set(pkg, await fetchIndex(client, pkg));
  }));
  return indexes;
}
