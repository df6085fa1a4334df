import { storedHashes, treeHash, type HashReader } from './storage.js';
import type { LogHash } from './hash.js';

/**
 * The stored hashes of a log kept in memory: for a client that rebuilds a tree
 * from its entries (an audit of the whole log) and for tests.
 */
export interface MemoryLog {
  /** Records so far. */
  readonly size: number;
  /** Every stored hash, in stored index order. */
  readonly hashes: readonly LogHash[];
  readonly read: HashReader;
  append(record: Uint8Array): Promise<void>;
  root(): Promise<LogHash>;
}

export function createMemoryLog(): MemoryLog {
  const hashes: LogHash[] = [];
  let size = 0;
  const read: HashReader = async (indexes) => indexes.map((index) => hashes[index] as LogHash);
  return {
    get size() {
      return size;
    },
    hashes,
    read,
    async append(record) {
      hashes.push(...(await storedHashes(size, record, read)));
      size++;
    },
    root: () => treeHash(size, read),
  };
}
