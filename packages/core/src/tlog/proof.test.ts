import { beforeAll, describe, expect, it } from 'vitest';
import { FlockError } from '../errors.js';
import { MAX_PROOF_LENGTH, emptyTreeHash, leafHash, type LogHash } from './hash.js';
import { createMemoryLog, type MemoryLog } from './memory-log.js';
import { checkRecord, checkTree, proveRecord, proveTree } from './proof.js';
import { treeHash, type HashReader } from './storage.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const unhex = (text: string) => Buffer.from(text, 'hex');
const record = (i: number) => Buffer.from(`record ${i}`);
/** A copy with one bit of one byte flipped. */
const flip = (hash: Uint8Array, byte = 0, bit = 3) => {
  const copy = Buffer.from(hash);
  copy[byte] = (copy[byte] as number) ^ (1 << bit);
  return copy;
};

// Test vectors (data only) from transparency-dev/merkle, proof/verify_test.go: an
// 8-leaf RFC 6962 tree, the root of each prefix, and known proofs (their leaf
// numbers are 1-based; the indexes below are 0-based).
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(unhex);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const INCLUSION: Array<[index: number, size: number, proof: string[]]> = [
  [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
];
const CONSISTENCY: Array<[older: number, newer: number, proof: string[]]> = [
  [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  [6, 7, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
];

function failure(check: () => void): FlockError | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(FlockError);
    expect((error as FlockError).code).toBe('bad_request');
    expect((error as Error).message).not.toContain('\n');
    return error as FlockError;
  }
}

describe('proofs against the transparency-dev RFC 6962 test vectors', () => {
  let log: MemoryLog;
  beforeAll(async () => {
    log = createMemoryLog();
    for (const leaf of LEAVES) await log.append(leaf);
  });

  it('computes each known root from stored hashes', async () => {
    for (let size = 1; size <= 8; size++) expect(hex(await treeHash(size, log.read))).toBe(ROOTS[size - 1]);
  });

  it.each(INCLUSION)('produces and checks the known inclusion proof of record %i in a tree of %i', async (index, size, proof) => {
    const produced = await proveRecord(size, index, log.read);
    expect(produced.map(hex)).toEqual(proof);
    expect(failure(() => checkRecord(proof.map(unhex), size, unhex(ROOTS[size - 1] as string), index, leafHash(LEAVES[index] as Buffer)))).toBeUndefined();
  });

  it.each(CONSISTENCY)('produces and checks the known consistency proof from %i to %i', async (older, newer, proof) => {
    const produced = await proveTree(newer, older, log.read);
    expect(produced.map(hex)).toEqual(proof);
    expect(failure(() => checkTree(proof.map(unhex), newer, unhex(ROOTS[newer - 1] as string), older, unhex(ROOTS[older - 1] as string)))).toBeUndefined();
  });
});

/**
 * Runs a check; answers undefined when it passes, else its message. Anything
 * but a one-line bad_request FlockError is rethrown.
 */
function outcome(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (!(error instanceof FlockError) || error.code !== 'bad_request' || error.message.includes('\n')) throw error;
    return error.message;
  }
}

/** What went wrong across many checks, to assert once: checks that must pass, checks that must fail. */
function tally() {
  const wrong: string[] = [];
  let refused = 0;
  const mustPass = (where: string, check: () => void) => {
    const message = outcome(check);
    if (message !== undefined) wrong.push(`${where}: refused (${message})`);
  };
  const mustFail = (where: string, check: () => void) => {
    if (outcome(check) === undefined) wrong.push(`${where}: accepted`);
    else refused++;
  };
  return { wrong, mustPass, mustFail, refusedCount: () => refused };
}

