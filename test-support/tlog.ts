import {
  TILE_HEIGHT, TILE_WIDTH, entriesPath, nodeHash, openCheckpoint, parseEntryBundle, parseVerifierKey, storedHashIndex, tileHashes, tilePath,
  type Checkpoint, type HashReader, type Tile,
} from '@flock/core';

/**
 * A client of a registry's /log as a verifier would be: everything comes over HTTP (tiles,
 * entry bundles, the signed checkpoint and the key), nothing from the server's database.
 */

/** The (level, n) of a stored hash index: the inverse of storedHashIndex (Go's SplitStoredHashIndex). */
function splitStoredHashIndex(index: number): { level: number; n: number } {
  let n = Math.floor(index / 2);
  let indexN = storedHashIndex(0, n);
  for (;;) {
    const x = indexN + 1 + trailingZeros(n + 1);
    if (x > index) break;
    n++;
    indexN = x;
  }
  const level = index - indexN;
  return { level, n: Math.floor(n / 2 ** level) };
}

function trailingZeros(n: number): number {
  let count = 0;
  for (let rest = n; rest % 2 === 0; rest /= 2) count++;
  return count;
}

/** The tile holding the hashes that make up stored hash `index`, and which of them (Go's tileForIndex). */
function tileForIndex(index: number): { tile: Tile; start: number; end: number } {
  const { level, n } = splitStoredHashIndex(index);
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const within = level - tileLevel * TILE_HEIGHT;
  const tileIndex = Math.floor((n * 2 ** within) / TILE_WIDTH);
  const rest = n - (tileIndex * TILE_WIDTH) / 2 ** within;
  return { tile: { level: tileLevel, index: tileIndex, width: (rest + 1) * 2 ** within }, start: rest * 2 ** within, end: (rest + 1) * 2 ** within };
}

/** The Merkle hash of a complete run of 2^k hashes. */
function foldComplete(hashes: Uint8Array[]): Uint8Array {
  let level = hashes;
  while (level.length > 1) level = Array.from({ length: level.length / 2 }, (_, i) => nodeHash(level[2 * i]!, level[2 * i + 1]!));
  return level[0]!;
}

async function get(url: string): Promise<Buffer> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return Buffer.from(await response.arrayBuffer());
}

/** Hashes read from the log's tiles over HTTP; each tile fetched once, at the width asked. */
export function httpTileReader(base: string): HashReader & { fetched: Set<string> } {
  const tiles = new Map<string, Promise<Uint8Array[]>>();
  const fetched = new Set<string>();
  const tileData = (tile: Tile) => {
    const path = tilePath(tile);
    let hashes = tiles.get(path);
    if (hashes === undefined) {
      fetched.add(path);
      tiles.set(path, (hashes = get(`${base}/log/${path}`).then((data) => tileHashes(tile, data))));
    }
    return hashes;
  };
  const read = async (indexes: readonly number[]) =>
    Promise.all(indexes.map(async (index) => {
      const { tile, start, end } = tileForIndex(index);
      return foldComplete((await tileData(tile)).slice(start, end));
    }));
  return Object.assign(read, { fetched });
}

/** Every record of a tree of `size` records, from the entry bundles. */
export async function fetchEntries(base: string, size: number): Promise<Uint8Array[]> {
  const entries: Uint8Array[] = [];
  for (let index = 0; index * TILE_WIDTH < size; index++) {
    const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH);
    entries.push(...parseEntryBundle(await get(`${base}/log/${entriesPath(index, width)}`), width));
  }
  return entries;
}

/** The current checkpoint, opened with the key the registry publishes; the origin is the key's name. */
export async function fetchCheckpoint(base: string): Promise<{ checkpoint: Checkpoint; note: string; vkey: string }> {
  const vkey = (await get(`${base}/log/key`)).toString('utf8').trim();
  const verifier = parseVerifierKey(vkey);
  const note = (await get(`${base}/log/checkpoint`)).toString('utf8');
  return { checkpoint: openCheckpoint(note, [verifier], verifier.name), note, vkey };
}
