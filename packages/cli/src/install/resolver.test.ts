import { describe, expect, it } from 'vitest';
import type { IndexLineDto } from '@flock/core';
import { resolveGraph } from './resolver.js';

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

  it('allows one version per semver-major: two majors of one package can coexist', async () => {
    const { load } = registry({ 'a/x': [['1.0.0', { 'a/base': '1' }]], 'a/base': [['1.5.0', {}], ['2.1.0', {}]] });
    expect(pick(await resolveGraph({ 'a/x': '1', 'a/base': '2' }, load))).toEqual(['a/base@1.5.0', 'a/base@2.1.0', 'a/x@1.0.0']);
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

  it('explains a conflict: which packages ask for what', async () => {
    const { load } = registry({ 'a/lib': [['1.0.0', { 'a/base': '~1.0' }]], 'a/base': [['1.0.3', {}], ['1.2.0', {}]] });
    await expect(resolveGraph({ 'a/lib': '1', 'a/base': '1.2' }, load)).rejects.toThrow(
      'Cannot pick a version of a/base: flock.toml asks for ^1.2, a/lib@1.0.0 asks for ~1.0, and no version satisfies all of them',
    );
  });

  it('names a range nothing matches, and a package with no versions', async () => {
    const { load } = registry({ 'a/base': [['1.0.0', {}]] });
    await expect(resolveGraph({ 'a/base': '2' }, load)).rejects.toThrow('No version of a/base matches ^2 (asked by flock.toml; available: 1.0.0)');
    await expect(resolveGraph({ 'a/none': '1' }, load)).rejects.toThrow('No version of a/none matches ^1 (asked by flock.toml; it has no versions)');
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
