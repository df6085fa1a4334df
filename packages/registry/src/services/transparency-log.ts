import { hkdfSync, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import {
  FlockError, createNoteSigner, hideLogRecord, readTileData, storedHashCount, storedHashes,
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

  return { signerFor, size, records, recordFor, readTile: (tile: Tile) => readTileData(tile, read), read };
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

const BACKFILL_BATCH = 500;

/**
 * Gives every version published before the log began its publish record (oldest first), so a
 * client can refuse a registry that says a version has none. Run at start by every process;
 * each batch locks its versions, then the log head (the order every publish, yank and approval
 * takes them), so replicas starting together neither deadlock nor log a version twice.
 * Returns how many records it appended.
 */
export async function backfillLog(db: Db): Promise<number> {
  let appended = 0;
  for (;;) {
    // The usual start has nothing to do: then no transaction and no write.
    if ((await db.selectFrom('versions').select('id').where('log_index', 'is', null).limit(1).executeTakeFirst()) === undefined) return appended;
    const batch = await db.transaction().execute(async (trx) => {
      // A write first: it locks the batch's rows on PostgreSQL, and on SQLite takes the writer lock at
      // once (a transaction that read first and then wrote could not wait for another writer: it fails).
      const locked = await trx
        .updateTable('versions')
        .set({ log_index: sql`log_index` })
        .where('id', 'in', (eb) => eb.selectFrom('versions as v').select('v.id').where('v.log_index', 'is', null).orderBy('v.published_at').orderBy('v.id').limit(BACKFILL_BATCH))
        .returning('id')
        .execute();
      if (locked.length === 0) return 0;
      // Read again under the lock: another process may have logged some of them first.
      const rows = await trx
        .selectFrom('versions')
        .innerJoin('packages', 'packages.id', 'versions.package_id')
        .innerJoin('orgs', 'orgs.id', 'packages.org_id')
        .select(['versions.id', 'versions.package_id', 'versions.version', 'versions.checksum', 'versions.source_commit', 'versions.published_at', 'packages.name', 'packages.visibility', 'orgs.name as org'])
        .where('versions.id', 'in', locked.map((row) => row.id))
        .where('versions.log_index', 'is', null)
        .orderBy('versions.published_at').orderBy('versions.id')
        .execute();
      for (const row of rows) {
        const index = await appendRecord(trx, {
          event: 'publish', packageId: row.package_id, package: `${row.org}/${row.name}`, version: row.version, archive: row.checksum,
          commit: row.source_commit, time: row.published_at, private: row.visibility === 'private',
        });
        await trx.updateTable('versions').set({ log_index: index }).where('id', '=', row.id).execute();
      }
      return rows.length;
    });
    // None logged here: another process logged this batch (and goes on with the next), or none could be.
    if (batch === 0) return appended;
    appended += batch;
  }
}
