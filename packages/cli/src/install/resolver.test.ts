import { describe, expect, it } from 'vitest';
import type { IndexLineDto } from '@flock/core';
import { resolveGraph, resolveWithReport } from './resolver.js';

const sum = (s: string) => `sha256:${s.padEnd(64, '0')}`;
function registry(packages: Record<string, Array<[string, Record<string, string>, boolean?]>>) {
  const asked: string[] = [];
  const load = async (pkg: string): Promise<IndexLineDto[]> => {
    asked.push(pkg);
    return (packages[pkg] ?? []).map(([version, dependencies, yanked]) => ({ version, dependencies, checksum: sum(version.replace(/\D/g, '')), yanked: yanked ?? false }));
  };
  return { load, asked };
}
const pick = (resolved: Array<{ package: string; version: string }>) => resolved.map((r) => `${r.package}@${r.version}`);

describe('resolveGraph', () => {
  it('picks the newest version satisfying every range, through the whole graph', async () => {
    const { load } = registry({
      'a/app-lib': [['1.0.0', { 'a/base': '^1.1' }], ['1.4.0', { 'a/base': '^1.2' }]],
      'a/other': [['2.0.0', { 'a/base': '>=1.0.0 <1.3.0' }]],
      'a/base': [['1.0.0', {}], ['1.2.5', {}], ['1.3.0', {}], ['2.0.0', {}]],
    });
    const resolved = await resolveGraph({ 'a/app-lib': '1', 'a/other': '2' }, load);
    expect(pick(resolved)).toEqual(['a/app-lib@1.4.0', 'a/base@1.2.5', 'a/other@2.0.0']);
    expect(resolved.find((r) => r.package === 'a/base')).toEqual({ package: 'a/base', version: '1.2.5', checksum: sum('125'), dependencies: {} });
  });

  it('allows one version per compatibility group: two majors, or two 0.x minors, of one package coexist', async () => {
    const { load } = registry({ 'a/x': [['1.0.0', { 'a/base': '1' }]], 'a/base': [['1.5.0', {}], ['2.1.0', {}]] });
    expect(pick(await resolveGraph({ 'a/x': '1', 'a/base': '2' }, load))).toEqual(['a/base@1.5.0', 'a/base@2.1.0', 'a/x@1.0.0']);
    const zero = registry({ 'a/x': [['1.0.0', { 'a/base': '0.1' }]], 'a/base': [['0.1.2', {}], ['0.2.0', {}], ['0.2.3', {}]] });
    expect(pick(await resolveGraph({ 'a/x': '1', 'a/base': '0.2' }, zero.load))).toEqual(['a/base@0.1.2', 'a/base@0.2.3', 'a/x@1.0.0']);
  });

  it('never newly chooses a yanked version, but keeps a locked one', async () => {
    const { load } = registry({ 'a/base': [['1.0.0', {}], ['1.1.0', {}, true]] });
    expect(pick(await resolveGraph({ 'a/base': '1' }, load))).toEqual(['a/base@1.0.0']);
    expect(pick(await resolveGraph({ 'a/base': '1' }, load, new Map([['a/base', '1.1.0']])))).toEqual(['a/base@1.1.0']);
  });

  it('keeps a locked version while it satisfies every range, and moves when it no longer does', async () => {
    const { load } = registry({ 'a/base': [['1.0.0', {}], ['1.4.0', {}]] });
    const locked = new Map([['a/base', '1.0.0']]);
    expect(pick(await resolveGraph({ 'a/base': '1' }, load, locked))).toEqual(['a/base@1.0.0']);
    expect(pick(await resolveGraph({ 'a/base': '1.2' }, load, locked))).toEqual(['a/base@1.4.0']);
  });

  it('drops what only a no-longer-chosen version asked for', async () => {
    const { load } = registry({
      'a/top': [['1.0.0', { 'a/old': '1' }], ['1.1.0', {}]],
      'a/pin': [['1.0.0', { 'a/top': '>=1.1.0' }]],
      'a/old': [['1.0.0', {}]],
    });
    expect(pick(await resolveGraph({ 'a/top': '1', 'a/pin': '1' }, load, new Map([['a/top', '1.0.0']])))).toEqual(['a/pin@1.0.0', 'a/top@1.1.0']);
  });

  it('explains a conflict: which packages ask for what, step by step', async () => {
    const { load } = registry({ 'a/lib': [['1.0.0', { 'a/base': '~1.0' }]], 'a/base': [['1.0.3', {}], ['1.2.0', {}]] });
    await expect(resolveGraph({ 'a/lib': '1', 'a/base': '1.2' }, load)).rejects.toThrow([
      'Cannot resolve dependencies:',
      'Because a/lib 1.0.0 needs a/base ~1.0 and your flock.toml asks for a/base ^1.2, a/lib 1.0.0 cannot be used.',
      'And because your flock.toml asks for a/lib ^1, no choice of versions satisfies your flock.toml.',
    ].join('\n'));
  });

  it('names a range nothing matches, and a package with no versions', async () => {
    const { load } = registry({ 'a/base': [['1.0.0', {}]] });
    await expect(resolveGraph({ 'a/base': '2' }, load)).rejects.toThrow(
      'Cannot resolve dependencies:\nYour flock.toml asks for a/base ^2 (no version of a/base matches ^2; available: 1.0.0).',
    );
    await expect(resolveGraph({ 'a/none': '1' }, load)).rejects.toThrow('Cannot resolve dependencies:\nYour flock.toml asks for a/none ^1 (a/none has no versions).');
  });

  it('gives up with a clear error past the cap on decisions and conflicts', async () => {
    // a 1.i needs c 1.i; b 1.j needs c below 1.(30-j): the newest b rules out the newest a, and so on down.
    const versions = (n: number, deps: (i: number) => Record<string, string>) => Array.from({ length: n }, (_, i) => [`1.${i}.0`, deps(i)] as [string, Record<string, string>]);
    const { load } = registry({
      'a/a': versions(30, (i) => ({ 'a/c': `=1.${i}.0` })),
      'a/b': versions(30, (j) => ({ 'a/c': `>=1.0.0 <1.${30 - j}.0` })),
      'a/c': versions(30, () => ({})),
    });
    await expect(resolveGraph({ 'a/a': '1', 'a/b': '1' }, load, new Map(), { maxSteps: 10 })).rejects.toThrow(
      'Cannot resolve dependencies: gave up after 10 decisions and conflicts; pin some dependencies to narrower ranges in flock.toml',
    );
    expect(pick(await resolveGraph({ 'a/a': '1', 'a/b': '1' }, load))).toEqual(['a/a@1.29.0', 'a/b@1.0.0', 'a/c@1.29.0']);
  });

  it('skips versions younger than min-publish-age, reports when they become eligible, and keeps a locked one', async () => {
    const now = new Date('2026-12-01T12:00:00.000Z');
    const lines: IndexLineDto[] = [
      { version: '1.0.0', dependencies: {}, checksum: sum('100'), yanked: false, published: '2026-11-01T00:00:00.000Z' },
      { version: '1.1.0', dependencies: {}, checksum: sum('110'), yanked: false, published: '2026-11-30T12:00:00.000Z' },
      { version: '1.2.0', dependencies: {}, checksum: sum('120'), yanked: false, published: '2026-12-01T11:00:00.000Z' },
    ];
    const load = async () => lines;
    const minPublishAge = { ms: 3 * 86_400_000, text: '3d' };
    const young = await resolveWithReport({ 'a/base': '1' }, load, new Map(), { minPublishAge, now });
    expect(pick(young.packages)).toEqual(['a/base@1.0.0']);
    expect(young.skipped).toEqual([
      { package: 'a/base', version: '1.1.0', published: '2026-11-30T12:00:00.000Z', eligible: '2026-12-03T12:00:00.000Z' },
      { package: 'a/base', version: '1.2.0', published: '2026-12-01T11:00:00.000Z', eligible: '2026-12-04T11:00:00.000Z' },
    ]);
    const locked = await resolveWithReport({ 'a/base': '1' }, load, new Map([['a/base', '1.1.0']]), { minPublishAge, now });
    expect(pick(locked.packages)).toEqual(['a/base@1.1.0']);
    // The lock chose, not the cooldown: nothing is reported as skipped.
    expect(locked.skipped).toEqual([]);
    expect(pick(await resolveGraph({ 'a/base': '1' }, load))).toEqual(['a/base@1.2.0']);
    // Only too-new versions match: the error says when they become eligible.
    await expect(resolveGraph({ 'a/base': '1.1' }, load, new Map(), { minPublishAge, now })).rejects.toThrow(
      'Because a/base 1.1.0 is too new (published 2026-11-30T12:00:00.000Z, eligible from 2026-12-03T12:00:00.000Z), 1.2.0 is too new',
    );
  });

  it('reads indexes ahead, several at a time but at most 16, each once, and resolves the same graph', async () => {
    // Each of 40 packages asks for two of 40 more; every index answers after a timer, as over the network.
    const tops = Array.from({ length: 40 }, (_, i) => `a/top${i}`);
    const packages: Record<string, Array<[string, Record<string, string>]>> = {};
    tops.forEach((pkg, i) => (packages[pkg] = [['1.0.0', { [`a/leaf${i}`]: '1', [`a/leaf${(i + 1) % 40}`]: '1' }]]));
    tops.forEach((_, i) => (packages[`a/leaf${i}`] = [['1.0.0', {}]]));
    const { load: instant, asked } = registry(packages);
    let inFlight = 0;
    let most = 0;
    const load = async (pkg: string) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return instant(pkg);
    };
    const resolved = await resolveGraph(Object.fromEntries(tops.map((t) => [t, '1'])), load);
    expect(resolved).toHaveLength(80);
    expect(most).toBe(16);
    expect(asked).toHaveLength(80);
    expect(new Set(asked).size).toBe(80);
  });
});
