import { beforeAll, describe, expect, it } from 'vitest';
import { FlockError } from '../errors.js';
import { HASH_SIZE, leafHash, merkleTreeHash, nodeHash } from './hash.js';
import { createMemoryLog, type MemoryLog } from './memory-log.js';
import { treeHash } from './storage.js';
import {
  MAX_ENTRY_SIZE,
  TILE_WIDTH,
  encodeEntryBundle,
  entriesPath,
  newTiles,
  parseEntryBundle,
  parseTilePath,
  readTileData,
  tileHashes,
  tilePath,
  tileWidthAt,
  type Tile,
} from './tile.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const record = (i: number) => Buffer.from(`record ${i}`);

/** RFC 6962 MTH over hashes that are already leaf (or subtree) hashes. */
function mthOfHashes(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 1) return hashes[0] as Uint8Array;
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return nodeHash(mthOfHashes(hashes.slice(0, k)), mthOfHashes(hashes.slice(k)));
}

describe('tile paths (C2SP tlog-tiles)', () => {
  // Examples from the C2SP tlog-tiles spec (index 1234067 → x001/x234/067) and Go's
  // sumdb/tlog tile tests (their paths carry a tile height, which C2SP leaves out).
  it.each([
    ['tile/0/x001/x234/067.p/8', { level: 0, index: 1234067, width: 8 }],
    ['tile/0/x001/x234/067', { level: 0, index: 1234067, width: 256 }],
    ['tile/0/001', { level: 0, index: 1, width: 256 }],
    ['tile/0/001.p/5', { level: 0, index: 1, width: 5 }],
    ['tile/1/x003/x057/500', { level: 1, index: 3057500, width: 256 }],
    ['tile/2/000.p/1', { level: 2, index: 0, width: 1 }],
    ['tile/0/x001/000', { level: 0, index: 1000, width: 256 }],
  ])('%s', (path, tile) => {
    expect(tilePath(tile)).toBe(path);
    expect(parseTilePath(path)).toEqual({ kind: 'hashes', tile });
  });

  it('writes and parses entry bundle paths', () => {
    expect(entriesPath(1234067, 8)).toBe('tile/entries/x001/x234/067.p/8');
    expect(parseTilePath('tile/entries/x001/x234/067.p/8')).toEqual({ kind: 'entries', index: 1234067, width: 8 });
    expect(parseTilePath('tile/entries/000')).toEqual({ kind: 'entries', index: 0, width: 256 });
  });

  it.each([
    ['groups without x', 'tile/0/123/456/078'],
    ['a negative level', 'tile/-1/000'],
    ['a level with a leading zero', 'tile/01/000'],
    ['a level past the largest tree', 'tile/7/000'],
    ['a level past the spec', 'tile/64/000'],
    ['a redundant x000 group', 'tile/0/x000/001'],
    ['a short group', 'tile/0/1'],
    ['a width of 0', 'tile/0/001.p/0'],
    ['a width with a leading zero', 'tile/0/001.p/08'],
    ['a partial width of 256', 'tile/0/001.p/256'],
    ['a Go-style data tile', 'tile/8/data/000'],
    ['a leading slash', '/tile/0/000'],
    ['a trailing slash', 'tile/0/000/'],
    ['an index past the largest tree', 'tile/0/x999/x999/x999/x999/999'],
    ['a very long path', `tile/0/${'x000/'.repeat(1000)}001`],
    ['not a string', 42],
  ])('refuses %s with one bad_request line', (_what, path) => {
    let error: unknown;
    try {
      parseTilePath(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlockError);
    expect(error).toMatchObject({ code: 'bad_request' });
    expect((error as Error).message).toMatch(/^Not a tile path: .*\(.+\)$/);
    expect((error as Error).message.length).toBeLessThan(200);
  });
});

describe('which tiles a tree has', () => {
  it('matches the C2SP example: a tree of 70,000 records', () => {
    const tiles = newTiles(0, 70_000);
    const full = (level: number) => tiles.filter((tile) => tile.level === level && tile.width === TILE_WIDTH).length;
    const partial = tiles.filter((tile) => tile.width < TILE_WIDTH);
    expect([full(0), full(1), full(2)]).toEqual([273, 1, 0]);
    expect(partial).toEqual([
      { level: 0, index: 273, width: 112 },
      { level: 1, index: 1, width: 17 },
      { level: 2, index: 0, width: 1 },
    ]);
  });

  it('matches the C2SP example: a tree of 256 records has a full level 0 tile and a level 1 tile of width 1', () => {
    expect(newTiles(0, 256)).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 0, width: 1 },
    ]);
    expect(newTiles(0, 0)).toEqual([]);
  });

  it('lists, between two sizes, exactly the tiles that grew', () => {
    expect(newTiles(255, 256)).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 0, width: 1 },
    ]);
    expect(newTiles(256, 257)).toEqual([{ level: 0, index: 1, width: 1 }]);
    expect(newTiles(70_000, 70_000)).toEqual([]);
    const key = (tile: Tile) => `${tile.level}/${tile.index}`;
    const grown = new Map<string, number>();
    for (const [from, to] of [[0, 100], [100, 300], [300, 65_536], [65_536, 70_000]] as const) {
      for (const tile of newTiles(from, to)) grown.set(key(tile), tile.width);
    }
    expect(grown).toEqual(new Map(newTiles(0, 70_000).map((tile) => [key(tile), tile.width])));
    expect(tileWidthAt(0, 273, 70_000)).toBe(112);
    expect(tileWidthAt(0, 274, 70_000)).toBe(0);
    expect(tileWidthAt(1, 0, 70_000)).toBe(256);
  });
});

