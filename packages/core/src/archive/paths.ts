import { FlockError, quote } from '../errors.js';

// Re-exported so the archive code keeps one import for its messages.
export { quote };

/** Characters NTFS refuses in names; ':' would even name an alternate data stream. */
const WINDOWS_FORBIDDEN = /[<>:"|?*]/;
/** Device names Windows opens instead of a file, with any extension ('aux.txt' is AUX too). */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³]) *(\..*)?$/iu;

/**
 * Archive paths are relative and '/'-separated. Anything that could escape the
 * unpack folder, or mean different things on different platforms, is refused
 * rather than normalised: a path in a Flock archive means exactly one thing.
 * The CLI also unpacks on Windows, so names Windows cannot create as written
 * are refused too. Returns what is wrong with the path, or undefined if it is fine.
 */
export function pathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (path.includes('\0')) return 'contains a NUL byte';
  // \p{Cc}: U+0000-U+001F, U+007F and U+0080-U+009F; a name must not drive the terminal that lists it.
  if (/\p{Cc}/u.test(path)) return 'contains a control character';
  if (path.includes('\\')) return 'contains a backslash';
  // A drive letter makes a path absolute on Windows, where the CLI also unpacks.
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'is absolute';
  const forbidden = WINDOWS_FORBIDDEN.exec(path);
  if (forbidden !== null) return `contains ${quote(forbidden[0])}, which Windows does not allow in names`;
  for (const segment of path.split('/')) {
    if (segment === '..') return "contains a '..' segment";
    if (segment === '' || segment === '.') return "contains an empty or '.' segment";
    // Windows silently drops them, so 'x.' would unpack as 'x'.
    if (/[. ]$/.test(segment)) return `has the name ${quote(segment)}, which ends in a dot or a space that Windows drops`;
    if (WINDOWS_DEVICE.test(segment)) return `has the name ${quote(segment)}, which Windows reserves for a device`;
  }
  return undefined;
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

const ON_FOLDING_FILE_SYSTEMS = 'on case-insensitive or Unicode-normalising file systems';

/**
 * The name a path has on macOS and Windows, which ignore case and (macOS)
 * Unicode normalisation: Unicode's canonical caseless match (NFD, case fold,
 * NFD), with toUpperCase().toLowerCase() standing in for the case folding JS
 * lacks. It over-matches a few pairs such as 'ß'/'ss', which only refuses
 * packages that hold both.
 */
function foldedName(path: string): string {
  return path.normalize('NFD').toUpperCase().toLowerCase().normalize('NFD');
}

/**
 * The set of paths in one archive. It catches what would make unpacking
 * ambiguous: the same path twice, a path that is a file in one entry and a
 * folder in another (an entry inside a file), or two paths (or folders) that
 * are one on a case-insensitive or normalising file system, where the second
 * would overwrite or merge into the first.
 */
export class PathTree {
  readonly #kinds = new Map<string, Kind>();
  readonly #explicit = new Set<string>();
  /** foldedName -> the first path (or parent folder) seen with that name. */
  readonly #folded = new Map<string, string>();

  /** Returns what is wrong with adding the path, or undefined if it was added. */
  add(path: string, kind: Kind): string | undefined {
    if (this.#explicit.has(path)) return 'appears more than once';
    this.#explicit.add(path);
    for (const parent of parentDirs(path)) {
      if (this.#kinds.get(parent) === 'file') return 'is inside an entry that is a file';
      const clash = this.#claim(parent);
      if (clash !== undefined) return `is in ${quote(parent)}, which collides with ${quote(clash)} ${ON_FOLDING_FILE_SYSTEMS}`;
      this.#kinds.set(parent, 'dir');
    }
    const existing = this.#kinds.get(path);
    if (existing !== undefined && existing !== kind) return 'is both a file and a folder';
    const clash = this.#claim(path);
    if (clash !== undefined) return `collides with ${quote(clash)} ${ON_FOLDING_FILE_SYSTEMS}`;
    this.#kinds.set(path, kind);
    return undefined;
  }

  /** Takes the path's folded name; returns the other path that already has it, if any. */
  #claim(path: string): string | undefined {
    const key = foldedName(path);
    const holder = this.#folded.get(key);
    if (holder === undefined) this.#folded.set(key, path);
    return holder === undefined || holder === path ? undefined : holder;
  }

  /** Every folder seen, whether it had its own entry or was only a parent. */
  dirs(): string[] {
    return [...this.#kinds].filter(([, kind]) => kind === 'dir').map(([path]) => path);
  }
}
