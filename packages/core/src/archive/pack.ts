import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import { Header, Pax } from 'tar';
import { FlockError } from '../errors.js';
import { assertSafePath, compareBytes, PathTree, pathProblem, quote } from './paths.js';

/**
 * How `flock publish` packs a package, and how `flock verify` re-packs it to
 * compare checksums. Every byte of the output is a function of the root name
 * and the entries alone (not of the clock, the user, the umask, the platform
 * or the input order), so the same commit always gives the same sha256.
 */

export interface PackEntry {
  /** Relative to the package root, '/'-separated, no '..' or leading '/'. */
  path: string;
  bytes: Uint8Array;
  executable?: boolean;
}

/**
 * Every entry's mtime. Not 0: some tools read a zero timestamp as "missing"
 * or warn that it is implausibly old, and zip-style tools cannot represent
 * dates before 1980. Any fixed value would do; this one is conventional.
 */
export const ARCHIVE_MTIME = new Date('1980-01-01T00:00:00Z');

const FILE_MODE = 0o644;
const EXECUTABLE_MODE = 0o755;
const DIR_MODE = 0o755;
const BLOCK = 512;
/** RFC 1952 OS byte for "unknown": what zlib writes varies by platform (3 Unix, 10 Windows, 19 macOS). */
const GZIP_OS_UNKNOWN = 255;

const gzipAsync = promisify(gzip);

type TarType = 'File' | 'Directory' | 'ExtendedHeader';

interface TarItem {
  /** Full path inside the archive, root folder included, no trailing '/'. */
  path: string;
  type: Exclude<TarType, 'ExtendedHeader'>;
  mode: number;
  data: Buffer;
}

export async function packArchive(options: { root: string; entries: PackEntry[] }): Promise<Buffer> {
  const blocks: Buffer[] = [];
  for (const item of tarItems(options.root, options.entries)) blocks.push(...encodeItem(item));
  // A tar ends with two zero blocks. node-tar and GNU tar don't require the
  // 10 KiB record padding GNU tar writes, so we leave it out.
  blocks.push(Buffer.alloc(2 * BLOCK));
  return gzipDeterministic(Buffer.concat(blocks));
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The entries plus a folder entry for the root and for every parent folder
 * (so tools that extract without creating parents still work), in UTF-8 byte
 * order of their paths. A folder's path is a prefix of its contents', so it
 * always sorts before them.
 */
function tarItems(root: string, entries: PackEntry[]): TarItem[] {
  const rootProblem = root.includes('/') ? 'must be a single folder name' : pathProblem(root);
  if (rootProblem !== undefined) {
    throw new FlockError('invalid_archive', `Archive root ${quote(root)} ${rootProblem}`);
  }
  const tree = new PathTree();
  for (const entry of entries) {
    assertSafePath(entry.path);
    const problem = tree.add(entry.path, 'file');
    if (problem !== undefined) {
      throw new FlockError('invalid_archive', `Archive path ${quote(entry.path)} ${problem}`);
    }
  }
  const empty = Buffer.alloc(0);
  const dirs: TarItem[] = [root, ...tree.dirs().map((dir) => `${root}/${dir}`)].map((path) => ({
    path, type: 'Directory', mode: DIR_MODE, data: empty,
  }));
  const files: TarItem[] = entries.map((entry) => ({
    path: `${root}/${entry.path}`,
    type: 'File',
    mode: entry.executable === true ? EXECUTABLE_MODE : FILE_MODE,
    data: Buffer.from(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength),
  }));
  return [...dirs, ...files].sort((a, b) => compareBytes(a.path, b.path));
}

/**
 * A ustar header with every per-machine field pinned: uid/gid 0, empty
 * uname/gname, fixed mtime and mode. atime/ctime are left unset, which also
 * lets node-tar use the full 155-byte ustar prefix, so paths up to ~255 bytes
 * need no pax header at all.
 */
function fixedHeader(path: string, type: TarType, mode: number, size: number): { block: Buffer; needPax: boolean } {
  const block = Buffer.alloc(BLOCK);
  const header = new Header({ path, type, mode, size, uid: 0, gid: 0, mtime: ARCHIVE_MTIME, uname: '', gname: '' });
  const needPax = header.encode(block);
  return { block, needPax };
}

function encodeItem(item: TarItem): Buffer[] {
  // Folders get the conventional trailing '/' so even pre-ustar readers see a folder.
  const name = item.type === 'Directory' ? `${item.path}/` : item.path;
  const { block, needPax } = fixedHeader(name, item.type, item.mode, item.data.length);
  const blocks = needPax ? [...paxPathHeader(name), block] : [block];
  if (item.data.length > 0) blocks.push(item.data, Buffer.alloc(paddingFor(item.data.length)));
  return blocks;
}

/**
 * For a path that fits no ustar split (or is not ASCII): a pax 'x' header
 * carrying only `path`, no atime/ctime/mtime. node-tar's Pax.encode() would
 * leave uid/gid/mtime as NUL bytes in the pax entry's own header, so we write
 * that header ourselves with the same pinned fields and reuse Pax only for
 * the length-prefixed body.
 */
function paxPathHeader(path: string): Buffer[] {
  const body = Buffer.from(new Pax({ path }).encodeBody(), 'utf8');
  const name = `PaxHeader/${basename(path)}`.slice(0, 99);
  const { block } = fixedHeader(name, 'ExtendedHeader', FILE_MODE, body.length);
  return [block, body, Buffer.alloc(paddingFor(body.length))];
}

function paddingFor(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/**
 * gzip's header holds an mtime and the compressing OS (RFC 1952 bytes 4-7
 * and 9). Node writes mtime 0 and no file name, but the OS byte is whatever
 * the bundled zlib was built for, so we pin both. Neither is covered by the
 * gzip CRC (that is over the uncompressed data), so patching them is safe.
 * The deflate parameters are pinned too, so the compressed stream depends
 * only on the tar bytes and the zlib implementation.
 */
async function gzipDeterministic(tar: Buffer): Promise<Buffer> {
  const gz = await gzipAsync(tar, {
    level: 9,
    windowBits: 15,
    memLevel: 8,
    strategy: constants.Z_DEFAULT_STRATEGY,
  });
  gz.writeUInt32LE(0, 4);
  gz[9] = GZIP_OS_UNKNOWN;
  return gz;
}
