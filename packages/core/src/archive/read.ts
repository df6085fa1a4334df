import { createGunzip } from 'node:zlib';
import { Header, Parser, type ReadEntry } from 'tar';
import { FlockError } from '../errors.js';
import { quote } from './paths.js';

const NOT_TAR_GZ = 'Archive is not a gzip-compressed tar';
const BLOCK = 512;

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
  #inflated = 0;
  #settled = false;
  #atEof = false;

  constructor(options: WalkOptions, resolve: () => void, reject: (error: unknown) => void) {
    this.#options = options;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  start(bytes: Uint8Array): void {
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
    // After the end-of-archive blocks the Parser ignores input; so do we, but it still counts.
    parser.on('eof', () => { this.#atEof = true; });
    parser.on('end', () => this.#finish());
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
    if (this.#atEof) return;
    const ready = this.#head.take(chunk);
    if (ready === 'not-tar') return this.#finish(new FlockError('invalid_archive', NOT_TAR_GZ));
    if (ready !== undefined) this.#parser.write(ready);
  }
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
