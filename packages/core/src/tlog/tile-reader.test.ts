import { describe, expect, it } from 'vitest';
import { leafHash } from './hash.js';
import { createMemoryLog } from './memory-log.js';
import { checkRecord, checkTree, proveRecord, proveTree } from './proof.js';
import { storedHashCount, storedHashIndex, treeHash } from './storage.js';
import { readTileData, tilePath, type Tile } from './tile.js';
import { createTileHashReader, splitStoredHashIndex, tileForIndex } from './tile-reader.js';

describe('reading stored hashes from tiles', () => {
  it('splitStoredHashIndex inverts storedHashIndex for every hash of a 3,000-record tree', () => {
    const seen = new Set<number>();
    for (let level = 0; 2 ** level <= 3000; level++) {
      for (let n = 0; (n + 1) * 2 ** level <= 3000; n++) {
        const index = storedHashIndex(level, n);
        expect(splitStoredHashIndex(index)).toEqual({ level, n });
        seen.add(index);
      }
    }
    expect(seen.size).toBe(storedHashCount(3000));
  });

  it("tileForIndex names Go's tiles: level 8 hashes are level-1 tile hashes, level 3 a fold of 8 level-0 ones", () => {
    expect(tileForIndex(storedHashIndex(8, 5))).toEqual({ tile: { level: 1, index: 0, width: 6 }, start: 5, end: 6 });
    expect(tileForIndex(storedHashIndex(3, 33))).toEqual({ tile: { level: 0, index: 1, width: 16 }, start: 8, end: 16 });
    expect(tileForIndex(storedHashIndex(0, 1234067)).tile).toEqual({ level: 0, index: 4820, width: 148 });
  });

  it('proofs from tiles of a 70,000-record tree equal those from storage; each tile fetched once at its width', async () => {
    const log = createMemoryLog();
    const records = Array.from({ length: 70_000 }, (_, i) => Buffer.from(`record ${i}\n`));
    for (const record of records) await log.append(record);
    const root = await log.root();
    const paths: string[] = [];
    const reader = createTileHashReader(log.size, async (tile: Tile) => {
      paths.push(tilePath(tile));
      return readTileData(tile, log.read);
    });
    expect(Buffer.from(await treeHash(log.size, reader.read)).equals(Buffer.from(root))).toBe(true);
    for (const n of [0, 255, 256, 65_535, 65_536, 69_999]) {
      const proof = await proveRecord(log.size, n, reader.read);
      expect(proof).toEqual(await proveRecord(log.size, n, log.read));
      checkRecord(proof, log.size, root, n, leafHash(records[n]!));
    }
    for (const old of [1, 256, 1000, 65_536, 69_999]) {
      const proof = await proveTree(log.size, old, reader.read);
      checkTree(proof, log.size, root, old, await treeHash(old, log.read));
    }
    expect(new Set(paths).size).toBe(paths.length);
    // The tree of 70,000 has a partial level-0 tile of 112 hashes and level-1 tiles 000 (full) and 001 (17 hashes).
    expect(paths).toContain('tile/0/273.p/112');
    expect(paths).toContain('tile/1/001.p/17');
  });

  it('a tampered tile makes the proof fail its check; a hash beyond the tree is refused', async () => {
    const log = createMemoryLog();
    const records = Array.from({ length: 300 }, (_, i) => Buffer.from(`r${i}`));
    for (const record of records) await log.append(record);
    const root = await log.root();
    const reader = createTileHashReader(log.size, async (tile) => {
      const data = Buffer.from(await readTileData(tile, log.read));
      if (tile.level === 0 && tile.index === 1) data[0]! ^= 1;
      return data;
    });
    const proof = await proveRecord(log.size, 10, reader.read);
    expect(() => checkRecord(proof, log.size, root, 10, leafHash(records[10]!))).toThrow(/different tree hash/);
    const small = createTileHashReader(10, (tile) => readTileData(tile, log.read));
    await expect(small.read([storedHashIndex(0, 20)])).rejects.toThrow(/not in the tree of 10/);
  });
});