describe('tile contents from stored hashes', () => {
  const SIZE = 600;
  let log: MemoryLog;
  const records = Array.from({ length: SIZE }, (_, i) => record(i));
  beforeAll(async () => {
    log = createMemoryLog();
    for (const data of records) await log.append(data);
  });

  it('level 0 tiles hold leaf hashes and level 1 tiles the roots of full level 0 tiles', async () => {
    const tiles = newTiles(0, SIZE);
    expect(tiles).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 0, index: 1, width: 256 },
      { level: 0, index: 2, width: 88 },
      { level: 1, index: 0, width: 2 },
    ]);
    for (const tile of tiles.filter((t) => t.level === 0)) {
      const data = await readTileData(tile, log.read);
      expect(data.length).toBe(tile.width * HASH_SIZE);
      const want = records.slice(tile.index * 256, tile.index * 256 + tile.width).map(leafHash);
      expect(tileHashes(tile, data).map(hex)).toEqual(want.map(hex));
    }
    const level1 = tileHashes({ level: 1, index: 0, width: 2 }, await readTileData({ level: 1, index: 0, width: 2 }, log.read));
    expect(level1.map(hex)).toEqual([merkleTreeHash(records.slice(0, 256)), merkleTreeHash(records.slice(256, 512))].map(hex));
  });

  it('a partial tile is a prefix of the later, wider tile, so clients can check either', async () => {
    const narrow = await readTileData({ level: 0, index: 2, width: 10 }, log.read);
    const wide = await readTileData({ level: 0, index: 2, width: 88 }, log.read);
    expect(hex(wide.subarray(0, narrow.length))).toBe(hex(narrow));
    // The root of the whole tree from tile contents alone: [0, 512) from the level 1 tile, [512, 600) from the partial level 0 tile.
    const [first, second] = tileHashes({ level: 1, index: 0, width: 2 }, await readTileData({ level: 1, index: 0, width: 2 }, log.read));
    const leaves = tileHashes({ level: 0, index: 2, width: 88 }, wide);
    const fromTiles = nodeHash(nodeHash(first as Uint8Array, second as Uint8Array), mthOfHashes(leaves));
    expect(hex(fromTiles)).toBe(hex(await treeHash(SIZE, log.read)));
    expect(hex(fromTiles)).toBe(hex(merkleTreeHash(records)));
  });

  it('refuses tile bytes of the wrong length', () => {
    expect(() => tileHashes({ level: 0, index: 0, width: 3 }, Buffer.alloc(95))).toThrow('Tile tile/0/000.p/3 has 95 bytes; expected 96');
  });
});

describe('entry bundles', () => {
  it('round-trips uint16 length-prefixed entries, empty ones included', () => {
    const entries = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(MAX_ENTRY_SIZE, 7)];
    const bundle = encodeEntryBundle(entries);
    expect(hex(bundle.subarray(0, 5))).toBe('0001610000');
    expect(parseEntryBundle(bundle, 3).map(hex)).toEqual(entries.map(hex));
  });

  it.each([
    ['a truncated length', Buffer.from('000161' + '00', 'hex'), 2, 'The entry bundle ends inside a length'],
    ['a truncated entry', Buffer.from('0003616263000561', 'hex'), 2, 'The entry bundle ends inside an entry'],
    ['too many entries', Buffer.from('000161000162', 'hex'), 1, 'The entry bundle has more than 1 entries'],
    ['too few entries', Buffer.from('000161', 'hex'), 2, 'The entry bundle has 1 entries; expected 2'],
  ])('refuses %s', (_what, data, width, message) => {
    expect(() => parseEntryBundle(data, width)).toThrow(message);
  });

  it('refuses an entry that does not fit a uint16 length', () => {
    expect(() => encodeEntryBundle([Buffer.alloc(MAX_ENTRY_SIZE + 1)])).toThrow(`A log entry has ${MAX_ENTRY_SIZE + 1} bytes; at most ${MAX_ENTRY_SIZE}`);
  });
});
