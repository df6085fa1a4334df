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

/**
 * Fixed, not configurable: they bound the work of checking one path (every
 * folder of a path is claimed and compared), and no honest package needs more.
 * Windows' own path limit without the long-path prefix is far lower (260).
 */
export const MAX_PATH_BYTES = 4096;
export const MAX_PATH_DEPTH = 64;

/**
 * What is wrong with the path's size, or undefined: cheap (no per-folder work),
 * so it runs before anything that is. `path` is relative to the package root.
 */
export function pathLimitProblem(path: string): string | undefined {
  const depth = levels(path);
  if (depth > MAX_PATH_DEPTH) return `is ${depth} levels deep; the limit is ${MAX_PATH_DEPTH}`;
  const bytes = Buffer.byteLength(path, 'utf8');
  if (bytes > MAX_PATH_BYTES) return `is ${bytes} bytes long; the limit is ${MAX_PATH_BYTES}`;
  return undefined;
}

/** The folders plus the name: 'a/b/c' is 3 levels deep. */
function levels(path: string): number {
  let count = 1;
  for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1)) count++;
  return count;
}

/** For paths relative to the package root (what `flock publish` packs). */
export function assertSafePath(path: string): void {
  const problem = pathLimitProblem(path) ?? pathProblem(path);
  if (problem !== undefined) {
    throw new FlockError('invalid_archive', `Archive path ${quote(path)} ${problem}`);
  }
}

/**
 * 'a/b/c' -> ['a', 'a/b']: the folders that must exist before the path can.
 * Each is a slice of the path (no joins), but the total is still quadratic in
 * the depth: only for paths already within MAX_PATH_DEPTH and MAX_PATH_BYTES.
 */
export function parentDirs(path: string): string[] {
  const dirs: string[] = [];
  for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1)) dirs.push(path.slice(0, at));
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

interface TreeNode {
  kind: Kind;
  /** Had an entry of its own, not only a parent folder of some entry. */
  explicit: boolean;
  children?: Map<string, TreeNode>;
  /** foldedName(segment) -> the first child segment seen with that folded name. */
  folded?: Map<string, string>;
}

/**
 * The set of paths in one archive. It catches what would make unpacking
 * ambiguous: the same path twice, a path that is a file in one entry and a
 * folder in another (an entry inside a file), or two paths (or folders) that
 * are one on a case-insensitive or normalising file system, where the second
 * would overwrite or merge into the first.
 *
 * A tree of segments rather than a set of full paths, so adding a path costs
 * time linear in its length: each segment is looked up and folded once, where
 * claiming every prefix 'a', 'a/b', 'a/b/c', ... would be quadratic. Folding a
 * path segment by segment is the same as folding it whole: '/' is unchanged by
 * case mapping and never combines with a neighbour under normalisation.
 */
export class PathTree {
  readonly #root: TreeNode = { kind: 'dir', explicit: true };

  /** Returns what is wrong with adding the path, or undefined if it was added. */
  add(path: string, kind: Kind): string | undefined {
    const segments = path.split('/');
    const name = segments.length - 1;
    let node = this.#root;
    for (let i = 0; i < name; i++) {
      const child = node.children?.get(segments[i]!);
      if (child?.kind === 'file') return 'is inside an entry that is a file';
      // A folder already in the tree claimed its folded name when it was added; only a new one is folded.
      if (child !== undefined) {
        node = child;
        continue;
      }
      const clash = claim(node, segments[i]!);
      if (clash !== undefined) {
        return `is in ${quote(prefixOf(segments, i))}, which collides with ${quote(siblingOf(segments, i, clash))} ${ON_FOLDING_FILE_SYSTEMS}`;
      }
      node = addChild(node, segments[i]!, 'dir');
    }
    const existing = node.children?.get(segments[name]!);
    if (existing?.explicit === true) return 'appears more than once';
    if (existing !== undefined && existing.kind !== kind) return 'is both a file and a folder';
    const clash = existing === undefined ? claim(node, segments[name]!) : undefined;
    if (clash !== undefined) return `collides with ${quote(siblingOf(segments, name, clash))} ${ON_FOLDING_FILE_SYSTEMS}`;
    (existing ?? addChild(node, segments[name]!, kind)).explicit = true;
    return undefined;
  }

  /** Every folder seen, whether it had its own entry or was only a parent. */
  dirs(): string[] {
    const found: string[] = [];
    const walk = (node: TreeNode, prefix: string): void => {
      for (const [segment, child] of node.children ?? []) {
        if (child.kind !== 'dir') continue;
        const path = prefix === '' ? segment : `${prefix}/${segment}`;
        found.push(path);
        walk(child, path);
      }
    };
    walk(this.#root, '');
    return found;
  }
}

function addChild(parent: TreeNode, segment: string, kind: Kind): TreeNode {
  const child: TreeNode = { kind, explicit: false };
  (parent.children ??= new Map()).set(segment, child);
  return child;
}

/** Takes a new segment's folded name in its folder; returns the other segment that already has it, if any. */
function claim(parent: TreeNode, segment: string): string | undefined {
  const key = foldedName(segment);
  const folded = (parent.folded ??= new Map());
  const holder = folded.get(key);
  if (holder === undefined) folded.set(key, segment);
  return holder;
}

/** segments[0..i] joined: only built for a message. */
function prefixOf(segments: string[], i: number): string {
  return segments.slice(0, i + 1).join('/');
}

/** The path of `sibling`, a name in the same folder as segments[i]. */
function siblingOf(segments: string[], i: number, sibling: string): string {
  return [...segments.slice(0, i), sibling].join('/');
}
