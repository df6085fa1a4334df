import { createGunzip } from 'node:zlib';
import { Header, Parser, type ReadEntry } from 'tar';
import { FlockError } from '../errors.js';
import { TarHeaderCheck } from './headers.js';
import { quote } from './paths.js';

const NOT_TAR_GZ = 'Archive is not a gzip-compressed tar';
const BLOCK = 512;
/** A tar ends with two zero blocks; after them only zero padding may follow. */
const END_MARKER = 2 * BLOCK;
const NO_END_MARKER = 'Archive is not a complete tar: it has no end-of-archive marker';
const DATA_AFTER_END = 'Archive has data after the end of the tar';

export interface WalkOptions {
  /** Most tar bytes (headers and padding included) to inflate before giving up. */
  maxTarBytes: number;
  /** Sees each File/Directory entry as its header is read, before its body; throw to stop. */
  onEntry: (entry: ReadEntry) => void;
}

/**
 * Streams a .tar.gz through gunzip and node-tar's Parser entirely in memory.
 * We gunzip ourselves rather than letting the Parser sniff compression, so
 * that only gzip is accepted and so inflation stops the moment the inflated
 * size passes `maxTarBytes`: a gzip bomb costs at most that much work.
 * Entry bodies flow synchronously while we feed the Parser, so by its 'end'
 * every body has been delivered to whoever onEntry attached.
 */
export function walkTarGz(bytes: Uint8Array, options: WalkOptions): Promise<void> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    return Promise.reject(new FlockError('invalid_archive', NOT_TAR_GZ));
  }
  return new Promise((resolve, reject) => {
    new TarGzWalk(options, resolve, reject).start(bytes);
  });
}

/** One walk's state; it settles exactly once, on the first error or at the end. */
class TarGzWalk {
  readonly #options: WalkOptions;
  readonly #resolve: () => void;
  readonly #reject: (error: unknown) => void;
  readonly #gunzip = createGunzip();
  // strict turns the Parser's warnings (bad checksum, truncation, ...) into errors;
  // brotli/zstd off so inflated bytes are only ever read as plain tar.
  readonly #parser = new Parser({ strict: true, brotli: false, zstd: false });
  readonly #head = new HeadCheck();
  readonly #headers = new TarHeaderCheck();
  readonly #cuts = new EndMarkerCuts();
  #inflated = 0;
  #compressedBytes = 0;
  #settled = false;
  #atEof = false;

  constructor(options: WalkOptions, resolve: () => void, reject: (error: unknown) => void) {
    this.#options = options;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  start(bytes: Uint8Array): void {
    this.#compressedBytes = bytes.length;
    this.#listenToParser();
    this.#listenToGunzip();
    this.#gunzip.end(bytes);
  }

