import { FlockError } from '../errors.js';
import { MAX_PROOF_LENGTH, MAX_TREE_SIZE, checkCount, checkHash, emptyTreeHash, hashesEqual, nodeHash, splitPoint, type LogHash } from './hash.js';
import { foldRight, readHashes, storedHashIndex, subtreesOf, type HashReader } from './storage.js';

/**
 * Inclusion proofs (RFC 6962 2.1.1, PATH) and consistency proofs (2.1.2, PROOF),
 * produced from stored hashes and checked with the iterative algorithms of
 * RFC 9162 2.1.3.2 and 2.1.4.2. Proof hashes are in the RFC's order: the
 * sibling nearest the leaf (or the deepest subtree) first.
 *
 * Producing a proof first plans it as a list of record ranges (each proof
 * hash is the MTH of one range), then reads every stored hash it needs in one
 * call, so a database answers a proof with one query.
 */

export type LogProof = LogHash[];

/** Record ranges [lo, hi) whose MTHs are the hashes of PATH(m, D[lo:hi]). */
function planPath(m: number, lo: number, hi: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let [a, b] = [lo, hi];
  while (b - a > 1) {
    const k = splitPoint(b - a);
    if (m < a + k) {
      ranges.push([a + k, b]);
      b = a + k;
    } else {
      ranges.push([a, a + k]);
      a += k;
    }
  }
  return ranges.reverse();
}

/** Record ranges whose MTHs are the hashes of SUBPROOF(m, D[0:t], true). */
function planConsistency(m: number, t: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let [a, b, whole] = [0, t, true];
  while (m !== b) {
    const k = splitPoint(b - a);
    if (m <= a + k) {
      ranges.push([a + k, b]);
      b = a + k;
    } else {
      ranges.push([a, a + k]);
      a += k;
      whole = false;
    }
  }
  if (!whole) ranges.push([a, b]);
  return ranges.reverse();
}

/** Reads every stored hash the planned ranges need in one call and hashes each range. */
async function rangeHashes(ranges: ReadonlyArray<[number, number]>, read: HashReader): Promise<LogProof> {
  const parts = ranges.map(([lo, hi]) => subtreesOf(lo, hi).map(({ level, n }) => storedHashIndex(level, n)));
  const hashes = await readHashes(read, parts.flat());
  let next = 0;
  return parts.map((indexes) => {
    const own = hashes.slice(next, next + indexes.length);
    next += indexes.length;
    return foldRight(own);
  });
}

/** The inclusion proof of record n in the tree of the first t records. */
export async function proveRecord(t: number, n: number, read: HashReader): Promise<LogProof> {
  checkCount(t, 'tree size', 1, MAX_TREE_SIZE);
  checkCount(n, 'record index', 0, t - 1);
  return rangeHashes(planPath(n, 0, t), read);
}

/** The consistency proof that the tree of the first n records is a prefix of the tree of t records. */
export async function proveTree(t: number, n: number, read: HashReader): Promise<LogProof> {
  checkCount(t, 'tree size', 0, MAX_TREE_SIZE);
  checkCount(n, 'older tree size', 0, t);
  if (n === 0 || n === t) return [];
  return rangeHashes(planConsistency(n, t), read);
}

function checkProofShape(proof: unknown, what: string): asserts proof is LogProof {
  if (!Array.isArray(proof)) throw new FlockError('bad_request', `The ${what} must be a list of hashes`);
  if (proof.length > MAX_PROOF_LENGTH) {
    throw new FlockError('bad_request', `The ${what} has ${proof.length} hashes; at most ${MAX_PROOF_LENGTH}`);
  }
  proof.forEach((hash: unknown, i) => checkHash(hash, `${what} hash #${i + 1}`));
}

/** Halves both numbers while the first is even and not zero (RFC 9162's "until LSB(fn) is set or fn is 0"). */
function dropEvenLevels(fn: number, sn: number): [number, number] {
  while (fn !== 0 && fn % 2 === 0) [fn, sn] = [fn / 2, Math.floor(sn / 2)];
  return [fn, sn];
}

/**
 * Checks that proof shows record n with hash h is in the tree of t records
 * whose root is th. Throws a one-line bad_request otherwise; the work is bounded
 * by MAX_PROOF_LENGTH whatever the input.
 */
export function checkRecord(proof: LogProof, t: number, th: LogHash, n: number, h: LogHash): void {
  checkProofShape(proof, 'inclusion proof');
  checkCount(t, 'tree size', 1, MAX_TREE_SIZE);
  checkCount(n, 'record index', 0, t - 1);
  checkHash(th, 'tree hash');
  checkHash(h, 'record hash');
  let [fn, sn, r] = [n, t - 1, h];
  for (const p of proof) {
    if (sn === 0) throw inclusionFailure(t, n, 'has too many hashes');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      [fn, sn] = dropEvenLevels(fn, sn);
    } else {
      r = nodeHash(r, p);
    }
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  if (sn !== 0) throw inclusionFailure(t, n, 'has too few hashes');
  if (!hashesEqual(r, th)) throw inclusionFailure(t, n, 'leads to a different tree hash');
}

function inclusionFailure(t: number, n: number, why: string): FlockError {
  return new FlockError('bad_request', `The inclusion proof of record ${n} in a tree of ${t} ${why}`);
}

function consistencyFailure(t: number, n: number, why: string): FlockError {
  return new FlockError('bad_request', `The consistency proof from tree size ${n} to ${t} ${why}`);
}

/**
 * Checks that proof shows the tree of n records with root h is a prefix of the
 * tree of t records with root th. Throws a one-line bad_request otherwise.
 */
export function checkTree(proof: LogProof, t: number, th: LogHash, n: number, h: LogHash): void {
  checkProofShape(proof, 'consistency proof');
  checkCount(t, 'tree size', 0, MAX_TREE_SIZE);
  checkCount(n, 'older tree size', 0, t);
  checkHash(th, 'tree hash');
  checkHash(h, 'older tree hash');
  if (n === 0 || n === t) {
    if (proof.length !== 0) throw consistencyFailure(t, n, 'must be empty');
    if (!hashesEqual(h, n === 0 ? emptyTreeHash() : th)) throw consistencyFailure(t, n, 'joins trees with different hashes');
    return;
  }
  // When n is a power of two its root is a node of the new tree and the proof leaves it out.
  const path = Number.isInteger(Math.log2(n)) ? [h, ...proof] : proof;
  const [first, ...rest] = path;
  if (first === undefined) throw consistencyFailure(t, n, 'is empty');
  let [fn, sn] = dropOddLevels(n - 1, t - 1);
  let [fr, sr] = [first, first];
  for (const c of rest) {
    if (sn === 0) throw consistencyFailure(t, n, 'has too many hashes');
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      [fn, sn] = dropEvenLevels(fn, sn);
    } else {
      sr = nodeHash(sr, c);
    }
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  if (sn !== 0) throw consistencyFailure(t, n, 'has too few hashes');
  if (!hashesEqual(fr, h)) throw consistencyFailure(t, n, 'does not lead to the older tree hash');
  if (!hashesEqual(sr, th)) throw consistencyFailure(t, n, 'does not lead to the newer tree hash');
}

/** Halves both numbers while the first is odd (step 3 of RFC 9162 2.1.4.2). */
function dropOddLevels(fn: number, sn: number): [number, number] {
  while (fn % 2 === 1) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  return [fn, sn];
}