describe('every proof in trees of up to 70 records', () => {
  const MAX = 70;
  let log: MemoryLog;
  const roots: LogHash[] = [];
  let read: HashReader;
  let reads = 0;
  beforeAll(async () => {
    log = createMemoryLog();
    roots.push(emptyTreeHash());
    for (let i = 0; i < MAX; i++) {
      await log.append(record(i));
      roots.push(await log.root());
    }
    read = async (indexes) => {
      reads++;
      return log.read(indexes);
    };
  });

  // Each loop collects what went wrong and asserts once: tens of thousands of expect() calls would take seconds.
  it('inclusion: every (n, t) verifies with one read, and fails for a flipped bit, a wrong index or a wrong size', async () => {
    const { wrong, mustPass, mustFail, refusedCount } = tally();
    for (let t = 1; t <= MAX; t++) {
      for (let n = 0; n < t; n++) {
        const before = reads;
        const proof = await proveRecord(t, n, read);
        const where = `record ${n} of ${t}`;
        if (reads - before !== (t === 1 ? 0 : 1)) wrong.push(`${where}: ${reads - before} reads`);
        const [th, h] = [roots[t] as LogHash, leafHash(record(n))];
        mustPass(where, () => checkRecord(proof, t, th, n, h));
        proof.forEach((_, i) => {
          const bad = proof.map((hash, j) => (i === j ? flip(hash, i % 32, i % 8) : hash));
          mustFail(`${where}, proof hash ${i} flipped`, () => checkRecord(bad, t, th, n, h));
        });
        mustFail(`${where}, tree hash flipped`, () => checkRecord(proof, t, flip(th), n, h));
        mustFail(`${where}, record hash flipped`, () => checkRecord(proof, t, th, n, flip(h, 31, 0)));
        for (const other of [n - 1, n + 1]) {
          if (other >= 0 && other < t) mustFail(`${where} as record ${other}`, () => checkRecord(proof, t, th, other, h));
        }
        for (const size of [t - 1, t + 1]) {
          if (n < size && size <= MAX) mustFail(`${where} as size ${size}`, () => checkRecord(proof, size, roots[size] as LogHash, n, h));
        }
        if (proof.length > 0) mustFail(`${where}, one hash short`, () => checkRecord(proof.slice(1), t, th, n, h));
        mustFail(`${where}, one hash too many`, () => checkRecord([...proof, th], t, th, n, h));
      }
    }
    expect(wrong).toEqual([]);
    expect(refusedCount()).toBeGreaterThan(10_000);
  });

  it('consistency: every n ≤ t verifies with at most one read, and fails when either root is altered', async () => {
    const { wrong, mustPass, mustFail, refusedCount } = tally();
    for (let t = 0; t <= MAX; t++) {
      for (let n = 0; n <= t; n++) {
        const before = reads;
        const proof = await proveTree(t, n, read);
        const where = `tree ${n} to ${t}`;
        if (reads - before > 1) wrong.push(`${where}: ${reads - before} reads`);
        const [th, h] = [roots[t] as LogHash, roots[n] as LogHash];
        mustPass(where, () => checkTree(proof, t, th, n, h));
        mustFail(`${where}, older root flipped`, () => checkTree(proof, t, th, n, flip(h)));
        // The empty tree is a prefix of every tree: nothing ties it to the newer root.
        if (n > 0) mustFail(`${where}, newer root flipped`, () => checkTree(proof, t, flip(th, 17, 6), n, h));
        proof.forEach((_, i) => {
          const bad = proof.map((hash, j) => (i === j ? flip(hash, 5, 4) : hash));
          mustFail(`${where}, proof hash ${i} flipped`, () => checkTree(bad, t, th, n, h));
        });
        if (n > 0 && n < t) {
          mustFail(`${where}, empty proof`, () => checkTree([], t, th, n, h));
          mustFail(`${where}, one hash too many`, () => checkTree([...proof, h], t, th, n, h));
          if (n + 1 < t) mustFail(`${where} as from ${n + 1}`, () => checkTree(proof, t, th, n + 1, roots[n + 1] as LogHash));
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(refusedCount()).toBeGreaterThan(10_000);
  });
});

describe('bad proof input is refused with one line, before any work that grows with it', () => {
  const hash = leafHash(record(0));
  it.each([
    ['a proof longer than the limit', () => checkRecord(Array(MAX_PROOF_LENGTH + 1).fill(hash), 8, hash, 0, hash), `The inclusion proof has ${MAX_PROOF_LENGTH + 1} hashes; at most ${MAX_PROOF_LENGTH}`],
    ['a huge proof', () => checkTree(Array(1_000_000).fill(hash), 8, hash, 3, hash), 'The consistency proof has 1000000 hashes; at most 64'],
    ['a short hash in the proof', () => checkRecord([hash, hash.subarray(1)], 8, hash, 0, hash), 'The inclusion proof hash #2 must be a 32-byte hash, not 31 bytes'],
    ['a proof that is not a list', () => checkTree('abc' as unknown as LogHash[], 8, hash, 3, hash), 'The consistency proof must be a list of hashes'],
    ['an index outside the tree', () => checkRecord([], 4, hash, 4, hash), 'The record index must be an integer from 0 to 3, not 4'],
    ['an empty tree', () => checkRecord([], 0, hash, 0, hash), 'The tree size must be an integer from 1'],
    ['an older tree larger than the newer', () => checkTree([], 4, hash, 5, hash), 'The older tree size must be an integer from 0 to 4, not 5'],
    ['a tree hash of the wrong size', () => checkTree([], 4, Buffer.alloc(64), 4, hash), 'The tree hash must be a 32-byte hash, not 64 bytes'],
    ['a fractional index', () => checkRecord([], 4, hash, 0.5, hash), 'The record index must be an integer'],
  ])('%s', (_what, check, message) => {
    expect(failure(check)?.message).toContain(message);
  });

  it('refuses to prove outside the tree', async () => {
    const log = createMemoryLog();
    await log.append(record(0));
    await expect(proveRecord(1, 1, log.read)).rejects.toMatchObject({ code: 'bad_request', message: 'The record index must be an integer from 0 to 0, not 1' });
    await expect(proveTree(1, 2, log.read)).rejects.toMatchObject({ code: 'bad_request' });
  });
});
