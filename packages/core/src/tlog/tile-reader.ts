import { FlockError } from '../errors.js';
import { MAX_TREE_SIZE, checkCount, nodeHash, type LogHash } from './hash.js';
import { storedHashIndex, type HashReader } from './storage.js';
import { TILE_HEIGHT, TILE_WIDTH, tileHashes, tilePath, tileWidthAt, type Tile } from './tile.js';

/**
 * A HashReader over hash tiles fetched from a log (C2SP tlog-tiles), for clients:
 * Go's sumdb/tlog TileHashReader without its tile verification. The tiles are not
 * trusted: every proof produced from them is checked against a signed checkpoint
 * (checkRecord, checkTree), so a wrong hash in a tile makes a check fail, never pass.
 */

/** Fetches one tile's bytes (tilePath(tile) under the log's prefix). */
export type TileFetcher = (tile: Tile) => Promise<Uint8Array>;

function trailingZeros(n: number): number {
  let count = 0;
  for (let rest = n; rest > 0 && rest % 2 === 0; rest /= 2) count++;
  return count;
}

/** The (level, n) of a stored hash index: the inverse of storedHashIndex (Go's SplitStoredHashIndex). */
export function splitStoredHashIndex(index: number): { level: number; n: number } {
  checkCount(index, 'stored hash index', 0, 2 * MAX_TREE_SIZE);
  // The record whose hashes include `index` is at least index/2 (its successor's leaf is above index,
  // and a leaf index is at most twice the record's), and at most about 26 records further.
  let n = Math.floor(index / 2);
  let indexN = storedHashIndex(0, n);
  for (;;) {
    // The stored index of record n+1's leaf: after n's leaf and one hash per subtree n completes.
    const next = indexN + 1 + trailingZeros(n + 1);
    if (next > index) break;
    n++;
    indexN = next;
  }
  const level = index - indexN;
  return { level, n: Math.floor(n / 2 ** level) };
}

/**
 * The tile that holds stored hash `index`, directly (tree level a multiple of 8) or as
 * the fold of 2^k of its hashes [start, end) (Go's tileForIndex); the tile's width is the
 * least that covers them.
 */
export function tileForIndex(index: number): { tile: Tile; start: number; end: number } {
  const { level, n } = splitStoredHashIndex(index);
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const within = level - tileLevel * TILE_HEIGHT;
  const perHash = 2 ** within;
  const tileIndex = Math.floor((n * perHash) / TILE_WIDTH);
  const start = n * perHash - tileIndex * TILE_WIDTH;
  const end = start + perHash;
  return { tile: { level: tileLevel, index: tileIndex, width: end }, start, end };
}

/** The Merkle hash of a complete run of 2^k hashes. */
function foldComplete(hashes: readonly LogHash[]): LogHash {
  let level = hashes;
  while (level.length > 1) level = Array.from({ length: level.length / 2 }, (_, i) => nodeHash(level[2 * i]!, level[2 * i + 1]!));
  return level[0]!;
}

export interface TileHashReader {
  read: HashReader;
  /** Tiles fetched so far by this reader, at their width in the tree (each once). */
  readonly fetched: ReadonlyMap<string, { tile: Tile; data: Uint8Array }>;
}

/**
 * Reads the stored hashes of the tree of `size` records from its tiles. Each tile is fetched
 * once, at its width in that tree (a full tile never changes, so callers may cache those);
 * a hash the tree of `size` does not have is an error.
 */
export function createTileHashReader(size: number, fetchTile: TileFetcher): TileHashReader {
  checkCount(size, 'tree size', 0, MAX_TREE_SIZE);
  const tiles = new Map<string, Promise<LogHash[]>>();
  const fetched = new Map<string, { tile: Tile; data: Uint8Array }>();
  const tileData = (level: number, index: number): Promise<LogHash[]> => {
    const tile = { level, index, width: tileWidthAt(level, index, size) };
    const path = tilePath(tile);
    let hashes = tiles.get(path);
    if (hashes === undefined) {
      hashes = fetchTile(tile).then((data) => {
        fetched.set(path, { tile, data });
        return tileHashes(tile, data);
      });
      tiles.set(path, hashes);
    }
    return hashes;
  };
  const read: HashReader = async (indexes) =>
    Promise.all(indexes.map(async (index) => {
      const { tile, start, end } = tileForIndex(index);
      if (tileWidthAt(tile.level, tile.index, size) < end) {
        throw new FlockError('bad_request', `Stored hash ${index} is not in the tree of ${size} records`);
      }
      return foldComplete((await tileData(tile.level, tile.index)).slice(start, end));
    }));
  return { read, fetched };
}
