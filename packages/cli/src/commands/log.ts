import {
  LOG_EVENTS, TILE_WIDTH, createMemoryLog, entriesPath, hashesEqual, newTiles, parseEntryBundle, parseLogRecord, readTileData, tilePath,
  type LogRecordEvent, type Tile,
} from '@flock/core/tlog';
import { apiFailure } from '../api-error.js';
import { logClient, type RegistryClient } from '../client.js';
import { CliExit } from '../context.js';
import { verifyLogHead } from '../log/head.js';
import type { Run } from './types.js';

/** Bundles and tiles fetched ahead of the one being checked. */
const PREFETCH = 8;

async function fetchBytes(client: RegistryClient, path: string): Promise<Uint8Array> {
  const response = await client.request(`log/${path}`);
  if (!response.ok) throw apiFailure(response, `Could not read the transparency log's ${path}`);
  return response.bytes;
}

/** Fetches the paths in order, a few ahead, handing each to `use` before the next; memory stays at PREFETCH answers. */
async function inOrder<T>(client: RegistryClient, items: T[], pathOf: (item: T) => string, use: (item: T, bytes: Uint8Array) => Promise<void>): Promise<void> {
  const pending: Array<Promise<Uint8Array>> = [];
  let next = 0;
  const fill = () => {
    while (pending.length < PREFETCH && next < items.length) {
      const promise = fetchBytes(client, pathOf(items[next++]!));
      promise.catch(() => {}); // awaited in order below
      pending.push(promise);
    }
  };
  for (const item of items) {
    fill();
    await use(item, await pending.shift()!);
  }
}

/**
 * `flock log verify`: audits the registry's whole log. The checkpoint is verified as every
 * command does (pinned key, consistent with the stored one); then every record is read from
 * the entry bundles and parsed, the tree is rebuilt from them (only the hashes are kept: about
 * 64 bytes per record), its root compared with the signed one, and every hash tile compared
 * with the rebuilt tree.
 */
export const log: Run<{ json?: boolean }> = async (_args, options, ctx) => {
  const client = await logClient(ctx);
  const head = await verifyLogHead(ctx, client);
  if (head === null) throw new CliExit(`The registry at ${client.baseUrl} has no transparency log`);
  const { size, hash, origin } = head.checkpoint;
  const tree = createMemoryLog();
  const events: Record<LogRecordEvent, number> = Object.fromEntries(LOG_EVENTS.map((e) => [e, 0])) as Record<LogRecordEvent, number>;
  let hidden = 0;
  const bundles = Array.from({ length: Math.ceil(size / TILE_WIDTH) }, (_, index) => ({ index, width: Math.min(TILE_WIDTH, size - index * TILE_WIDTH) }));
  await inOrder(client, bundles, (b) => entriesPath(b.index, b.width), async (b, bytes) => {
    const entries = (() => {
      try {
        return parseEntryBundle(bytes, b.width);
      } catch (error) {
        throw new CliExit(`The transparency log's ${entriesPath(b.index, b.width)} is malformed: ${(error as Error).message}`);
      }
    })();
    for (const [i, entry] of entries.entries()) {
      const n = b.index * TILE_WIDTH + i;
      try {
        const record = parseLogRecord(new TextDecoder('utf-8', { fatal: true }).decode(entry));
        events[record.event]++;
        if (record.hidden !== undefined) hidden++;
      } catch (error) {
        throw new CliExit(`Record ${n} of the transparency log: ${(error as Error).message.replace(/^The encoded data was not valid.*/, 'not UTF-8')}`);
      }
      await tree.append(entry);
    }
    ctx.progress?.(`Read ${tree.size}/${size} records`);
  });
  ctx.progress?.('');
  const root = await tree.root();
  const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');
  if (!hashesEqual(root, hash)) {
    throw new CliExit(`The transparency log's records give root ${b64(root)} for size ${size}, but its signed checkpoint says ${b64(hash)}`);
  }
  await inOrder(client, newTiles(0, size), tilePath, async (tile: Tile, bytes) => {
    if (!Buffer.from(bytes).equals(await readTileData(tile, tree.read))) {
      throw new CliExit(`The transparency log's ${tilePath(tile)} does not match the tree rebuilt from its records`);
    }
  });
  const summary = { registry: client.baseUrl, origin, size, root: b64(hash), previousSize: head.previousSize, events, hidden };
  if (options.json) {
    ctx.out(JSON.stringify(summary));
    return 0;
  }
  ctx.out(`verified the transparency log ${origin}: ${size} records, root ${b64(hash)}`);
  if (head.previousSize !== null) ctx.out(`consistent with the checkpoint of ${head.previousSize} records seen before`);
  ctx.out(LOG_EVENTS.map((e) => `${e} ${events[e]}`).join(', ') + (hidden > 0 ? ` (${hidden} of private packages)` : ''));
  return 0;
};
