import semver from 'semver';
import type { IndexLineDto } from '@flock/core/api';
import { parseVersionRange } from '@flock/core/versions';
import { CliExit } from '../context.js';
import { explain, type Describer } from './explain.js';
import { NoSolution, TooMuchWork, solve, type Dependency, type SolverProvider, type Term } from './pubgrub.js';

/** A package picked by the resolver: one per package and compatibility group (see compatGroup). */
export interface Resolved {
  /** "org/name" */
  package: string;
  version: string;
  checksum: string;
  dependencies: Record<string, string>;
}

export type IndexLoader = (pkg: string) => Promise<IndexLineDto[]>;

export interface ResolveOptions {
  /** Versions published less recently than this are skipped, unless locked (`text` is how the user wrote it). */
  minPublishAge?: { ms: number; text: string };
  /** The clock for minPublishAge. */
  now?: Date;
  /** Decisions plus conflicts before giving up (default MAX_STEPS). */
  maxSteps?: number;
}

/** A version passed over for being too new, and when it stops being. */
export interface SkippedVersion {
  package: string;
  version: string;
  published: string;
  eligible: string;
}

const MAX_STEPS = 20_000;
/** Index reads in flight at once: enough to hide the round trips, few enough not to flood the registry. */
const PARALLEL_INDEX_READS = 16;
const ROOT = '';

/**
 * Versions that may coexist, as in Cargo: one per major when major > 0,
 * else one per 0.minor when minor > 0, else each 0.0.patch on its own.
 */
export function compatGroup(version: string): string {
  return compatGroupOf(semver.parse(version)!);
}

const compatGroupOf = (v: semver.SemVer) => (v.major > 0 ? `${v.major}` : v.minor > 0 ? `0.${v.minor}` : `0.0.${v.patch}`);

/**
 * semver with each version and range parsed once per resolve: the solver
 * tests the same few ranges against the same versions many times over, and
 * semver's string forms parse (through a small LRU cache) on every call,
 * which was most of the time on a graph of 2,000 packages.
 */
function parsedSemver() {
  const versions = new Map<string, semver.SemVer>();
  const ranges = new Map<string, semver.Range>();
  const version = (v: string) => versions.get(v) ?? versions.set(v, new semver.SemVer(v)).get(v)!;
  const range = (r: string) => ranges.get(r) ?? ranges.set(r, new semver.Range(r)).get(r)!;
  return {
    satisfies: (v: string, r: string) => range(r).test(version(v)),
    compare: (a: string, b: string) => version(a).compare(version(b)),
    group: (v: string) => compatGroupOf(version(v)),
  };
}

/**
 * Resolves the whole graph (see resolveWithReport); `locked` is flock.lock's
 * versions, one or several per package.
 */
export async function resolveGraph(
  root: Record<string, string>, load: IndexLoader, locked: ReadonlyMap<string, string | readonly string[]> = new Map(), options: ResolveOptions = {},
): Promise<Resolved[]> {
  return (await resolveWithReport(root, load, locked, options)).packages;
}

/**
 * PubGrub (pubgrub.ts) over compatibility groups: each "org/name in group G"
 * is a package of its own to the solver, so palette 0.1.x and 0.2.x coexist,
 * and each range is answered by the one version chosen in the group it
 * allows. A range spanning groups (">=0.1.0") goes through a stand-in
 * package whose versions are those groups, newest first: the newest group
 * that works is taken. Newest versions are preferred; a locked version first
 * while it fits; a yanked or too-new version is chosen only when locked.
 * With no solution, the error explains why in sentences.
 */
