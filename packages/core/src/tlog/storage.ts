import { FlockError } from '../errors.js';
import { HASH_SIZE, MAX_TREE_SIZE, checkCount, emptyTreeHash, leafHash, nodeHash, popCount, type LogHash } from './hash.js';

/**
 * The storage layout of Go's golang.org/x/mod/sumdb/tlog: every complete subtree
 * hash is kept, in the order it becomes known, in one append-only sequence.
 * Adding record n appends its leaf hash and then one hash per level at which n
 * completes a subtree (one per trailing 1 bit of n). A database keeps them in
 * one table keyed by stored index; any root or proof then needs O(log n) reads.
 *
 * A hash is named by (level, n): the n-th subtree of 2^level records, covering
 * records [n·2^level, (n+1)·2^level).
 */

/**
 * Reads stored hashes by stored index. Asynchronous so that the registry can
 * back it with SQL. The indexes come in no particular order and may repeat;
 * the answer must hold one HASH_SIZE-byte hash per index, in the same order.
 */
export type HashReader = (indexes: readonly number[]) => Promise<readonly Uint8Array[]>;

/** How many hashes are stored for a tree of n records: n leaves plus n − popcount(n) interior nodes. */
export function storedHashCount(n: number): number {
  checkCount(n, 'tree size', 0, MAX_TREE_SIZE);
  return 2 * n - popCount(n);
}

/**
 * The stored index of subtree hash (level, n). It is written while adding the
 * subtree's last record j = (n+1)·2^level − 1: after the storedHashCount(j)
 * hashes of the records before it, then one per level up to this one.
 */
export function storedHashIndex(level: number, n: number): number {
  checkCount(level, 'tree level', 0, 50);
  checkCount(n, 'subtree index', 0, MAX_TREE_SIZE / 2 ** level - 1);
  const last = (n + 1) * 2 ** level - 1;
  return storedHashCount(last) + level;
}

/** Calls read and checks its answer: a reader that misbehaves is a bug on our side, not bad input. */
export async function readHashes(read: HashReader, indexes: readonly number[]): Promise<LogHash[]> {
  if (indexes.length === 0) return [];
  const hashes = await read(indexes);
  if (hashes.length !== indexes.length) {
    throw new FlockError('internal', `The hash reader returned ${hashes.length} hashes for ${indexes.length} indexes`);
  }
  return hashes.map((hash, i) => {
    if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
      throw new FlockError('internal', `The hash reader returned a malformed hash for stored index ${indexes[i]}`);
    }
    return hash;
  });
}

/**
 * The hashes to append to storage when record n (0-based; the tree has n
 * records before it) is added: its leaf hash, then the hash of every subtree it
 * completes, bottom up. Needs the left sibling at each of those levels.
 */
export async function storedHashes(n: number, data: Uint8Array, read: HashReader): Promise<LogHash[]> {
  checkCount(n, 'record index', 0, MAX_TREE_SIZE - 1);
  const siblings: number[] = [];
  for (let level = 0, rest = n; rest % 2 === 1; level++, rest = Math.floor(rest / 2)) {
    siblings.push(storedHashIndex(level, rest - 1));
  }
  const left = await readHashes(read, siblings);
  let hash = leafHash(data);
  const out = [hash];
  for (const sibling of left) {
    hash = nodeHash(sibling, hash);
    out.push(hash);
  }
  return out;
}

/** A subtree hash named by (level, n). */
export interface SubtreeRef {
  level: number;
  n: number;
}

/**
 * The complete subtrees that make up records [lo, hi), left to right, each as
 * large as its alignment allows. For every range the RFC recursion produces
 * (whole trees, and right halves starting at a multiple of a power of two at
 * least their length) folding these from the right gives MTH(D[lo:hi]).
 */
export function subtreesOf(lo: number, hi: number): SubtreeRef[] {
  const out: SubtreeRef[] = [];
  for (let start = lo; start < hi; ) {
    let size = 1;
    while (start % (size * 2) === 0 && start + size * 2 <= hi) size *= 2;
    out.push({ level: Math.log2(size), n: start / size });
    start += size;
  }
  return out;
}

/** Folds subtree hashes (left to right) into one: the last two first, as MTH nests to the right. */
export function foldRight(hashes: readonly LogHash[]): LogHash {
  let hash = hashes[hashes.length - 1];
  if (hash === undefined) throw new FlockError('internal', 'No hashes to fold');
  for (let i = hashes.length - 2; i >= 0; i--) hash = nodeHash(hashes[i] as LogHash, hash);
  return hash;
}

/** The root hash of the tree of the first n records, from at most log2(n)+1 stored hashes. */
export async function treeHash(n: number, read: HashReader): Promise<LogHash> {
  checkCount(n, 'tree size', 0, MAX_TREE_SIZE);
  if (n === 0) return emptyTreeHash();
  const indexes = subtreesOf(0, n).map(({ level, n: index }) => storedHashIndex(level, index));
  return foldRight(await readHashes(read, indexes));
}
