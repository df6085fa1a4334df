import { DEFAULT_LIMITS } from '../api.js';
import { inspectArchive, type ArchiveLimits, type InspectedArchive } from './unpack.js';

/** How two archives of one version differ, file by file ('/'-separated paths inside the top folder). */
export interface ArchiveDiff {
  changed: string[];
  onlyInRegistry: string[];
  onlyInRebuild: string[];
}

/**
 * Unpacks both archives in memory (within `limits`, by default DEFAULT_LIMITS) and names every file
 * whose bytes or mode differ. Shared by `flock verify` and the registry's
 * rebuild worker, so both judge a rebuild the same way. No difference at all
 * while the bytes differ means only the compression differs.
 */
export async function diffArchives(registry: Uint8Array, rebuild: Uint8Array, limits: ArchiveLimits = DEFAULT_LIMITS): Promise<ArchiveDiff> {
  const read = (bytes: Uint8Array): Promise<InspectedArchive> => inspectArchive(bytes, { limits, keep: () => true });
  const [a, b] = await Promise.all([read(registry), read(rebuild)]);
  const modeOf = (x: InspectedArchive) => new Map(x.files.map((f) => [f.path, f.executable]));
  const [modesA, modesB] = [modeOf(a), modeOf(b)];
  const changed: string[] = [];
  for (const [path, bytes] of a.contents) {
    const other = b.contents.get(path);
    if (other !== undefined && (!other.equals(bytes) || modesA.get(path) !== modesB.get(path))) changed.push(path);
  }
  if (a.root !== b.root) changed.unshift(`(top folder: ${a.root} vs ${b.root})`);
  return {
    changed: changed.sort(),
    onlyInRegistry: [...a.contents.keys()].filter((p) => !b.contents.has(p)).sort(),
    onlyInRebuild: [...b.contents.keys()].filter((p) => !a.contents.has(p)).sort(),
  };
}

/** Whether the diff names no file: the unpacked trees are the same. */
export function sameFiles(diff: ArchiveDiff): boolean {
  return diff.changed.length + diff.onlyInRegistry.length + diff.onlyInRebuild.length === 0;
}