  #finish(error?: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    if (error === undefined) return this.#resolve();
    this.#gunzip.destroy();
    this.#reject(error);
  }

  #listenToParser(): void {
    const parser = this.#parser;
    parser.on('entry', (entry: ReadEntry) => {
      if (this.#settled) return void entry.resume();
      try {
        this.#headers.confirm(entry);
        this.#options.onEntry(entry);
      } catch (error) {
        entry.resume();
        this.#finish(error);
      }
    });
    // Entry types node-tar doesn't model (sparse files, ACLs, ...) and oversized
    // pax headers are skipped by the Parser rather than emitted; we refuse them.
    parser.on('ignoredEntry', (entry: ReadEntry) => {
      this.#finish(new FlockError('invalid_archive', `Archive entry ${quote(entry.path)} has unsupported type ${entry.type}`));
    });
    parser.on('error', (error: Error) => {
      this.#finish(new FlockError('invalid_archive', `Archive is not a valid tar: ${error.message}`, { cause: error }));
    });
    // After the end-of-archive blocks the Parser ignores input, so bytes
    // hidden there would be stored but never listed: we check them ourselves.
    // 'eof' is emitted during the write() that holds the marker, because every
    // entry is consumed synchronously (onEntry reads or resumes it).
    parser.on('eof', () => { this.#atEof = true; });
    parser.on('end', () => this.#finish(this.#atEof ? undefined : new FlockError('invalid_archive', NO_END_MARKER)));
  }

  #listenToGunzip(): void {
    const gunzip = this.#gunzip;
    gunzip.on('data', (chunk: Buffer) => this.#inflatedChunk(chunk));
    gunzip.on('error', (error) => {
      this.#finish(new FlockError('invalid_archive', `${NOT_TAR_GZ} (gzip data is corrupt: ${error.message})`, { cause: error }));
    });
    gunzip.on('end', () => {
      if (this.#settled) return;
      if (this.#head.pending()) return this.#finish(new FlockError('invalid_archive', NOT_TAR_GZ));
      // Node's gunzip ignores bytes after the last gzip member that do not
      // start another one (zeros, say); bytesWritten is what it consumed.
      if (gunzip.bytesWritten < this.#compressedBytes) {
        return this.#finish(new FlockError('invalid_archive', 'Archive has data after the end of the gzip stream'));
      }
      this.#parser.end();
    });
  }

  #inflatedChunk(chunk: Buffer): void {
    if (this.#settled) return;
    this.#inflated += chunk.length;
    const { maxTarBytes } = this.#options;
    if (this.#inflated > maxTarBytes) {
      return this.#finish(new FlockError('too_large', `Archive inflates to more than ${maxTarBytes} bytes of tar data`));
    }
    const ready = this.#head.take(chunk);
    if (ready === 'not-tar') return this.#finish(new FlockError('invalid_archive', NOT_TAR_GZ));
    if (ready === undefined) return;
    // Ahead of the Parser: it never sees a header outside Flock's dialect.
    let checked: Buffer[];
    try {
      checked = this.#headers.take(ready);
    } catch (error) {
      return this.#finish(error);
    }
    for (const piece of checked.flatMap((bytes) => this.#cuts.split(bytes))) {
      if (this.#settled) return;
      if (!this.#atEof) this.#parser.write(piece);
      else if (piece.some((byte) => byte !== 0)) return this.#finish(new FlockError('invalid_archive', DATA_AFTER_END));
    }
  }
}

/**
 * Cuts the tar bytes for the Parser so that a non-zero byte following 1024
 * or more zero bytes always starts a new write(). The Parser does not say
 * where in a write it met the end marker (1024 zero bytes), and it keeps the
 * rest of that write to itself; with these cuts, whatever follows the marker
 * within the same write is zero, so checking every later write for non-zero
 * bytes checks everything after the marker. Cuts are rare (only after long
 * zero runs), so writes stay large, and finding runs is a native search.
 */
class EndMarkerCuts {
  static readonly #zeros = Buffer.alloc(END_MARKER);
  /** How many zero bytes ended the previous chunk. */
  #zeroRun = 0;

  split(chunk: Buffer): Buffer[] {
    const pieces: Buffer[] = [];
    let start = 0;
    // A run carried over from the previous chunk, continued by this one's leading zeros.
    let at = firstNonZero(chunk, 0);
    let run = this.#zeroRun + at;
    while (at < chunk.length) {
      if (run >= END_MARKER && at > start) {
        pieces.push(chunk.subarray(start, at));
        start = at;
      }
      const next = chunk.indexOf(EndMarkerCuts.#zeros, at);
      if (next === -1) break;
      at = firstNonZero(chunk, next);
      run = at - next;
    }
    pieces.push(chunk.subarray(start));
    this.#zeroRun = trailingZeros(chunk, this.#zeroRun);
    return pieces;
  }
}

function firstNonZero(bytes: Buffer, from: number): number {
  let at = from;
  while (at < bytes.length && bytes[at] === 0) at++;
  return at;
}

/** The zero bytes ending `bytes`, plus `before` if `bytes` is all zeros. */
function trailingZeros(bytes: Buffer, before: number): number {
  let at = bytes.length;
  while (at > 0 && bytes[at - 1] === 0) at--;
  return at === 0 ? before + bytes.length : bytes.length - at;
}

/**
 * Holds back the first 512 inflated bytes until they can be checked as a tar
 * header, so "gzip of something else" gets a clear message, and so a gzip
 * inside the gzip is refused instead of being inflated again by the Parser
 * (which sniffs for gzip magic) outside our size accounting.
 */
class HeadCheck {
  #buffered: Buffer | undefined = Buffer.alloc(0);

  /** Bytes ready for the Parser, undefined while still waiting, or 'not-tar'. */
  take(chunk: Buffer): Buffer | 'not-tar' | undefined {
    if (this.#buffered === undefined) return chunk;
    const head = Buffer.concat([this.#buffered, chunk]);
    if (head.length < BLOCK) {
      this.#buffered = head;
      return undefined;
    }
    this.#buffered = undefined;
    const gzipAgain = head[0] === 0x1f && head[1] === 0x8b;
    return gzipAgain || !new Header(head.subarray(0, BLOCK)).cksumValid ? 'not-tar' : head;
  }

  pending(): boolean {
    return this.#buffered !== undefined;
  }
}
