import type { ReadEntry } from 'tar';
import { FlockError } from '../errors.js';
import { pathLimitProblem, PathTree, pathProblem, quote } from './paths.js';

export interface ArchiveLimits {
  maxArchiveBytes: number;
  maxUnpackedBytes: number;
  maxFiles: number;
}

export interface ArchiveFile {
  /** Relative to the archive's top-level folder. */
  path: string;
  size: number;
  executable: boolean;
}

export interface InspectedArchive {
  /** The single top-level folder every entry lives under, e.g. "palette-0.1.0". */
  root: string;
  files: ArchiveFile[];
  /** Bodies of the files `keep` asked for, by path without the root. */
  contents: Map<string, Buffer>;
}

/**
 * Checks each tar entry as its header arrives, before its body is inflated,
 * so a bad or oversized archive is refused as early as possible. The sizes
 * checked are the ones in the headers, which the Parser holds the bodies to.
 */
export class ArchiveCollector {
  readonly #limits: ArchiveLimits;
  readonly #keep: (path: string) => boolean;
  readonly #tree = new PathTree();
  readonly #files: ArchiveFile[] = [];
  readonly #contents = new Map<string, Buffer>();
  #root: string | undefined;
  #unpackedBytes = 0;

  constructor(limits: ArchiveLimits, keep: (path: string) => boolean) {
    this.#limits = limits;
    this.#keep = keep;
  }

  accept(entry: ReadEntry): void {
    if (entry.type !== 'File' && entry.type !== 'Directory') {
      throw new FlockError('invalid_archive', `Archive entry ${quote(entry.path)} is a ${entry.type}; only files and folders are allowed`);
    }
    const kind = entry.type === 'File' ? 'file' : 'dir';
    const path = this.#relativePath(entry.path, kind);
    if (path === '') return void entry.resume();
    const problem = this.#tree.add(path, kind);
    if (problem !== undefined) throw new FlockError('invalid_archive', `Archive entry ${quote(entry.path)} ${problem}`);
    if (kind === 'dir') return void entry.resume();
    this.#countFile(entry.size);
    this.#files.push({ path, size: entry.size, executable: ((entry.mode ?? 0) & 0o111) !== 0 });
    if (this.#keep(path)) this.#capture(path, entry);
    else entry.resume();
  }

  result(): InspectedArchive {
    if (this.#root === undefined) throw new FlockError('invalid_archive', 'Archive has no entries');
    return { root: this.#root, files: this.#files, contents: this.#contents };
  }

  /** The path without the top-level folder ('' for that folder itself), or throws. */
  #relativePath(raw: string, kind: 'file' | 'dir'): string {
    // Folder entries conventionally end in one '/'; anything else must be canonical.
    const full = kind === 'dir' && raw.endsWith('/') ? raw.slice(0, -1) : raw;
    const slash = full.indexOf('/');
    // The limits are on the path inside the package (as pack checks them), and come first: they bound the rest.
    const problem = pathLimitProblem(full.slice(slash + 1)) ?? pathProblem(full);
    if (problem !== undefined) throw new FlockError('invalid_archive', `Archive entry ${quote(raw)} ${problem}`);
    const top = slash === -1 ? full : full.slice(0, slash);
    if (this.#root === undefined) this.#root = top;
    if (top !== this.#root) {
      throw new FlockError('invalid_archive', `Archive entries must share one top-level folder; found ${quote(this.#root)} and ${quote(top)}`);
    }
    if (slash === -1 && kind === 'file') {
      throw new FlockError('invalid_archive', `Archive entry ${quote(raw)} is a file at the top level; files must be inside one folder`);
    }
    return slash === -1 ? '' : full.slice(slash + 1);
  }

  #countFile(size: number): void {
    const { maxFiles, maxUnpackedBytes } = this.#limits;
    if (this.#files.length + 1 > maxFiles) {
      throw new FlockError('too_large', `Archive has too many files; the limit is ${maxFiles}`);
    }
    this.#unpackedBytes += size;
    if (this.#unpackedBytes > maxUnpackedBytes) {
      throw new FlockError('too_large', `Archive's files add up to more than the limit of ${maxUnpackedBytes} bytes`);
    }
  }

  #capture(path: string, entry: ReadEntry): void {
    if (entry.size === 0) {
      this.#contents.set(path, Buffer.alloc(0));
      return void entry.resume();
    }
    const chunks: Buffer[] = [];
    entry.on('data', (chunk: Buffer) => chunks.push(chunk));
    entry.on('end', () => this.#contents.set(path, Buffer.concat(chunks)));
  }
}
