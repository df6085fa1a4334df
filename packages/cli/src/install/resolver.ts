import semver from 'semver';
import type { IndexLineDto } from '@flock/core/api';
import { parseVersionRange } from '@flock/core/versions';
import { CliExit } from '../context.js';

/** A package picked by the resolver: one per package and semver-major. */
export interface Resolved {
  /** "org/name" */
  package: string;
  version: string;
  checksum: string;
  dependencies: Record<string, string>;
}

export type IndexLoader = (pkg: string) => Promise<IndexLineDto[]>;

interface Requirement {
  range: string;
  /** Who asks: "flock.toml" or "org/name@version". */
  by: string;
}

const MAX_ROUNDS = 100;
/** Index reads in flight at once: enough to hide the round trips, few enough not to flood the registry. */
const PARALLEL_INDEX_READS = 16;

/** The compatibility group: a package may appear once per semver-major. */
const groupKey = (pkg: string, version: string) => `${pkg}@${semver.major(version)}`;

/**
 * Resolves the whole graph: for every package (per semver-major), the newest
 * version that satisfies every range asking for it. Yanked versions are never
 * chosen anew; a locked version (from flock.lock) is kept while it still
 * satisfies every range, yanked or not, so installs stay reproducible.
 * Works in rounds until the choice stops changing: a round walks the graph from
 * the root through the current choices, collecting who asks for what.
 */
export async function resolveGraph(root: Record<string, string>, load: IndexLoader, locked: ReadonlyMap<string, string> = new Map()): Promise<Resolved[]> {
  const usable = (pkg: string, line: IndexLineDto, range: string) =>
    semver.satisfies(line.version, range) && (!line.yanked || locked.get(pkg) === line.version);
  const indexOf = prefetchingLoader(load, usable);
  for (const [pkg, range] of Object.entries(root)) indexOf.prefetch(pkg, range);

  let chosen = new Map<string, IndexLineDto & { package: string }>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const asks = new Map<string, { pkg: string; reqs: Requirement[] }>();
    const visited = new Set<string>();
    const queue: Array<{ by: string; deps: Record<string, string> }> = [{ by: 'flock.toml', deps: root }];
    while (queue.length > 0) {
      const { by, deps } = queue.shift()!;
      for (const pkg of Object.keys(deps).sort()) {
        const range = parseVersionRange(deps[pkg]!);
        const lines = await indexOf(pkg);
        const candidates = lines.filter((l) => usable(pkg, l, range)).map((l) => l.version);
        const best = semver.maxSatisfying(candidates, range);
        if (best === null) {
          const why = lines.length === 0 ? 'it has no versions' : `available: ${lines.map((l) => `${l.version}${l.yanked ? ' (yanked)' : ''}`).join(', ')}`;
          throw new CliExit(`No version of ${pkg} matches ${range} (asked by ${by}; ${why})`);
        }
        const key = groupKey(pkg, best);
        const group = asks.get(key) ?? asks.set(key, { pkg, reqs: [] }).get(key)!;
        group.reqs.push({ range, by });
        const current = chosen.get(key);
        if (current && !visited.has(key)) {
          visited.add(key);
          queue.push({ by: `${pkg}@${current.version}`, deps: current.dependencies });
        }
      }
    }
    const next = new Map<string, IndexLineDto & { package: string }>();
    for (const [key, { pkg, reqs }] of asks) next.set(key, { package: pkg, ...(await pick(pkg, reqs)) });
    if (sameChoice(chosen, next)) return [...next.values()].map(toResolved).sort(byPackage);
    chosen = next;
  }
  throw new CliExit('Dependency resolution did not settle; check for ranges that contradict each other');

  async function pick(pkg: string, reqs: Requirement[]): Promise<IndexLineDto> {
    const lines = await indexOf(pkg);
    const fits = (l: IndexLineDto) => reqs.every((r) => usable(pkg, l, r.range));
    const lockedLine = lines.find((l) => l.version === locked.get(pkg));
    if (lockedLine && fits(lockedLine)) return lockedLine;
    const best = semver.maxSatisfying(lines.filter(fits).map((l) => l.version), '*', { includePrerelease: true });
    if (best === null) throw new CliExit(explainConflict(pkg, reqs));
    return lines.find((l) => l.version === best)!;
  }
}

/**
 * Index reads, each made once, that also read ahead: once a package's index
 * arrives, the indexes of the dependencies of its newest usable version are
 * requested too, at most PARALLEL_INDEX_READS at a time. The rounds below
 * walk the graph one level per round, awaiting one index after another; with
 * the read-ahead those answers are mostly there already (that newest version
 * is what a first round picks). A read-ahead that fails is ignored: if the
 * resolver does need that index, awaiting it reports the failure then.
 */
function prefetchingLoader(load: IndexLoader, usable: (pkg: string, line: IndexLineDto, range: string) => boolean) {
  const indexes = new Map<string, Promise<IndexLineDto[]>>();
  const waiting: Array<() => void> = [];
  let active = 0;
  async function limited(pkg: string): Promise<IndexLineDto[]> {
    if (active < PARALLEL_INDEX_READS) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // a read that ends hands its place over
    try {
      return await load(pkg);
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  }
  const indexOf = (pkg: string) => indexes.get(pkg) ?? indexes.set(pkg, limited(pkg)).get(pkg)!;
  function prefetch(pkg: string, rangeText: string): void {
    if (indexes.has(pkg)) return;
    indexOf(pkg).then((lines) => {
      const range = parseVersionRange(rangeText);
      const best = semver.maxSatisfying(lines.filter((l) => usable(pkg, l, range)).map((l) => l.version), range);
      const line = lines.find((l) => l.version === best);
      for (const [dep, depRange] of Object.entries(line?.dependencies ?? {})) prefetch(dep, depRange);
    }).catch(() => {});
  }
  return Object.assign(indexOf, { prefetch });
}

function explainConflict(pkg: string, reqs: Requirement[]): string {
  const who = reqs.map((r) => `${r.by} asks for ${r.range}`).join(', ');
  return `Cannot pick a version of ${pkg}: ${who}, and no version satisfies all of them`;
}

function sameChoice(a: Map<string, IndexLineDto>, b: Map<string, IndexLineDto>): boolean {
  return a.size === b.size && [...a].every(([key, line]) => b.get(key)?.version === line.version);
}

const toResolved = (line: IndexLineDto & { package: string }): Resolved => ({
  package: line.package,
  version: line.version,
  checksum: line.checksum,
  dependencies: line.dependencies,
});

const byPackage = (a: Resolved, b: Resolved) => (a.package === b.package ? semver.compare(a.version, b.version) : a.package < b.package ? -1 : 1);
