import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
// Narrow entry points: install loads a project too, and should not load core's docs renderers or tar.
import type { PackEntry } from '@flock/core/archive';
import { extractDocs } from '@flock/core/docs/extract';
import type { DocModel } from '@flock/core/docs/model';
import { FlockError } from '@flock/core/errors';
import { parseManifest, type Manifest } from '@flock/core/manifest';
import { CliExit } from './context.js';
import { readOptional } from './fs-write.js';

export interface Project {
  root: string;
  manifest: Manifest;
}

/**
 * The nearest folder at or above `start` that holds a flock.toml, with its
 * text, like cargo finds Cargo.toml (up to the file-system root); null when none does.
 */
export async function findProjectRoot(start: string): Promise<{ root: string; text: string } | null> {
  for (let dir = start; ; dir = dirname(dir)) {
    const text = await readOptional(join(dir, 'flock.toml'));
    if (text !== null) return { root: dir, text };
    if (dirname(dir) === dir) return null;
  }
}

export const noProjectMessage = (cwd: string) => `No flock.toml in ${cwd} or any parent folder (run \`flock init\` to create one)`;

/** Reads and validates the nearest flock.toml at or above `start`; errors name the line. */
export async function loadProject(start: string): Promise<Project> {
  const found = await findProjectRoot(start);
  if (found === null) throw new CliExit(noProjectMessage(start));
  const { root, text } = found;
  try {
    return { root, manifest: parseManifest(text, 'flock.toml') };
  } catch (error) {
    if (error instanceof FlockError) throw new CliExit(error.message);
    throw error;
  }
}

// What `flock doc` reads from the working folder: the README and licence
// files, and everything under src/. (`flock publish` packs from a clean git
// clone instead; see publish/pack-project.ts.)
const TOP_LEVEL = /^(readme|license|licence|copying|notice)(\.[a-z]+)?$/i;
const SKIPPED_DIRS = new Set(['.git', 'node_modules', '.flock']);

async function walk(root: string, dir: string, into: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) await walk(root, path, into);
    } else if (entry.isFile()) {
      into.push(relative(root, path).split(sep).join('/'));
    }
  }
}

/** The package's files (flock.toml excluded: the caller packs a normalised one), sorted. */
export async function collectFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.isFile() && TOP_LEVEL.test(entry.name)) files.push(entry.name);
  }
  try {
    await walk(root, join(root, 'src'), files);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return files.sort();
}

export async function readEntries(root: string, files: string[]): Promise<PackEntry[]> {
  return Promise.all(
    files.map(async (path) => {
      const full = join(root, path);
      const [bytes, info] = await Promise.all([readFile(full), stat(full)]);
      return { path, bytes, executable: (info.mode & 0o111) !== 0 };
    }),
  );
}

/** Docs for the package's .ks sources. */
export function docsFor(manifest: Manifest, entries: PackEntry[]): DocModel {
  const sources = entries
    .filter((e) => e.path.startsWith('src/') && e.path.endsWith('.ks'))
    .map((e) => ({ path: e.path, text: Buffer.from(e.bytes).toString('utf8') }));
  const p = manifest.package;
  return extractDocs(sources, { ...(p.org ? { org: p.org } : {}), name: p.name, version: p.version });
}
