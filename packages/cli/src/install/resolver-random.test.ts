import semver from 'semver';
import { describe, expect, it } from 'vitest';
import type { IndexLineDto } from '@flock/core';
import { resolveGraph } from './resolver.js';

/** A small seeded generator (mulberry32), so a failing graph can be found again. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Registry = Record<string, Array<{ version: string; dependencies: Record<string, string> }>>;

/** Five packages of versions 1.0.0-1.4.0 (one group), each version needing up to two others within some window. */
function graph(next: () => number): { registry: Registry; root: Record<string, string> } {
  const names = ['a/p0', 'a/p1', 'a/p2', 'a/p3', 'a/p4'];
  const window = () => {
    const lo = Math.floor(next() * 5);
    const hi = lo + 1 + Math.floor(next() * (5 - lo));
    return `>=1.${lo}.0 <1.${hi}.0`;
  };
  const registry: Registry = {};
  for (const [i, name] of names.entries()) {
    registry[name] = Array.from({ length: 5 }, (_, v) => {
      const dependencies: Record<string, string> = {};
      for (const other of names.slice(i + 1)) if (next() < 0.35) dependencies[other] = window();
      return { version: `1.${v}.0`, dependencies };
    });
  }
  return { registry, root: { 'a/p0': window(), 'a/p1': window(), ...(next() < 0.5 ? { 'a/p4': window() } : {}) } };
}

/** Whether some choice (each package absent or at one version) satisfies every requirement: by trying them all. */
function solvable({ registry, root }: ReturnType<typeof graph>): boolean {
  const names = Object.keys(registry);
  const choice: Array<number> = names.map(() => -1);
  const fits = (deps: Record<string, string>) => Object.entries(deps).every(([dep, range]) => {
    const at = choice[names.indexOf(dep)]!;
    return at >= 0 && semver.satisfies(registry[dep]![at]!.version, range);
  });
  const search = (i: number): boolean => {
    if (i === names.length) return fits(root) && names.every((name, k) => choice[k]! < 0 || fits(registry[name]![choice[k]!]!.dependencies));
    for (let v = -1; v < 5; v++) {
      choice[i] = v;
      if (search(i + 1)) return true;
    }
    return false;
  };
  return search(0);
}

describe('resolveGraph on random graphs', () => {
  it('finds a valid solution exactly when one exists (200 graphs, checked by trying every choice)', async () => {
    const next = random(12);
    let solved = 0;
    for (let n = 0; n < 200; n++) {
      const g = graph(next);
      const load = async (pkg: string): Promise<IndexLineDto[]> =>
        g.registry[pkg]!.map((l) => ({ ...l, checksum: `sha256:${'0'.repeat(64)}`, yanked: false }));
      const expected = solvable(g);
      const result = await resolveGraph(g.root, load).catch((error: Error) => error);
      if (result instanceof Error) {
        expect(result.message.split('\n')[0], `graph ${n}: ${JSON.stringify(g)}`).toBe('Cannot resolve dependencies:');
        expect(expected, `graph ${n} has a solution: ${JSON.stringify(g)}`).toBe(false);
        continue;
      }
      solved++;
      expect(expected, `graph ${n}`).toBe(true);
      const chosen = new Map(result.map((r) => [r.package, r]));
      expect(chosen.size).toBe(result.length);
      for (const deps of [g.root, ...result.map((r) => r.dependencies)]) {
        for (const [dep, range] of Object.entries(deps)) expect(semver.satisfies(chosen.get(dep)?.version ?? '0.0.0', range), `graph ${n}: ${dep} ${range}`).toBe(true);
      }
    }
    // Both outcomes are well represented.
    expect(solved).toBeGreaterThan(30);
    expect(solved).toBeLessThan(180);
  });
});
