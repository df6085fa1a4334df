import { join } from 'node:path';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { CliExit } from '../context.js';
import { readOptional, writeFileAtomic, type AtomicWriteOptions } from '../fs-write.js';
import type { Resolved } from './resolver.js';

export const LOCKFILE = 'flock.lock';
const HEADER = '# Written by `flock install`: the exact versions and checksums of every dependency. Do not edit by hand.\n';

export interface Lockfile {
  /** The [dependencies] of flock.toml this lock was made for, so an edited range is noticed. */
  root: Record<string, string>;
  packages: Resolved[];
}

const sortedRecord = (record: Record<string, string>) => Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]!]));

/** Stable text: packages sorted by name then version, keys in a fixed order, so diffs show only what changed. */
export function renderLockfile(lock: Lockfile): string {
  const doc = {
    version: 1,
    root: { dependencies: sortedRecord(lock.root) },
    package: [...lock.packages]
      .sort((a, b) => (a.package === b.package ? (a.version < b.version ? -1 : 1) : a.package < b.package ? -1 : 1))
      .map((p) => ({
        name: p.package, version: p.version, checksum: p.checksum,
        ...(Object.keys(p.dependencies).length > 0 ? { dependencies: sortedRecord(p.dependencies) } : {}),
      })),
  };
  return `${HEADER}${stringifyToml(doc)}\n`;
}

function invalid(reason: string): CliExit {
  return new CliExit(`${LOCKFILE}: ${reason} (delete it and run \`flock install\` to write a new one)`);
}

export function parseLockfile(text: string): Lockfile {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    throw invalid((error as Error).message.split('\n')[0]!);
  }
  if (raw.version !== 1) throw invalid('unknown lockfile version');
  const root = (raw.root as { dependencies?: Record<string, string> } | undefined)?.dependencies ?? {};
  const entries = Array.isArray(raw.package) ? (raw.package as Array<Record<string, unknown>>) : [];
  const packages = entries.map((p) => {
    if (typeof p.name !== 'string' || typeof p.version !== 'string' || typeof p.checksum !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(p.checksum)) {
      throw invalid('a [[package]] entry lacks name, version or a sha256 checksum');
    }
    return { package: p.name, version: p.version, checksum: p.checksum, dependencies: (p.dependencies ?? {}) as Record<string, string> };
  });
  return { root, packages };
}

/** The lockfile's text and parsed contents, or null when the project has none. */
export async function readLockfile(projectRoot: string): Promise<{ text: string; lock: Lockfile } | null> {
  const text = await readOptional(join(projectRoot, LOCKFILE));
  return text === null ? null : { text, lock: parseLockfile(text) };
}

export async function writeLockfile(projectRoot: string, text: string, options: AtomicWriteOptions = {}): Promise<void> {
  await writeFileAtomic(join(projectRoot, LOCKFILE), text, options);
}
