import { FlockError, quote } from '../errors.js';
import { HASH_SIZE, MAX_TREE_SIZE, checkCount } from './hash.js';
import { readHashes, storedHashIndex, type HashReader } from './storage.js';

/**
 * Tiles as in C2SP tlog-tiles: the tree is served as static files, each holding
 * up to 256 consecutive hashes of one level of tiles. Tile level L holds tree
 * hashes at tree level 8·L; hash i of tile N at level L is the MTH of records
 * [(N·256 + i)·256^L, (N·256 + i + 1)·256^L). The rightmost tiles of a tree are
 * partial (1–255 hashes) and never hashed into the level above.
 *
 *   tile/<L>/<N>[.p/<W>]          hashes, e.g. tile/0/x001/x234/067.p/8
 *   tile/entries/<N>[.p/<W>]      the records of level-0 tile N (an entry bundle)
 */

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;
/** The entries of a bundle are uint16 length-prefixed. */
export const MAX_ENTRY_SIZE = 0xffff;
/** Highest tile level with any hash in a tree of at most MAX_TREE_SIZE records (the spec allows up to 63). */
const MAX_TILE_LEVEL = Math.floor(Math.log2(MAX_TREE_SIZE) / TILE_HEIGHT);
/** Longer than any canonical path of a tile in our largest tree. */
const MAX_PATH_LENGTH = 80;

/** A hash tile: level, index within the level, width (TILE_WIDTH when full). */
export interface Tile {
  level: number;
  index: number;
  width: number;
}

/** What a tile path names: hashes, or the entry bundle of the level-0 tile of the same index. */
export type TilePath = { kind: 'hashes'; tile: Tile } | { kind: 'entries'; index: number; width: number };

/** N as 3-digit groups, all but the last prefixed with x: 1234067 → x001/x234/067. */
function encodeIndex(index: number): string {
  const groups: string[] = [];
  let rest = index;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((group, i) => (i < groups.length - 1 ? `x${group}` : group)).join('/');
}

