import { lstat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { packArchive, renderManifest, sha256Hex, type DocModel, type Manifest, type PackEntry } from '@flock/core';
import { CliExit } from '../context.js';
import { docsFor, readEntries } from '../project.js';

export interface PackedPackage {
  /** The manifest as packed: normalised, with the effective org. */
  manifest: Manifest;
  /** The package's own files as packed (the normalised flock.toml excluded). */
  files: PackEntry[];
  archive: Buffer;
  sha256: string;
  docs: DocModel;
}

// Never packed, never searched for include globs: version control and local install state.
const SKIPPED_DIRS = new Set(['.git', 'node_modules', '.flock']);

/** Every file under `dir`, '/'-separated and relative to it, skipping SKIPPED_DIRS. */
async function walkAll(dir: string, skipDotDirs: boolean): Promise<string[]> {
  const found: string[] = [];
  async function walk(current: string): Promise<void> {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name) || (skipDotDirs && entry.name.startsWith('.'))) continue;
        await walk(path);
      } else if (entry.isFile()) {
        found.push(relative(dir, path).split(sep).join('/'));
      }
    }
  }
  await walk(dir);
  return found;
}

/**
 * Whether `path` is a regular file (false when it is gone). A symbolic link
 * is refused: following it could pack a file from outside the repository,
 * and its target differs from machine to machine.
 */
async function isFile(dir: string, path: string): Promise<boolean> {
  let info;
  try {
    info = await lstat(join(dir, path));
  } catch {
    return false;
  }
  if (info.isSymbolicLink()) throw new CliExit(`${path} is a symbolic link; a package holds regular files only (list it in [package] exclude)`);
  return info.isFile();
}

/**
 * What goes into the archive: the tracked files (or, outside git with
 * --allow-dirty, every file but dot-folders), plus files matching
 * `[package] include` (build outputs are untracked by nature), minus
 * `[package] exclude`. flock.toml itself is replaced by the normalised one.
 * A tracked file deleted from the working folder (possible with
 * --allow-dirty) is left out.
 */
export async function selectFiles(dir: string, tracked: string[] | null, manifest: Manifest): Promise<string[]> {
  const chosen = new Set(tracked ?? (await walkAll(dir, true)));
  const { include, exclude } = manifest.package;
  if (include.length > 0) {
    const included = picomatch(include);
    for (const path of await walkAll(dir, false)) if (included(path)) chosen.add(path);
  }
  const excluded = exclude.length > 0 ? picomatch(exclude) : () => false;
  const files: string[] = [];
  for (const path of chosen) {
    if (path === 'flock.toml' || excluded(path)) continue;
    if (await isFile(dir, path)) files.push(path);
  }
  return files.sort();
}

/** Packs `files` of `dir` with the normalised manifest: the same inputs give the same bytes on any machine. */
export async function packPackage(dir: string, files: string[], manifest: Manifest): Promise<PackedPackage> {
  const entries = await readEntries(dir, files);
  const docs = docsFor(manifest, entries);
  const { name, version } = manifest.package;
  const archive = await packArchive({
    root: `${name}-${version}`,
    entries: [{ path: 'flock.toml', bytes: Buffer.from(renderManifest(manifest)) }, ...entries],
  });
  return { manifest, files: entries, archive, sha256: sha256Hex(archive), docs };
}
