import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TILE_WIDTH, createTileHashReader, tilePath, type Tile, type TileHashReader } from '@flock/core/tlog';
import { apiFailure } from '../api-error.js';
import type { RegistryClient } from '../client.js';
import { writeFileAtomic } from '../fs-write.js';

/** At most this many full tiles are kept per registry (8 KiB each: 32 MiB, a 1M-record log's level-0 tiles). */
const MAX_CACHED_TILES = 4096;

/** A full tile's file in the cache: one flat folder, so counting it is one readdir. */
const fileOf = (dir: string, tile: Tile) => join(dir, tilePath(tile).slice('tile/'.length).replaceAll('/', '_'));

/**
 * Hash tiles of the tree of `size` records, from ~/.kestrel/cache/log/<host>/ or the registry.
 * Full tiles never change, but a tile is only an untrusted input until a proof made from it
 * checks against a signed checkpoint: `keepVerified` (called after the checks passed) writes the
 * full ones fetched in this run into the cache; partial tiles are never cached.
 */
export function registryTileReader(client: RegistryClient, cacheDir: string, size: number): TileHashReader & { keepVerified(): Promise<void> } {
  const fromRegistry = new Set<string>();
  const reader = createTileHashReader(size, async (tile) => {
    if (tile.width === TILE_WIDTH) {
      const cached = await readFile(fileOf(cacheDir, tile)).catch(() => null);
      if (cached !== null && cached.length === TILE_WIDTH * 32) return cached;
    }
    const path = tilePath(tile);
    const response = await client.request(`log/${path}`);
    if (!response.ok) throw apiFailure(response, `Could not read the transparency log's ${path}`);
    fromRegistry.add(path);
    return response.bytes;
  });
  async function keepVerified(): Promise<void> {
    const full = [...reader.fetched].filter(([path, { tile }]) => tile.width === TILE_WIDTH && fromRegistry.has(path));
    if (full.length === 0) return;
    await mkdir(cacheDir, { recursive: true, mode: 0o700 });
    let count = (await readdir(cacheDir)).length;
    for (const [, { tile, data }] of full) {
      if (count >= MAX_CACHED_TILES) return;
      await writeFileAtomic(fileOf(cacheDir, tile), data, { flush: false });
      count++;
    }
  }
  return { ...reader, keepVerified };
}
