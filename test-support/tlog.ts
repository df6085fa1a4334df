import {
  TILE_WIDTH, createTileHashReader, entriesPath, openCheckpoint, parseEntryBundle, parseVerifierKey, tilePath,
  type Checkpoint, type HashReader,
} from '@flock/core';

/**
 * A client of a registry's /log as a verifier would be: everything comes over HTTP (tiles,
 * entry bundles, the signed checkpoint and the key), nothing from the server's database.
 * The tile arithmetic is core's (createTileHashReader), which the CLI uses too.
 */

async function get(url: string): Promise<Buffer> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return Buffer.from(await response.arrayBuffer());
}

/** Hashes of the tree of `size` records read from the log's tiles over HTTP; each tile fetched once, at its width in that tree. */
export function httpTileReader(base: string, size: number): HashReader & { fetched: Set<string> } {
  const fetched = new Set<string>();
  const reader = createTileHashReader(size, (tile) => {
    fetched.add(tilePath(tile));
    return get(`${base}/log/${tilePath(tile)}`);
  });
  return Object.assign(reader.read, { fetched });
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
