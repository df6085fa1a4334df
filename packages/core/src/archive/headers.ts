import { FlockError } from '../errors.js';
import { quote } from './paths.js';

/**
 * The tar dialect Flock accepts, checked on the raw 512-byte blocks before
 * node-tar parses them. node-tar reads leniently (a size of '12x' is 10, a
 * pax path is cut at a NUL, one zero block does not end the archive, a
 * global pax header changes later entries), and GNU tar and Python's tarfile
 * are lenient in other ways, so a stored archive could list differently in
 * each. Only what all three read alike is accepted: POSIX ustar headers of
 * files and folders with plain octal numbers and NUL-padded text, each
 * optionally preceded by one pax 'x' header holding exact records of a few
 * keys. That is what our packer writes, and what GNU tar --format=pax,
 * Python's tarfile and node-tar write for long or non-ASCII names.
 */

const BLOCK = 512;
/** node-tar's own cap on a pax header; larger ones it skips, so they must not reach it. */
const MAX_PAX_BYTES = 1024 * 1024;
const USTAR_MAGIC = Buffer.from('ustar\u000000', 'latin1');
/**
 * path replaces the header's name; the times are what GNU tar and node-tar add,
 * and Flock ignores them. Not size, linkpath, uid, ...: nothing honest needs them
 * for a file or folder, and an overriding size is where readers have disagreed.
 */
const PAX_KEYS = new Set(['path', 'mtime', 'atime', 'ctime']);
const PAX_TIME = /^[0-9]{1,12}(\.[0-9]{1,9})?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** [offset, length, may be empty (all NUL)]: optional ones are left empty by some honest writers. */
const NUMBERS: Array<[string, number, number, boolean]> = [
  ['mode', 100, 8, false],
  ['uid', 108, 8, true],
  ['gid', 116, 8, true],
  ['size', 124, 12, false],
  ['mtime', 136, 12, true],
  ['checksum', 148, 8, false],
  ['devmajor', 329, 8, true],
  ['devminor', 337, 8, true],
];
const TEXTS: Array<[string, number, number]> = [
  ['name', 0, 100],
  ['linkpath', 157, 100],
  ['uname', 265, 32],
  ['gname', 297, 32],
  ['prefix', 345, 155],
];
/** Octal digits, maybe after spaces, then only spaces and NULs: what every tar writes, read alike by all. */
const OCTAL = /^ *[0-7]+[ \0]*$/;

interface Header {
  type: string;
  size: number;
  /**
   * The ustar path (prefix/name), undefined if it is not UTF-8. Writers cut it
   * anywhere (even inside a character) when a pax path replaces it, so it only
   * has to be UTF-8 when it is the name.
   */
  path: string | undefined;
  /** For messages. */
  lossyPath: string;
}

/**
 * Fed the tar bytes in order (any chunking); throws a one-line FlockError at
 * the first block outside the dialect. Bodies are skipped without copying;
 * only headers and pax bodies (at most MAX_PAX_BYTES) are buffered.
 */
export class TarHeaderCheck {
  #parts: Buffer[] = [];
  #buffered = 0;
  /** Bytes of the current body (and its padding) still to skip. */
  #skip = 0;
  /** Set while reading a pax body of this many bytes. */
  #paxSize: number | undefined;
  /** The records of the pax header just read, which apply to the next header. */
  #pax: Map<string, string> | undefined;
  #offset = 0;
  #sawZeroBlock = false;
  #ended = false;
  /** Entries checked here but not yet emitted by node-tar, oldest first. */
  readonly #entries: Array<{ path: string; type: string; size: number }> = [];

