import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { DEFAULT_LIMITS, FlockError, parseFlockToml, parsePackageRef, satisfies, type Manifest } from '@flock/core';
import { CliExit } from '../context.js';

/** One package of a workspace (or the lone package of a plain project, at path ''). */
export interface Member {
  /** Folder relative to the workspace root, '/'-separated; '' for the root. */
  path: string;
  /** With the effective org filled in. */
  manifest: Manifest;
}

export const memberKey = (m: Manifest): string => `${m.package.org ?? ''}/${m.package.name}`;

/** flock.toml in `dir` parsed as package and/or workspace, or null when there is none; errors name `label`. */
export async function readFlockToml(dir: string, label = 'flock.toml') {
  let text: string;
  try {
    text = await readFile(join(dir, 'flock.toml'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    return parseFlockToml(text, label);
  } catch (error) {
    if (error instanceof FlockError) throw new CliExit(error.message);
    throw error;
  }
}

/** The nearest folder at or above `start` whose flock.toml has `[workspace]`, or null. */
export async function findWorkspaceRoot(start: string): Promise<string | null> {
  for (let dir = start; ; dir = dirname(dir)) {
    const parsed = await readFlockToml(dir);
    if (parsed?.workspace) return dir;
    if (dirname(dir) === dir) return null;
  }
}

const SKIPPED = new Set(['.git', 'node_modules', '.flock']);

/** Folders under `root` (relative, '/'-separated) that hold a flock.toml and match one of the member globs. */
export async function listMemberPaths(root: string, globs: string[]): Promise<string[]> {
  const matches = picomatch(globs.map((g) => g.replace(/\/+$/, '')));
  const found: string[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    const rel = relative(root, dir).split(sep).join('/');
    if (rel !== '' && entries.some((e) => e.isFile() && e.name === 'flock.toml') && matches(rel)) found.push(rel);
    for (const entry of entries) {
      if (entry.isDirectory() && !SKIPPED.has(entry.name) && !entry.name.startsWith('.')) await walk(join(dir, entry.name));
    }
  }
  await walk(root);
  if (found.length === 0) throw new CliExit(`The workspace's members (${globs.join(', ')}) match no folder with a flock.toml`);
  return found.sort();
}

/**
 * Checks a whole workspace before anything is uploaded: member names are
 * unique, and a dependency on another member names a range that member's
 * version satisfies. Returns the members in dependency order (a member after
 * every member it depends on); a cycle is refused.
 */
export function orderMembers(members: Member[]): Member[] {
  const byKey = new Map<string, Member>();
  for (const member of members) {
    const key = memberKey(member.manifest);
    const twin = byKey.get(key);
    if (twin) throw new CliExit(`Two workspace members are both ${key}: ${twin.path} and ${member.path}`);
    byKey.set(key, member);
  }
  const ordered: Member[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (member: Member, chain: string[]): void => {
    const key = memberKey(member.manifest);
    if (state.get(key) === 'done') return;
    if (state.get(key) === 'visiting') throw new CliExit(`Workspace members depend on each other in a cycle: ${[...chain, key].join(' → ')}`);
    state.set(key, 'visiting');
    for (const [dep, range] of Object.entries(member.manifest.dependencies)) {
      const ref = parsePackageRef(dep);
      const target = byKey.get(`${ref.org}/${ref.name}`);
      if (!target) continue;
      if (!satisfies(target.manifest.package.version, range)) {
        throw new CliExit(`${key} depends on ${dep} ${range}, but the workspace has ${dep}@${target.manifest.package.version}`);
      }
      visit(target, [...chain, key]);
    }
    state.set(key, 'done');
    ordered.push(member);
  };
  for (const member of members) visit(member, []);
  return ordered;
}

/** The registry's default archive limit, checked for every member before the first upload. */
export function checkSize(key: string, bytes: number, limit = DEFAULT_LIMITS.maxArchiveBytes): void {
  if (bytes > limit) throw new CliExit(`${key} packs to ${bytes} bytes; the registry's limit is ${limit} bytes`);
}