export async function resolveWithReport(
  root: Record<string, string>, load: IndexLoader, locked: ReadonlyMap<string, string | readonly string[]> = new Map(), options: ResolveOptions = {},
): Promise<{ packages: Resolved[]; skipped: SkippedVersion[] }> {
  const lockedSet = new Set<string>();
  for (const [pkg, versions] of locked) for (const v of typeof versions === 'string' ? [versions] : versions) lockedSet.add(`${pkg}@${v}`);
  const now = (options.now ?? new Date()).getTime();
  const youngUntil = (pkg: string, line: IndexLineDto): number | null => {
    if (!options.minPublishAge || line.published === undefined || lockedSet.has(`${pkg}@${line.version}`)) return null;
    const eligible = Date.parse(line.published) + options.minPublishAge.ms;
    return eligible > now ? eligible : null;
  };
  const usable = (pkg: string, line: IndexLineDto) => lockedSet.has(`${pkg}@${line.version}`) || (!line.yanked && youngUntil(pkg, line) === null);
  const sv = parsedSemver();
  const indexOf = prefetchingLoader(load, usable, sv);
  for (const [pkg, range] of Object.entries(root)) indexOf.prefetch(pkg, range);

  interface Node {
    pkg: string;
    /** The group's versions (or, for a range's stand-in, the groups), oldest first. */
    universe: string[];
    lines: IndexLineDto[];
    range?: string;
    /** Range texts seen for this node, to describe sets in the words the user wrote. */
    ranges: Set<string>;
  }
  const nodes = new Map<string, Node>([[ROOT, { pkg: 'flock.toml', universe: ['root'], lines: [], ranges: new Set() }]]);
  const skippedBy = new Map<string, SkippedVersion[]>();
  const versionBits = (node: Node, fits: (v: string) => boolean) => node.universe.reduce((set, v, i) => (fits(v) ? set | (1n << BigInt(i)) : set), 0n);
  const inSet = (node: Node, set: bigint) => node.universe.filter((_, i) => (set >> BigInt(i)) & 1n);
  const groupNode = (pkg: string, lines: IndexLineDto[], group: string): string => {
    const key = `${pkg}#${group}`;
    if (!nodes.has(key)) {
      const mine = lines.filter((l) => sv.group(l.version) === group).sort((a, b) => sv.compare(a.version, b.version));
      nodes.set(key, { pkg, universe: mine.map((l) => l.version), lines: mine, ranges: new Set() });
    }
    return key;
  };

  // A version is decided again after a backjump: its edges are worked out once.
  const edges = new Map<string, Promise<Dependency>>();
  const edge = (pkg: string, rangeText: string) => edges.get(`${pkg} ${rangeText}`) ?? edges.set(`${pkg} ${rangeText}`, newEdge(pkg, rangeText)).get(`${pkg} ${rangeText}`)!;
  async function newEdge(pkg: string, rangeText: string): Promise<Dependency> {
    const range = parseVersionRange(rangeText);
    const lines = await indexOf(pkg);
    const matching = lines.filter((l) => sv.satisfies(l.version, range));
    const floor = (group: string) => [...group.split('.'), '0', '0'].slice(0, 3).join('.');
    const groups = [...new Set(matching.map((l) => sv.group(l.version)))].sort((a, b) => sv.compare(floor(a), floor(b)));
    if (groups.length <= 1) {
      const key = groupNode(pkg, lines, groups[0] ?? compatGroup(semver.minVersion(range)?.version ?? '0.0.0'));
      const node = nodes.get(key)!;
      node.ranges.add(range);
      const versions = versionBits(node, (v) => sv.satisfies(v, range));
      const available = lines.length === 0 ? `${pkg} has no versions` : `no version of ${pkg} matches ${range}; available: ${availability(lines)}`;
      return { pkg: key, versions, range, label: pkg, ...(versions === 0n ? { unmatched: available } : {}) };
    }
    const key = `${pkg}#range ${range}`;
    if (!nodes.has(key)) nodes.set(key, { pkg, universe: groups, lines: matching, range, ranges: new Set() });
    return { pkg: key, versions: versionBits(nodes.get(key)!, () => true), range, label: pkg };
  }

  const provider: SolverProvider = {
    root: ROOT,
    universe: (key) => nodes.get(key)!.universe,
    candidates(key, set) {
      const node = nodes.get(key)!;
      // Newest first; the universe is oldest first, and a group's lines are in the same order.
      const indexes = node.universe.map((_, i) => i).filter((i) => (set >> BigInt(i)) & 1n).reverse();
      if (key === ROOT) return indexes;
      if (node.range !== undefined) {
        // A group holding a locked version that fits comes first: the lock is kept while it fits.
        const lockedGroup = (i: number) => node.lines.some((l) => sv.group(l.version) === node.universe[i] && lockedSet.has(`${node.pkg}@${l.version}`) && sv.satisfies(l.version, node.range!));
        return [...indexes.filter(lockedGroup), ...indexes.filter((i) => !lockedGroup(i))];
      }
      const ok = indexes.filter((i) => usable(node.pkg, node.lines[i]!));
      const lockedIndex = ok.find((i) => lockedSet.has(`${node.pkg}@${node.universe[i]}`));
      const ordered = lockedIndex !== undefined ? [lockedIndex, ...ok.filter((i) => i !== lockedIndex)] : ok;
      if (ordered[0] !== undefined) {
        // The too-new versions passed over for this pick (none when the lock decides); the last pick of each node is what is reported.
        const young = lockedIndex !== undefined ? [] : indexes.filter((i) => i > ordered[0]! && !node.lines[i]!.yanked && youngUntil(node.pkg, node.lines[i]!) !== null);
        skippedBy.set(key, young.reverse().map((i) => {
          const line = node.lines[i]!;
          return { package: node.pkg, version: line.version, published: line.published!, eligible: new Date(youngUntil(node.pkg, line)!).toISOString() };
        }));
      }
      return ordered;
    },
    unavailable(key, set) {
      const node = nodes.get(key)!;
      const why = inSet(node, set).map((v) => {
        const line = node.lines.find((l) => l.version === v)!;
        const until = youngUntil(node.pkg, line);
        return line.yanked ? `${v} is yanked` : until !== null ? `${v} is too new (published ${line.published}, eligible from ${new Date(until).toISOString()})` : `${v} cannot be used`;
      });
      return `${node.pkg} ${why.join(', ')}`;
    },
    async dependencies(key, index) {
      const node = nodes.get(key)!;
      if (key === ROOT) return Promise.all(Object.keys(root).sort().map((pkg) => edge(pkg, root[pkg]!)));
      if (node.range !== undefined) {
        const group = node.universe[index]!;
        const lines = await indexOf(node.pkg);
        const target = nodes.get(groupNode(node.pkg, lines, group))!;
        target.ranges.add(node.range);
        return [{ pkg: `${node.pkg}#${group}`, versions: versionBits(target, (v) => sv.satisfies(v, node.range!)), range: node.range, label: node.pkg }];
      }
      const deps = node.lines[index]!.dependencies;
      return Promise.all(Object.keys(deps).sort().map((pkg) => edge(pkg, deps[pkg]!)));
    },
  };

  function describeSet(node: Node, set: bigint): string {
    const versions = inSet(node, set);
    if (node.range !== undefined) return `${node.pkg} ${node.range}${versions.length < node.universe.length ? ` (as ${versions.map(groupRange).join(' or ')})` : ''}`;
    if (versions.length === 1) return `${node.pkg} ${versions[0]}`;
    for (const range of node.ranges) if (versionBits(node, (v) => sv.satisfies(v, range)) === (set & ((1n << BigInt(node.universe.length)) - 1n))) return `${node.pkg} ${range}`;
    const first = node.universe.indexOf(versions[0]!);
    const contiguous = versions.every((v, i) => node.universe[first + i] === v);
    if (contiguous && versions.length === node.universe.length) return `${node.pkg} ${groupRange(compatGroup(versions[0]!))}`;
    if (contiguous) return `${node.pkg} >=${versions[0]} <=${versions.at(-1)}`;
    return `${node.pkg} ${versions.join(' or ')}`;
  }

  const describer: Describer = {
    root: ROOT,
    depender: (key, version) => {
      const node = nodes.get(key)!;
      if (key === ROOT) return 'your flock.toml asks for';
      if (node.range !== undefined) return `${node.pkg} ${node.range} taken as ${groupRange(version)} means`;
      return `${node.pkg} ${version} needs`;
    },
    positive: (t: Term) => ((t.set >> BigInt(nodes.get(t.pkg)!.universe.length)) & 1n) === 0n,
    versions: (t) => describeSet(nodes.get(t.pkg)!, t.set),
    negated: (t) => describeSet(nodes.get(t.pkg)!, ~t.set),
  };

  let chosen: Map<string, number>;
  try {
    chosen = await solve(provider, options.maxSteps ?? MAX_STEPS);
  } catch (error) {
    if (error instanceof NoSolution) throw new CliExit(explain(error.incompatibility, describer));
    if (error instanceof TooMuchWork) {
      throw new CliExit(`Cannot resolve dependencies: gave up after ${options.maxSteps ?? MAX_STEPS} decisions and conflicts; pin some dependencies to narrower ranges in flock.toml`);
    }
    throw error;
  }
  const packages: Resolved[] = [];
  const skipped: SkippedVersion[] = [];
  for (const [key, index] of chosen) {
    const node = nodes.get(key)!;
    if (node.range !== undefined) continue;
    const line = node.lines[index]!;
    packages.push({ package: node.pkg, version: line.version, checksum: line.checksum, dependencies: line.dependencies });
    skipped.push(...(skippedBy.get(key) ?? []));
  }
  const byPackage = (a: { package: string; version: string }, b: { package: string; version: string }) =>
    (a.package === b.package ? sv.compare(a.version, b.version) : a.package < b.package ? -1 : 1);
  return { packages: packages.sort(byPackage), skipped: skipped.sort(byPackage) };
}