  /**
   * Checks the next bytes of the tar and returns them for the Parser, cut so
   * that each pax body arrives in one piece: node-tar decodes a pax body chunk
   * by chunk, so a UTF-8 character split between two writes would spoil the
   * record, which it then drops silently, and the entry would keep its
   * truncated ustar name (even our own packer's archives met this).
   */
  take(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let at = 0;
    /** Where the bytes not yet in `out` start. */
    let from = 0;
    while (at < chunk.length && !this.#ended) {
      if (this.#skip > 0) {
        const skipped = Math.min(this.#skip, chunk.length - at);
        this.#skip -= skipped;
        this.#offset += skipped;
        at += skipped;
        continue;
      }
      const inPax = this.#paxSize !== undefined;
      if (inPax && at > from) out.push(chunk.subarray(from, at));
      const want = this.#paxSize ?? BLOCK;
      const taken = Math.min(want - this.#buffered, chunk.length - at);
      this.#parts.push(chunk.subarray(at, at + taken));
      this.#buffered += taken;
      at += taken;
      if (inPax) from = at;
      if (this.#buffered < want) break;
      const whole = Buffer.concat(this.#parts);
      this.#parts = [];
      this.#buffered = 0;
      if (inPax) {
        this.#paxBody(whole);
        out.push(whole);
      } else {
        this.#header(whole);
      }
      this.#offset += whole.length;
    }
    if (from < chunk.length) out.push(chunk.subarray(from));
    return out;
  }

  /**
   * Called with each entry node-tar emits: it must be the entry this check
   * read from the same header, or Flock would list what it never checked.
   */
  confirm(entry: { path: string; type: string; size: number }): void {
    const expected = this.#entries.shift();
    const type = entry.type === 'File' ? '0' : entry.type === 'Directory' ? '5' : entry.type;
    if (expected === undefined || expected.path !== entry.path || expected.type !== type || expected.size !== entry.size) {
      throw new FlockError('invalid_archive', `Archive entry ${quote(expected?.path ?? entry.path)} reads differently in node-tar (${quote(entry.path)}), so tools could disagree on it`);
    }
  }

  #header(block: Buffer): void {
    if (block.every((byte) => byte === 0)) return this.#zeroBlock();
    // GNU tar and Python stop at the first zero block; node-tar reads on past a lone one.
    if (this.#sawZeroBlock) throw new FlockError('invalid_archive', 'Archive has data after the end of the tar');
    const header = readHeader(block, this.#offset);
    const pax = this.#pax;
    this.#pax = undefined;
    const path = pax?.get('path') ?? header.path ?? header.lossyPath;
    const refuse = (problem: string): never => {
      throw new FlockError('invalid_archive', `Archive entry ${quote(path)} ${problem}`);
    };
    if (header.type === 'x') {
      if (pax !== undefined) refuse('has two pax headers');
      if (header.size > MAX_PAX_BYTES) refuse(`has a pax header of ${header.size} bytes; the limit is ${MAX_PAX_BYTES}`);
      this.#paxSize = header.size;
      return;
    }
    if (header.type !== '0' && header.type !== '5') refuse(typeProblem(header.type));
    // node-tar would put U+FFFD for bad bytes and Python keep them as surrogates: two different names.
    if (pax?.has('path') !== true && header.path === undefined) refuse('has a name that is not UTF-8');
    if (block[157] !== 0) refuse('has a link target, but is not a link');
    // node-tar would call it a folder, Python and GNU tar a file.
    if (header.type === '0' && path.endsWith('/')) refuse("is a file, but its name ends in '/'");
    // node-tar turns '\' into '/' on Windows, before our path checks could see it.
    if (path.includes('\\')) refuse('contains a backslash');
    // Readers differ on a folder's body (node-tar reads it as headers): a folder has none.
    if (header.type === '5' && header.size !== 0) refuse('is a folder with a body');
    this.#skip = roundUp(header.size);
    this.#entries.push({ path, type: header.type, size: header.size });
  }

  #zeroBlock(): void {
    if (this.#pax !== undefined) throw new FlockError('invalid_archive', 'Archive ends with a pax header that describes no entry');
    // Two zero blocks end the tar; what follows them is read.ts's to check (only zeros may).
    if (this.#sawZeroBlock) this.#ended = true;
    this.#sawZeroBlock = true;
  }

  #paxBody(body: Buffer): void {
    this.#pax = parsePax(body, this.#offset);
    this.#skip = roundUp(body.length) - body.length;
    this.#paxSize = undefined;
  }
}

function roundUp(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

function typeProblem(type: string): string {
  switch (type) {
    case 'g': return 'is a global pax header, which would change every later entry; Flock archives have none';
    case 'L':
    case 'K': return 'is a GNU long name header; pack with the pax format (tar --format=pax) instead';
    case '1':
    case '2': return 'is a link; only files and folders are allowed';
    default: return `has unsupported type ${JSON.stringify(type)}; only files and folders are allowed`;
  }
}

/** The header's fields, or throws if any is malformed. `offset` is where it starts in the tar, for messages. */
function readHeader(block: Buffer, offset: number): Header {
  const malformed = (what: string): never => {
    throw new FlockError('invalid_archive', `Archive header at byte ${offset} has a malformed ${what}`);
  };
  if (!block.subarray(257, 265).equals(USTAR_MAGIC)) {
    throw new FlockError('invalid_archive', `Archive header at byte ${offset} is not a POSIX ustar header; pack with the pax format (tar --format=pax)`);
  }
  const numbers = new Map<string, number>();
  for (const [name, start, length, optional] of NUMBERS) {
    const field = block.subarray(start, start + length);
    if (optional && field.every((byte) => byte === 0)) continue;
    const text = field.toString('latin1');
    if (!OCTAL.test(text)) malformed(`${name} field (${quote(text.replace(/\0+$/, ''))})`);
    numbers.set(name, parseInt(text, 8));
  }
  if (numbers.get('checksum') !== checksumOf(block)) malformed('checksum');
  for (const [name, start, length] of TEXTS) {
    const field = block.subarray(start, start + length);
    const end = field.indexOf(0);
    // Readers stop at the NUL; what hides after it is read by none, so it has no business there.
    if (end !== -1 && field.subarray(end).some((byte) => byte !== 0)) malformed(`${name} field (bytes after its end)`);
  }
  if (block.subarray(500).some((byte) => byte !== 0)) malformed('padding (bytes after the prefix)');
  const name = cString(block.subarray(0, 100));
  const prefix = cString(block.subarray(345, 500));
  const path = prefix.length === 0 ? name : Buffer.concat([prefix, Buffer.from('/'), name]);
  return { type: String.fromCharCode(block[156]!), size: numbers.get('size')!, path: decodeUtf8(path), lossyPath: path.toString('utf8') };
}

/** The bytes before the first NUL. */
function cString(field: Buffer): Buffer {
  const end = field.indexOf(0);
  return end === -1 ? field : field.subarray(0, end);
}

/** The unsigned sum every reader checks (the checksum field counts as spaces). */
function checksumOf(block: Buffer): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i]!;
  return sum;
}

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Pax records are `<length> <key>=<value>\n`, length in decimal counting the
 * whole record. Each must parse exactly and the records must fill the body:
 * a reader that skips a bad record (node-tar does) would see other names.
 */
function parsePax(body: Buffer, offset: number): Map<string, string> {
  const malformed = (what: string): never => {
    throw new FlockError('invalid_archive', `Archive pax header at byte ${offset} ${what}`);
  };
  const records = new Map<string, string>();
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const digits = space === -1 ? '' : body.subarray(at, space).toString('latin1');
    if (!/^[1-9][0-9]{0,6}$/.test(digits)) malformed('has a record without a valid length');
    const end = at + Number(digits);
    if (end > body.length || body[end - 1] !== 0x0a) malformed('has a record whose length does not match');
    const record = decodeUtf8(body.subarray(space + 1, end - 1));
    const equals = record?.indexOf('=') ?? -1;
    if (record === undefined || equals < 1) malformed('has a record that is not UTF-8 key=value');
    const key = record!.slice(0, equals);
    const value = record!.slice(equals + 1);
    if (!PAX_KEYS.has(key)) malformed(`has the key ${quote(key)}; only ${[...PAX_KEYS].join(', ')} are allowed`);
    if (records.has(key)) malformed(`has the key ${quote(key)} twice`);
    if (value.includes('\0')) malformed(`has a NUL byte in ${quote(key)}`);
    if (key !== 'path' && !PAX_TIME.test(value)) malformed(`has a malformed ${key} (${quote(value)})`);
    if (key === 'path' && value === '') malformed('has an empty path');
    records.set(key, value);
    at = end;
  }
  return records;
}
