import semver from 'semver';
import { parseVersionRange } from '@flock/core/versions';
import { CliExit } from '../context.js';
import { loadProject, type Project } from '../project.js';
import { lockAnswers } from './installed.js';
import { readLockfile, type Lockfile } from './lockfile.js';

/**
 * flock.lock as a graph, for `flock tree`, `flock why` and `flock outdated`:
 * no registry, only the lock. The lock may hold two versions of one package
 * (one per compatibility group), so an edge is a range, and it leads to the
 * newest locked version of that package the range accepts, as the resolver
 * and lockAnswers pick it.
 */
export type LockedPackage = Lockfile['packages'][number];

export interface LockEdge {
  package: string;
  range: string;
  /** The locked version the range picks; null when the lock holds none that fits (an out-of-date lock). */
  target: LockedPackage | null;
}

/** One line of `flock tree --json`: a locked package reached through `range`. */
export interface TreeNode {
  package: string;
  /** null when no locked version fits the range. */
  version: string | null;
  range: string;
  /** Its dependencies are listed where it was shown first (cargo tree's "(*)"). */
  repeated: boolean;
  dependencies: TreeNode[];
}

/** One dependent in `flock why --json`: who asks for the package below it, with which range; "flock.toml" is the project. */
export interface WhyNode {
  package: string;
  version: string | null;
  range: string;
  repeated: boolean;
  dependents: WhyNode[];
}

export const MANIFEST_NODE = 'flock.toml';

/** `root` is what the project asks for: flock.toml's [dependencies], which an out-of-date lock may not answer. */
export function lockGraph(lock: Lockfile, root: Record<string, string> = lock.root) {
  const versions = new Map<string, LockedPackage[]>();
  for (const p of lock.packages) versions.set(p.package, [...(versions.get(p.package) ?? []), p]);
  const target = (pkg: string, rangeText: string): LockedPackage | null => {
    const range = parseVersionRange(rangeText);
    const fits = (versions.get(pkg) ?? []).filter((p) => semver.valid(p.version) !== null && semver.satisfies(p.version, range));
    return fits.reduce<LockedPackage | null>((a, b) => (a === null || semver.gt(b.version, a.version) ? b : a), null);
  };
  const edgesOf = (deps: Record<string, string>): LockEdge[] =>
    Object.keys(deps).sort().map((pkg) => ({ package: pkg, range: deps[pkg]!, target: target(pkg, deps[pkg]!) }));
  const edges = new Map(lock.packages.map((p) => [p, edgesOf(p.dependencies)]));
  return { versions, target, root: edgesOf(root), edgesFrom: (p: LockedPackage) => edges.get(p) ?? [] };
}

export type LockGraph = ReturnType<typeof lockGraph>;

/** The dependency tree from flock.toml's entries down; a package whose dependencies were already listed is marked repeated instead. */
export function dependencyTree(graph: LockGraph): TreeNode[] {
  const expanded = new Set<LockedPackage>();
  const walk = (edges: LockEdge[]): TreeNode[] => edges.map(({ package: pkg, range, target }) => {
    const node: TreeNode = { package: pkg, version: target?.version ?? null, range, repeated: false, dependencies: [] };
    if (target === null) return node;
    const below = graph.edgesFrom(target);
    if (expanded.has(target)) return { ...node, repeated: below.length > 0 };
    expanded.add(target);
    return { ...node, dependencies: walk(below) };
  });
  return walk(graph.root);
}

/** Every locked version of `pkg` (or just `version`), each with the tree of what asks for it, down to flock.toml. */
export function whyTree(graph: LockGraph, lock: Lockfile, pkg: string, version?: string): Array<{ package: string; version: string; dependents: WhyNode[] }> {
  const incoming = new Map<LockedPackage, Array<{ from: LockedPackage | null; range: string }>>();
  const note = (from: LockedPackage | null, edge: LockEdge) => {
    if (edge.target) incoming.set(edge.target, [...(incoming.get(edge.target) ?? []), { from, range: edge.range }]);
  };
  for (const edge of graph.root) note(null, edge);
  for (const p of lock.packages) for (const edge of graph.edgesFrom(p)) note(p, edge);

  const expanded = new Set<LockedPackage>();
  const dependentsOf = (p: LockedPackage): WhyNode[] => {
    // Packages by name and version, then the project itself.
    const askers = [...(incoming.get(p) ?? [])].sort((a, b) => {
      if (a.from === null || b.from === null) return a.from === null ? 1 : -1;
      return a.from.package === b.from.package ? semver.compare(a.from.version, b.from.version) : a.from.package < b.from.package ? -1 : 1;
    });
    return askers.map(({ from, range }) => {
      if (from === null) return { package: MANIFEST_NODE, version: null, range, repeated: false, dependents: [] };
      const node: WhyNode = { package: from.package, version: from.version, range, repeated: false, dependents: [] };
      if (expanded.has(from)) return { ...node, repeated: true };
      expanded.add(from);
      return { ...node, dependents: dependentsOf(from) };
    });
  };
  const found = (graph.versions.get(pkg) ?? []).filter((p) => version === undefined || p.version === version);
  return found.sort((a, b) => semver.compare(a.version, b.version)).map((p) => {
    expanded.add(p);
    return { package: p.package, version: p.version, dependents: dependentsOf(p) };
  });
}

interface Drawn {
  text: string;
  children: Drawn[];
}

/** Lines of a tree drawn like `cargo tree`: ├── and └── under `top`. */
export function drawTree(top: string, children: Drawn[]): string[] {
  const lines = [top];
  const draw = (nodes: Drawn[], prefix: string) => nodes.forEach((node, i) => {
    const last = i === nodes.length - 1;
    lines.push(`${prefix}${last ? '└── ' : '├── '}${node.text}`);
    draw(node.children, `${prefix}${last ? '    ' : '│   '}`);
  });
  draw(children, '');
  return lines;
}

export const drawnTree = (nodes: TreeNode[]): Drawn[] => nodes.map((n) => ({
  text: n.version === null ? `${n.package} ${n.range} (not in flock.lock)` : `${n.package} ${n.version}${n.repeated ? ' (*)' : ''}`,
  children: drawnTree(n.dependencies),
}));

export const drawnWhy = (nodes: WhyNode[]): Drawn[] => nodes.map((n) => ({
  text: `${n.package}${n.version === null ? '' : ` ${n.version}`} (${n.range})${n.repeated ? ' (*)' : ''}`,
  children: drawnWhy(n.dependents),
}));

/**
 * The project and its flock.lock, for the commands that read only the lock.
 * A lock that no longer answers flock.toml is still shown, with a note on stderr.
 */
export async function loadLockedProject(ctx: { cwd: string; err(line: string): void }): Promise<{ project: Project; lock: Lockfile }> {
  const project = await loadProject(ctx.cwd);
  const existing = await readLockfile(project.root);
  if (existing === null) throw new CliExit(`No flock.lock in ${project.root}: run \`flock install\` first`);
  if (!lockAnswers(existing.lock, project.manifest.dependencies)) ctx.err('Note: flock.lock is out of date with flock.toml (run `flock install` to update it)');
  return { project, lock: existing.lock };
}
