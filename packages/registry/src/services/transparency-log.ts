import { hkdfSync, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import {
  FlockError, createNoteSigner, hideLogRecord, readTileData, signCheckpoint, storedHashCount, storedHashes, treeHash,
  type HashReader, type NoteSigner, type Tile,
} from '@flock/core';
import type { Db } from '../db/connect.js';
import type { LogRecordsTable } from '../db/schema.js';

/**
 * The registry's transparency log (issue 15). Every publish, docs upload, yank and visibility
 * change appends one record, in the same transaction as the change, to an RFC 6962 Merkle tree
 * stored in Go's sumdb layout (log_hashes); log_head's one row holds the size and is the append
 * lock, so appends are serial on one server and across replicas on one PostgreSQL.
 * docs/transparency-log.md describes the record format and the routes.
 */

export type LogEvent = LogRecordsTable['event'];

/** What one record says; `private` hides the package, version and commit behind a salted hash. */
export interface LogEntry {
  event: LogEvent;
  packageId: string;
  /** "org/name" */
  package: string;
  /** Absent for visibility records. */
  version?: string;
  /** "sha256:<hex>" of the archive (publish, yank, unyank). */
  archive?: string;
  /** "sha256:<hex>" of the docs (docs records). */
  docs?: string;
  /** The source commit (publish, when known). */
  commit?: string | null;
  /** Visibility records: the new visibility. */
  visibility?: 'public' | 'private';
  /** ISO-8601 time of the change. */
  time: string;
  private: boolean;
}

/** The record's clear text: one line per field, '\n' after each, fields absent when they do not apply. */
export function formatRecord(entry: Omit<LogEntry, 'private' | 'packageId'>): string {
  const lines = ['flock-log v1', `event ${entry.event}`, `package ${entry.package}`];
  if (entry.version !== undefined) lines.push(`version ${entry.version}`);
  if (entry.archive !== undefined) lines.push(`archive ${entry.archive}`);
  if (entry.docs !== undefined) lines.push(`docs ${entry.docs}`);
  if (entry.commit) lines.push(`commit ${entry.commit}`);
  if (entry.visibility !== undefined) lines.push(`visibility ${entry.visibility}`);
  lines.push(`time ${entry.time}`);
  return lines.map((line) => `${line}\n`).join('');
}

function hashReader(db: Db): HashReader {
  return async (indexes) => {
    const wanted = [...new Set(indexes)];
    const rows = await db.selectFrom('log_hashes').select(['idx', 'hash']).where('idx', 'in', wanted).execute();
    const byIndex = new Map(rows.map((row) => [Number(row.idx), Buffer.from(row.hash, 'hex')]));
    return indexes.map((index) => {
      const hash = byIndex.get(index);
      if (hash === undefined) throw new FlockError('internal', `The transparency log has no stored hash ${index}`);
      return hash;
    });
  };
}

/**
 * Appends one record inside `trx`, the transaction of the change it records, and returns its
 * index. Call it last in that transaction: the head's row lock is then always the last lock
 * taken, so two changes never wait on each other in opposite orders. The update both locks
 * the head (PostgreSQL's row lock; SQLite takes its writer lock at the first write) and bumps it.
 */
export async function appendRecord(trx: Db, entry: LogEntry): Promise<number> {
  const head = await trx.updateTable('log_head').set({ size: sql<number>`size + 1` }).where('id', '=', 1).returning('size').executeTakeFirstOrThrow();
  const n = Number(head.size) - 1;
  const clear = formatRecord(entry);
  const salt = entry.private ? randomBytes(32) : null;
  // Hidden with core's function, the one clients check private records with.
  const data = salt === null ? clear : hideLogRecord(clear, salt);
  const hashes = await storedHashes(n, Buffer.from(data, 'utf8'), hashReader(trx));
  const first = storedHashCount(n);
  await trx.insertInto('log_hashes').values(hashes.map((hash, i) => ({ idx: first + i, hash: Buffer.from(hash).toString('hex') }))).execute();
  await trx
    .insertInto('log_records')
    .values({
      idx: n, data, salt: salt?.toString('hex') ?? null, clear: salt === null ? null : clear,
      package_id: entry.packageId, version: entry.version ?? null, event: entry.event, created_at: entry.time,
    })
    .execute();
  return n;
}

/** The info string of the log key's HKDF: a new one would be a new key. */
const KEY_INFO = 'flock transparency log v1';

/**
 * The log's Ed25519 seed, derived from the server's secret key: every replica (they share
 * FLOCK_SECRET_KEY) signs with the same key, and a restart keeps it.
 */
export function logKeySeed(secretKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), KEY_INFO, 32));
}

export interface TransparencyLogDeps {
  db: Db;
  secretKey: Buffer;
}

/** Reading the log: its size, root, tiles, entries and signed checkpoint. */
export function createTransparencyLogService({ db, secretKey }: TransparencyLogDeps) {
  const seed = logKeySeed(secretKey);
  const signers = new Map<string, NoteSigner>();
  const read = hashReader(db);

  /** One signer per origin (the origin is the key's name); the key is the same for all. */
  function signerFor(origin: string): NoteSigner {
    let signer = signers.get(origin);
    if (signer === undefined) signers.set(origin, (signer = createNoteSigner(origin, seed)));
    return signer;
  }

  async function size(): Promise<number> {
    const head = await db.selectFrom('log_head').select('size').where('id', '=', 1).executeTakeFirstOrThrow();
    return Number(head.size);
  }

  /** The signed checkpoint of the log as it is now. Hashes are append-only, so reading them after the size is consistent. */
  async function checkpoint(origin: string): Promise<string> {
    const n = await size();
    return signCheckpoint({ origin, size: n, hash: await treeHash(n, read) }, [signerFor(origin)]);
  }

  /** Records [from, from + count) as logged, oldest first. */
  async function records(from: number, count: number): Promise<Buffer[]> {
    const rows = await db.selectFrom('log_records').select(['idx', 'data']).where('idx', '>=', from).where('idx', '<', from + count).orderBy('idx').execute();
    if (rows.length !== count) throw new FlockError('internal', `The transparency log is missing records in [${from}, ${from + count})`);
    return rows.map((row) => Buffer.from(row.data, 'utf8'));
  }

  /** One record for someone already allowed to read its package: the clear text, and the salt of a private one. */
  async function recordFor(index: number): Promise<{ index: number; record: string; salt?: string }> {
    const row = await db.selectFrom('log_records').select(['data', 'salt', 'clear']).where('idx', '=', index).executeTakeFirstOrThrow();
    return row.salt === null ? { index, record: row.data } : { index, record: row.clear!, salt: row.salt };
  }

  return { signerFor, size, checkpoint, records, recordFor, readTile: (tile: Tile) => readTileData(tile, read), read };
}

export type TransparencyLogService = ReturnType<typeof createTransparencyLogService>;

/** A docs upload's record; the docs key is content-addressed (sha256/ab/cd/<hex>), so it names the docs' hash. */
export async function appendDocsRecord(trx: Db, input: { org: string; name: string; version: string; packageId: string; docsKey: string; time: string }): Promise<number> {
  const pkg = await trx.selectFrom('packages').select('visibility').where('id', '=', input.packageId).executeTakeFirstOrThrow();
  const hex = input.docsKey.slice(input.docsKey.lastIndexOf('/') + 1);
  return appendRecord(trx, {
    event: 'docs', packageId: input.packageId, package: `${input.org}/${input.name}`, version: input.version,
    docs: `sha256:${hex}`, time: input.time, private: pkg.visibility === 'private',
  });
}
