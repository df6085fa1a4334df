import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import type { IndexLineDto } from '@flock/core';
import { resolveGraph } from './resolver.js';

/**
 * Each resolver-golden/<name>.toml is a registry (one line per version:
 * "1.2.0 (yanked): a/dep ^1; a/other >=1.0.0 <1.2.0"), the root's
 * [dependencies], [locked] versions, and below the "# --- expected ---" line
 * an [outcome]: the resolved list or the exact error. UPDATE_GOLDEN=1 rewrites that
 * part from what the resolver does now (then read the diff before committing).
 */
const DIR = join(dirname(fileURLToPath(import.meta.url)), 'resolver-golden');
const MARK = '# --- expected ---';

interface Golden {
  registry: Record<string, string[]>;
  dependencies: Record<string, string>;
  locked?: Record<string, string[]>;
  outcome?: { expected?: string[]; error?: string };
}

function line(spec: string): IndexLineDto {
  const [head, deps = ''] = spec.split(/:(.*)/s);
  const [version, ...flags] = head!.trim().split(/\s+/);
  const dependencies: Record<string, string> = {};
  for (const dep of deps.split(';').map((d) => d.trim()).filter(Boolean)) {
    const [name, ...range] = dep.split(/\s+/);
    dependencies[name!] = range.join(' ');
  }
  const checksum = `sha256:${Buffer.from(version!).toString('hex').padEnd(64, '0').slice(0, 64)}`;
  return { version: version!, dependencies, checksum, yanked: flags.includes('(yanked)') };
}

async function outcome(golden: Golden): Promise<{ expected: string[] } | { error: string }> {
  const load = async (pkg: string) => (golden.registry[pkg] ?? []).map(line);
  try {
    const resolved = await resolveGraph(golden.dependencies, load, new Map(Object.entries(golden.locked ?? {})));
    return { expected: resolved.map((r) => `${r.package}@${r.version}`) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('resolver golden files', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.toml')).sort();
  it('has at least 10 graphs', () => expect(files.length).toBeGreaterThanOrEqual(10));
  for (const file of files) {
    it(file.replace(/\.toml$/, ''), async () => {
      const text = readFileSync(join(DIR, file), 'utf8');
      const golden = parse(text) as unknown as Golden;
      const actual = await outcome(golden);
      if (process.env.UPDATE_GOLDEN === '1') {
        const head = text.split(MARK)[0]!.trimEnd();
        const tail = 'expected' in actual
          ? `[outcome]\nexpected = [\n${actual.expected.map((p) => `  "${p}",\n`).join('')}]`
          : `[outcome]\nerror = '''\n${actual.error}'''`;
        writeFileSync(join(DIR, file), `${head}\n\n${MARK}\n${tail}\n`);
        return;
      }
      const { expected, error } = golden.outcome ?? {};
      expect(expected !== undefined || error !== undefined, `${file} has no [outcome]`).toBe(true);
      expect(actual).toEqual(expected !== undefined ? { expected } : { error });
    });
  }
});
