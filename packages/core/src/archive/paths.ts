import { FlockError } from '../errors.js';

/**
 * Archive paths are relative and '/'-separated. Anything that could escape the
 * unpack folder, or mean different things on different platforms, is refused
 * rather than normalised: a path in a Flock archive means exactly one thing.
 * Returns what is wrong with the path, or undefined if it is fine.
 */
export function pathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (path.includes('\0')) return 'contains a NUL byte';
  if (path.includes('\\')) return 'contains a backslash';
  // A drive letter makes a path absolute on Windows, where the CLI also unpacks.
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'is absolute';
  for (const segment of path.split('/')) {
    if (segment === '..') return "contains a '..' segment";
    if (segment === '' || segment === '.') return "contains an empty or '.' segment";
  }
  return undefined;
}

/** Quote a path for a one-line message, even if it holds newlines or NULs. */
export function quote(path: string): string {
  return JSON.stringify(path);
}

export function assertSafePath(path: string): void {
  const problem = pathProblem(path);
  if (problem !== undefined) {
    throw new FlockError('invalid_archive', `Archive path ${quote(path)} ${problem}`);
  }
}

/** 'a/b/c' -> ['a', 'a/b']: the folders that must exist before the path can. */
export function parentDirs(path: string): string[] {
  const parts = path.split('/');
  const dirs: string[] = [];
  for (let i = 1; i < parts.length; i++) dirs.push(parts.slice(0, i).join('/'));
  return dirs;
}

/** Byte order of the UTF-8 encoding, which unlike `<` on UTF-16 is the same in every language. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

type Kind = 'file' | 'dir';

/**
 * The set of paths in one archive. It catches what would make unpacking
 * ambiguous: the same path twice, or a path that is a file in one entry and a
 * folder in another (an entry inside a file).
 */
export class PathTree {
  readonly #kinds = new Map<string, Kind>();
  readonly #explicit = new Set<string>();

  /** Returns what is wrong with adding the path, or undefined if it was added. */
  add(path: string, kind: Kind): string | undefined {
    if (this.#explicit.has(path)) return 'appears more than once';
    this.#explicit.add(path);
    for (const parent of parentDirs(path)) {
      if (this.#kinds.get(parent) === 'file') return 'is inside an entry that is a file';
      this.#kinds.set(parent, 'dir');
    }
    const existing = this.#kinds.get(path);
    if (existing !== undefined && existing !== kind) return 'is both a file and a folder';
    this.#kinds.set(path, kind);
    return undefined;
  }

  /** Every folder seen, whether it had its own entry or was only a parent. */
  dirs(): string[] {
    return [...this.#kinds].filter(([, kind]) => kind === 'dir').map(([path]) => path);
  }
}