/** The range a whole group answers: ^2, ^0.3, =0.0.4. */
function groupRange(group: string): string {
  return group.startsWith('0.0.') ? `=${group}` : `^${group}`;
}

const availability = (lines: IndexLineDto[]) =>
  [...lines].sort((a, b) => semver.compare(a.version, b.version)).map((l) => `${l.version}${l.yanked ? ' (yanked)' : ''}`).join(', ');

/**
 * Index reads, each made once, that also read ahead: once a package's index
 * arrives, the indexes of the dependencies of its newest usable version are
 * requested too, at most PARALLEL_INDEX_READS at a time. The solver
 * decides one version at a time, awaiting the indexes of its dependencies;
 * with the read-ahead those answers are mostly there already (that newest
 * version is what it tries first). A read-ahead that fails is ignored: if the
 * resolver does need that index, awaiting it reports the failure then.
 */
function prefetchingLoader(load: IndexLoader, usable: (pkg: string, line: IndexLineDto) => boolean, sv: ReturnType<typeof parsedSemver>) {
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
      const fits = lines.filter((l) => usable(pkg, l) && sv.satisfies(l.version, range));
      const line = fits.reduce<IndexLineDto | undefined>((best, l) => (best === undefined || sv.compare(l.version, best.version) > 0 ? l : best), undefined);
      for (const [dep, depRange] of Object.entries(line?.dependencies ?? {})) prefetch(dep, depRange);
    }).catch(() => {});
  }
  return Object.assign(indexOf, { prefetch });
}
