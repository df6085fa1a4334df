import { describe, expect, it } from 'vitest';
import { FlockError } from '../errors.js';
import { MAX_TREE_SIZE, emptyTreeHash, leafHash, merkleTreeHash, nodeHash } from './hash.js';
import { createMemoryLog } from './memory-log.js';
import { storedHashCount, storedHashIndex, storedHashes, treeHash, type HashReader } from './storage.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const record = (i: number) => Buffer.from(`record ${i}`);

/** A reader over the log's hashes that counts calls and indexes. */
function countingReader(read: HashReader) {
  const stats = { calls: 0, indexes: 0 };
  const counted: HashReader = async (indexes) => {
    stats.calls++;
    stats.indexes += indexes.length;
    return read(indexes);
  };
  return { read: counted, stats };
}

describe('RFC 6962 hashing', () => {
  it('hashes the empty tree as SHA-256 of nothing, and a one-record tree as its leaf hash', () => {
    expect(hex(emptyTreeHash())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(merkleTreeHash([record(0)]))).toBe(hex(leafHash(record(0))));
  });

  it('separates leaves from nodes: a node hash is not the leaf hash of the concatenation', () => {
    const [a, b] = [leafHash(record(1)), leafHash(record(2))];
    expect(hex(nodeHash(a, b))).not.toBe(hex(leafHash(Buffer.concat([a, b]))));
  });
});

describe('stored hashes (the layout of Go sumdb/tlog)', () => {
  it('numbers subtree hashes in the order they are appended', () => {
    // Leaf 0, leaf 1, node(1,0), leaf 2, leaf 3, node(1,1), node(2,0), leaf 4.
    const order = [[0, 0], [0, 1], [1, 0], [0, 2], [0, 3], [1, 1], [2, 0], [0, 4]];
    expect(order.map(([level, n]) => storedHashIndex(level as number, n as number))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([0, 1, 2, 3, 4, 5, 8, 130].map(storedHashCount)).toEqual([0, 1, 3, 4, 7, 8, 15, 258]);
  });

  it('for every size from 1 to 130: the stored-hash root equals the recursive RFC MTH, from at most log2(n)+1 hashes in one read', async () => {
    const log = createMemoryLog();
    const records: Buffer[] = [];
    for (let n = 1; n <= 130; n++) {
      records.push(record(n - 1));
      await log.append(record(n - 1));
      expect(log.hashes.length).toBe(storedHashCount(n));
      const { read, stats } = countingReader(log.read);
      expect(hex(await treeHash(n, read)), `size ${n}`).toBe(hex(merkleTreeHash(records)));
      expect(stats.calls).toBe(1);
      expect(stats.indexes).toBeLessThanOrEqual(Math.floor(Math.log2(n)) + 1);
      // Every stored hash is where storedHashIndex says: a complete subtree's MTH.
      for (let level = 0; 2 ** level <= n; level++) {
        const last = Math.floor(n / 2 ** level) - 1;
        const subtree = records.slice(last * 2 ** level, (last + 1) * 2 ** level);
        expect(hex(log.hashes[storedHashIndex(level, last)] as Uint8Array)).toBe(hex(merkleTreeHash(subtree)));
      }
    }
    expect(hex(await treeHash(0, log.read))).toBe(hex(emptyTreeHash()));
  });

  it('appending reads only the left siblings it completes (none for an even index)', async () => {
    const log = createMemoryLog();
    for (let n = 0; n < 8; n++) await log.append(record(n));
    const even = countingReader(log.read);
    expect(await storedHashes(8, record(8), even.read)).toHaveLength(1);
    expect(even.stats.calls).toBe(0);
    const seven = createMemoryLog();
    for (let n = 0; n < 7; n++) await seven.append(record(n));
    const odd = countingReader(seven.read);
    expect(await storedHashes(7, record(7), odd.read)).toHaveLength(4);
    expect(odd.stats).toEqual({ calls: 1, indexes: 3 });
  });

  it.each([
    ['a negative size', () => storedHashCount(-1), 'The tree size must be an integer from 0'],
    ['a fractional size', () => storedHashCount(1.5), 'The tree size must be an integer from 0'],
    ['a size past the limit', () => treeHash(MAX_TREE_SIZE + 1, async () => []), `to ${MAX_TREE_SIZE}, not ${MAX_TREE_SIZE + 1}`],
    ['a level past the limit', () => storedHashIndex(51, 0), 'The tree level must be an integer from 0 to 50'],
    ['NaN', () => storedHashIndex(0, Number.NaN), 'The subtree index must be an integer'],
  ])('refuses %s with one bad_request line', async (_what, call, message) => {
    const error = await Promise.resolve()
      .then(call as () => unknown)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlockError);
    expect(error).toMatchObject({ code: 'bad_request' });
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('reports a reader that answers with the wrong number or size of hashes as internal', async () => {
    await expect(treeHash(3, async () => [leafHash(record(0))])).rejects.toMatchObject({ code: 'internal', message: 'The hash reader returned 1 hashes for 2 indexes' });
    await expect(treeHash(1, async () => [Buffer.alloc(31)])).rejects.toMatchObject({ code: 'internal', message: 'The hash reader returned a malformed hash for stored index 0' });
  });
});
