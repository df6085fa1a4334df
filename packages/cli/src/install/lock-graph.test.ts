import { describe, expect, it } from 'vitest';
import { dependencyTree, drawTree, drawnTree, drawnWhy, lockGraph, whyTree } from './lock-graph.js';
import type { Lockfile } from './lockfile.js';

const sum = (c: string) => `sha256:${c.repeat(64)}`;

// app → banner ^0.1 → palette ^0.1; app → palette ^0.2 directly; banner and theme both use util.
const lock: Lockfile = {
  root: { 'a/banner': '^0.1.0', 'a/palette': '^0.2.0', 'a/theme': '^1.0.0' },
  packages: [
    { package: 'a/banner', version: '0.1.0', checksum: sum('1'), dependencies: { 'a/palette': '^0.1.0', 'a/util': '^1.0.0' } },
    { package: 'a/palette', version: '0.1.1', checksum: sum('2'), dependencies: {} },
    { package: 'a/palette', version: '0.2.0', checksum: sum('3'), dependencies: {} },
    { package: 'a/theme', version: '1.0.0', checksum: sum('4'), dependencies: { 'a/util': '^1.0.0' } },
    { package: 'a/util', version: '1.2.0', checksum: sum('5'), dependencies: { 'a/palette': '^0.2.0' } },
  ],
};

describe('flock tree: the lock as a tree', () => {
  it('follows each range to the locked version it picks, when one package is locked at two versions', () => {
    const graph = lockGraph(lock);
    expect(graph.target('a/palette', '^0.1.0')?.version).toBe('0.1.1');
    expect(graph.target('a/palette', '0.2')?.version).toBe('0.2.0');
    expect(graph.target('a/palette', '^1.0.0')).toBeNull();
  });

  it('draws cargo-style branches and marks a subtree already shown with (*)', () => {
    expect(drawTree('app 0.1.0', drawnTree(dependencyTree(lockGraph(lock))))).toEqual([
      'app 0.1.0',
      '├── a/banner 0.1.0',
      '│   ├── a/palette 0.1.1',
      '│   └── a/util 1.2.0',
      '│       └── a/palette 0.2.0',
      '├── a/palette 0.2.0',
      '└── a/theme 1.0.0',
      '    └── a/util 1.2.0 (*)',
    ]);
  });

  it('gives the JSON nodes range, version and repeated; a range the lock cannot answer has version null', () => {
    const stale = { ...lock, root: { ...lock.root, 'a/gone': '^3.0.0' } };
    const nodes = dependencyTree(lockGraph(stale));
    expect(nodes[1]).toEqual({ package: 'a/gone', version: null, range: '^3.0.0', repeated: false, dependencies: [] });
    expect(nodes[3]!.dependencies[0]).toEqual({ package: 'a/util', version: '1.2.0', range: '^1.0.0', repeated: true, dependencies: [] });
    expect(drawnTree(nodes)[1]!.text).toBe('a/gone ^3.0.0 (not in flock.lock)');
  });

  it('ends on a cycle instead of walking it for ever', () => {
    const cyclic: Lockfile = {
      root: { 'a/x': '1' },
      packages: [
        { package: 'a/x', version: '1.0.0', checksum: sum('1'), dependencies: { 'a/y': '1' } },
        { package: 'a/y', version: '1.0.0', checksum: sum('2'), dependencies: { 'a/x': '1' } },
      ],
    };
    expect(drawTree('app 0.1.0', drawnTree(dependencyTree(lockGraph(cyclic))))).toEqual([
      'app 0.1.0', '└── a/x 1.0.0', '    └── a/y 1.0.0', '        └── a/x 1.0.0 (*)',
    ]);
    const [entry] = whyTree(lockGraph(cyclic), cyclic, 'a/x');
    expect(drawTree('a/x 1.0.0', drawnWhy(entry!.dependents))).toEqual(['a/x 1.0.0', '├── a/y 1.0.0 (1)', '│   └── a/x 1.0.0 (1) (*)', '└── flock.toml (1)']);
  });
});

describe('flock why: the inverse tree', () => {
  it('lists every way up to flock.toml, packages first, flock.toml last', () => {
    const [entry] = whyTree(lockGraph(lock), lock, 'a/util');
    expect(drawTree(`${entry!.package} ${entry!.version}`, drawnWhy(entry!.dependents))).toEqual([
      'a/util 1.2.0',
      '├── a/banner 0.1.0 (^1.0.0)',
      '│   └── flock.toml (^0.1.0)',
      '└── a/theme 1.0.0 (^1.0.0)',
      '    └── flock.toml (^1.0.0)',
    ]);
  });

  it('answers for each locked version of the package, or only the one named', () => {
    const graph = lockGraph(lock);
    const both = whyTree(graph, lock, 'a/palette');
    expect(both.map((e) => e.version)).toEqual(['0.1.1', '0.2.0']);
    expect(both[0]!.dependents.map((d) => `${d.package} ${d.range}`)).toEqual(['a/banner ^0.1.0']);
    expect(both[1]!.dependents.map((d) => `${d.package} ${d.range}`)).toEqual(['a/util ^0.2.0', 'flock.toml ^0.2.0']);
    expect(whyTree(graph, lock, 'a/palette', '0.2.0').map((e) => e.version)).toEqual(['0.2.0']);
    expect(whyTree(graph, lock, 'a/nope')).toEqual([]);
  });

  it('marks a dependent whose own way up was already shown', () => {
    const [, second] = whyTree(lockGraph(lock), lock, 'a/palette');
    // banner was expanded under palette 0.1.1 first.
    expect(second!.dependents[0]!.dependents.map((d) => `${d.package}${d.repeated ? ' (*)' : ''}`)).toEqual(['a/banner (*)', 'a/theme']);
  });
});
