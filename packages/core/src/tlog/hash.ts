import { createHash } from 'node:crypto';
import { FlockError } from '../errors.js';

/**
 * RFC 6962 Merkle tree hashing (section 2.1), SHA-256. Leaves and interior nodes
 * get different one-byte prefixes so that a leaf can never be passed off as a node.
 */

/** A SHA-256 hash in the log: always HASH_SIZE bytes. */
export type LogHash = Uint8Array;

export const HASH_SIZE = 32;

/**
 * The largest tree the log functions accept. Sizes and indexes are plain numbers
 * and all arithmetic on them is done with * and / (never the 32-bit bitwise
 * operators); stored hash indexes reach about twice the tree size, and 2^50
 * keeps every intermediate value an exact integer below 2^53.
 */
export const MAX_TREE_SIZE = 2 ** 50;

/** A proof never needs more hashes than this (a tree of MAX_TREE_SIZE needs about 51). */
export const MAX_PROOF_LENGTH = 64;

function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** MTH({d}) = SHA-256(0x00 || d): the hash of one record. */
export function leafHash(data: Uint8Array): LogHash {
  return sha256(LEAF_PREFIX, data);
}

/** SHA-256(0x01 || left || right): the hash of an interior node. */
export function nodeHash(left: LogHash, right: LogHash): LogHash {
  return sha256(NODE_PREFIX, left, right);
}

/** MTH({}) = SHA-256 of nothing: the root of the empty tree. */
export function emptyTreeHash(): LogHash {
  return sha256();
}

/** k in RFC 6962: the largest power of two smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The RFC's recursive MTH over the records themselves: O(n) hashing, used as the
 * reference the stored-hash functions are checked against and for small trees.
 */
export function merkleTreeHash(records: readonly Uint8Array[]): LogHash {
  if (records.length === 0) return emptyTreeHash();
  const leaves = records.map(leafHash);
  const mth = (lo: number, hi: number): LogHash => {
    if (hi - lo === 1) return leaves[lo] as LogHash;
    const k = splitPoint(hi - lo);
    return nodeHash(mth(lo, lo + k), mth(lo + k, hi));
  };
  return mth(0, leaves.length);
}

export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** Number of set bits, without 32-bit bitwise operators. */
export function popCount(n: number): number {
  let count = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) count += rest % 2;
  return count;
}

/** Throws a one-line bad_request unless value is an integer in [min, max]. */
export function checkCount(value: unknown, what: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new FlockError('bad_request', `The ${what} must be an integer from ${min} to ${max}, not ${String(value)}`);
  }
}

/** Throws a one-line bad_request unless value is a HASH_SIZE-byte hash. */
export function checkHash(value: unknown, what: string): asserts value is LogHash {
  if (!(value instanceof Uint8Array) || value.length !== HASH_SIZE) {
    const length = value instanceof Uint8Array ? `${value.length} bytes` : typeof value;
    throw new FlockError('bad_request', `The ${what} must be a ${HASH_SIZE}-byte hash, not ${length}`);
  }
}
