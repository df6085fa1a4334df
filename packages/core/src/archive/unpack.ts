import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { FlockError } from '../errors.js';
import { ArchiveCollector, type ArchiveFile, type ArchiveLimits, type InspectedArchive } from './collect.js';
import { MAX_PATH_BYTES, parentDirs, quote } from './paths.js';
import { walkTarGz } from './read.js';

export type { ArchiveFile, ArchiveLimits, InspectedArchive } from './collect.js';

const FILE_MODE = 0o644;
const EXECUTABLE_MODE = 0o755;
const DIR_MODE = 0o755;

/**
 * Headers, padding and folder entries are not file bytes, so the inflated
 * tar may be somewhat bigger than maxUnpackedBytes. Allow per file its
 * header, a pax header whose body holds a path of up to MAX_PATH_BYTES (and
 * its times), up to 511 bytes of padding, and room for a folder entry beside
 * it: MAX_PATH_BYTES + 4 KiB; plus 64 KiB for the end-of-archive and record
 * padding. Anything beyond that is not a tar we'd accept anyway, so
 * inflating stops there.
 */
function maxTarBytes(limits: ArchiveLimits): number {
  return limits.maxUnpackedBytes + limits.maxFiles * (MAX_PATH_BYTES + 4096) + 64 * 1024;
}

/**
 * Reads an untrusted .tar.gz in memory, never touching the disk, and refuses
 * anything unsafe or over the limits with a one-line FlockError. Only files
 * for which `keep` returns true have their bytes returned.
 */
export async function inspectArchive(
  bytes: Uint8Array,
  options: { limits: ArchiveLimits; keep?: (path: string) => boolean },
): Promise<InspectedArchive> {
  const { limits } = options;
  if (bytes.byteLength > limits.maxArchiveBytes) {
    throw new FlockError('too_large', `Archive is ${bytes.byteLength} bytes; the limit is ${limits.maxArchiveBytes} bytes`);
  }
  const collector = new ArchiveCollector(limits, options.keep ?? (() => false));
  await walkTarGz(bytes, { maxTarBytes: maxTarBytes(limits), onEntry: (entry) => collector.accept(entry) });
  return collector.result();
}

/**
 * Validates the whole archive first (holding its files in memory, which the
 * limits bound) and only then writes, so a refused archive writes nothing.
 * Files land in `dest` without the top-level folder. If writing fails part
 * way, everything written is removed, including `dest` if we created it.
 */
export async function unpackArchive(
  bytes: Uint8Array,
  options: { dest: string; limits: ArchiveLimits },
): Promise<ArchiveFile[]> {
  const dest = resolve(options.dest);
  const existed = await isEmptyDir(dest);
  const archive = await inspectArchive(bytes, { limits: options.limits, keep: () => true });
  // mkdir reports the first folder it had to create; removing that undoes all of it.
  const created = existed ? undefined : await mkdir(dest, { recursive: true });
  try {
    await writeArchive(dest, archive);
  } catch (error) {
    await (created === undefined ? emptyDir(dest) : rm(created, { recursive: true, force: true }));
    throw error;
  }
  return archive.files;
}

/** true if dest is an empty folder, false if it is absent, throws otherwise. */
async function isEmptyDir(dest: string): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(dest);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new FlockError('conflict', `Cannot unpack into ${quote(dest)}: it is not a readable folder`, { cause: error });
  }
  if (names.length > 0) throw new FlockError('conflict', `Cannot unpack into ${quote(dest)}: it is not empty`);
  return true;
}

async function emptyDir(dest: string): Promise<void> {
  const names = await readdir(dest);
  await Promise.all(names.map((name) => rm(join(dest, name), { recursive: true, force: true })));
}

/**
 * Writes folders then files. Modes are set with chmod because the mode given
 * to mkdir/writeFile is filtered through the process umask. 'wx' refuses to
 * follow or overwrite anything already there (dest started empty).
 */
async function writeArchive(dest: string, archive: InspectedArchive): Promise<void> {
  // A parent's path is a prefix of its children's, so sorting creates parents first.
  const dirs = [...new Set(archive.files.flatMap((file) => parentDirs(file.path)))].sort();
  for (const dir of dirs) {
    const target = insideDest(dest, dir);
    await mkdir(target);
    await chmod(target, DIR_MODE);
  }
  for (const file of archive.files) {
    const target = insideDest(dest, file.path);
    const mode = file.executable ? EXECUTABLE_MODE : FILE_MODE;
    await writeFile(target, archive.contents.get(file.path) ?? Buffer.alloc(0), { flag: 'wx', mode });
    await chmod(target, mode);
  }
}

/** Paths were validated already; this is the last line of defence against escaping dest. */
function insideDest(dest: string, path: string): string {
  const target = resolve(dest, ...path.split('/'));
  const rel = relative(dest, target);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new FlockError('invalid_archive', `Archive path ${quote(path)} would be written outside the destination`);
  }
  return target;
}