function widthSuffix(width: number): string {
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

function checkTile(tile: Tile): void {
  checkCount(tile.level, 'tile level', 0, MAX_TILE_LEVEL);
  checkCount(tile.width, 'tile width', 1, TILE_WIDTH);
  checkCount(tile.index, 'tile index', 0, Math.ceil(MAX_TREE_SIZE / TILE_WIDTH ** (tile.level + 1)) - 1);
}

export function tilePath(tile: Tile): string {
  checkTile(tile);
  return `tile/${tile.level}/${encodeIndex(tile.index)}${widthSuffix(tile.width)}`;
}

export function entriesPath(index: number, width: number): string {
  checkTile({ level: 0, index, width });
  return `tile/entries/${encodeIndex(index)}${widthSuffix(width)}`;
}

const TILE_PATH = /^tile\/(0|[1-9][0-9]?|entries)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/**
 * Parses a tile or entry bundle path (relative to the log's prefix). Strict: only
 * the canonical spelling of each tile is accepted (no leading x000 group, no
 * leading zeros, no .p/256), and nothing beyond the largest tree we keep.
 */
export function parseTilePath(raw: unknown): TilePath {
  const bad = (why: string) => new FlockError('bad_request', `Not a tile path: ${quote(raw)} (${why})`);
  if (typeof raw !== 'string') throw bad('not a string');
  if (raw.length > MAX_PATH_LENGTH) throw bad(`longer than ${MAX_PATH_LENGTH} characters`);
  const match = TILE_PATH.exec(raw);
  if (!match) throw bad('expected tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]');
  const [, levelText = '', indexText = '', widthText] = match;
  const level = levelText === 'entries' ? 0 : Number(levelText);
  if (level > MAX_TILE_LEVEL) throw bad(`levels go up to ${MAX_TILE_LEVEL}`);
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  if (widthText !== undefined && width >= TILE_WIDTH) throw bad(`a partial tile has 1 to ${TILE_WIDTH - 1} hashes`);
  const index = Number(indexText.replaceAll('x', '').replaceAll('/', ''));
  const tile = { level, index, width };
  try {
    checkTile(tile);
  } catch {
    throw bad('index out of range');
  }
  if (encodeIndex(index) !== indexText) throw bad('index not in canonical form');
  return levelText === 'entries' ? { kind: 'entries', index, width } : { kind: 'hashes', tile };
}

/** How many hashes the tree of `size` records has at tile level `level`. */
function hashesAtLevel(level: number, size: number): number {
  return Math.floor(size / TILE_WIDTH ** level);
}

/** The width of tile (level, index) in the tree of `size` records: 0 when it has no hash yet, TILE_WIDTH when full. */
export function tileWidthAt(level: number, index: number, size: number): number {
  checkCount(size, 'tree size', 0, MAX_TREE_SIZE);
  checkCount(level, 'tile level', 0, MAX_TILE_LEVEL);
  checkCount(index, 'tile index', 0, MAX_TREE_SIZE);
  return Math.min(TILE_WIDTH, Math.max(0, hashesAtLevel(level, size) - index * TILE_WIDTH));
}

/**
 * The tiles that differ between the trees of oldSize and newSize records: the
 * new or grown ones, each at its width in the new tree. newTiles(0, n) lists
 * every tile of the tree of n records (about n/255 of them).
 */
export function newTiles(oldSize: number, newSize: number): Tile[] {
  checkCount(newSize, 'tree size', 0, MAX_TREE_SIZE);
  checkCount(oldSize, 'older tree size', 0, newSize);
  const tiles: Tile[] = [];
  for (let level = 0; hashesAtLevel(level, newSize) > 0; level++) {
    const first = Math.floor(hashesAtLevel(level, oldSize) / TILE_WIDTH);
    const end = Math.ceil(hashesAtLevel(level, newSize) / TILE_WIDTH);
    for (let index = first; index < end; index++) {
      const width = tileWidthAt(level, index, newSize);
      if (width > tileWidthAt(level, index, oldSize)) tiles.push({ level, index, width });
    }
  }
  return tiles;
}

/** The stored indexes of the hashes a tile holds, in tile order. */
export function tileHashIndexes(tile: Tile): number[] {
  checkTile(tile);
  const first = tile.index * TILE_WIDTH;
  return Array.from({ length: tile.width }, (_, i) => storedHashIndex(TILE_HEIGHT * tile.level, first + i));
}

/**
 * The bytes of a tile: its hashes concatenated. The caller makes sure the tile
 * exists in the tree it serves (tileWidthAt); this only reads what it names.
 */
export async function readTileData(tile: Tile, read: HashReader): Promise<Buffer> {
  const hashes = await readHashes(read, tileHashIndexes(tile));
  return Buffer.concat(hashes);
}

/** Splits tile bytes into hashes, checking the length against the width. */
export function tileHashes(tile: Tile, data: Uint8Array): Uint8Array[] {
  checkTile(tile);
  if (data.length !== tile.width * HASH_SIZE) {
    throw new FlockError('bad_request', `Tile ${tilePath(tile)} has ${data.length} bytes; expected ${tile.width * HASH_SIZE}`);
  }
  return Array.from({ length: tile.width }, (_, i) => data.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
}

/** An entry bundle: each record as a big-endian uint16 length and its bytes. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Buffer {
  checkCount(entries.length, 'number of entries in a bundle', 1, TILE_WIDTH);
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    if (entry.length > MAX_ENTRY_SIZE) throw new FlockError('too_large', `A log entry has ${entry.length} bytes; at most ${MAX_ENTRY_SIZE}`);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(entry.length);
    parts.push(length, entry);
  }
  return Buffer.concat(parts);
}

/** Parses an entry bundle that must hold exactly `width` entries. */
export function parseEntryBundle(data: Uint8Array, width: number): Uint8Array[] {
  checkCount(width, 'entry bundle width', 1, TILE_WIDTH);
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const entries: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (entries.length === width) throw new FlockError('bad_request', `The entry bundle has more than ${width} entries`);
    if (offset + 2 > bytes.length) throw new FlockError('bad_request', 'The entry bundle ends inside a length');
    const length = bytes.readUInt16BE(offset);
    if (offset + 2 + length > bytes.length) throw new FlockError('bad_request', 'The entry bundle ends inside an entry');
    entries.push(bytes.subarray(offset + 2, offset + 2 + length));
    offset += 2 + length;
  }
  if (entries.length !== width) throw new FlockError('bad_request', `The entry bundle has ${entries.length} entries; expected ${width}`);
  return entries;
}
