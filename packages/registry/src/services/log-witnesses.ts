import { sql } from 'kysely';
import { FlockError, checkCosignatures, formatCheckpoint, parseCosignerKey, signCheckpoint, treeHash, type CosignatureVerifier } from '@flock/core';
import type { Db } from '../db/connect.js';
import type { Clock } from './clock.js';
import type { TransparencyLogService } from './transparency-log.js';

/**
 * Witnesses of the transparency log (issue 15, docs/transparency-log.md). A witness
 * (`flock-registry witness`) checks each checkpoint it sees is consistent with every one it
 * saw before, cosigns it (C2SP tlog-cosignature) and posts the cosignature here; the registry
 * keeps cosignatures only by the keys its operator lists (FLOCK_LOG_WITNESSES) and only for
 * checkpoints it signed itself, and serves them after its own signature. A client that
 * requires N witnesses asks for the newest checkpoint at least N of them cosigned.
 */

/** A witness may sign a little ahead of this server's clock, not more. */
const MAX_CLOCK_AHEAD_SECONDS = 300;
export const MAX_COSIGNATURE_NOTE_BYTES = 8 * 1024;
export const MAX_QUORUM = 20;

export interface LogWitnessDeps {
  db: Db;
  clock: Clock;
  log: TransparencyLogService;
  /** The witnesses' verifier keys (FLOCK_LOG_WITNESSES), already checked by the config. */
  witnessKeys: readonly string[];
}

export function createLogWitnessService({ db, clock, log, witnessKeys }: LogWitnessDeps) {
  const witnesses: CosignatureVerifier[] = witnessKeys.map((key) => parseCosignerKey(key));
  const ids = witnesses.map((w) => w.id);

  async function linesFor(size: number): Promise<string> {
    if (ids.length === 0) return '';
    const rows = await db.selectFrom('log_cosignatures').select('line').where('tree_size', '=', size).where('witness', 'in', ids).orderBy('witness').execute();
    return rows.map((row) => row.line).join('');
  }

  /** The registry's signed checkpoint of the tree of `size`, then the cosignatures it holds for it. */
  async function checkpointAt(origin: string, size: number): Promise<string> {
    const signed = signCheckpoint({ origin, size, hash: await treeHash(size, log.read) }, [log.signerFor(origin)]);
    return signed + (await linesFor(size));
  }

  /**
   * Stores the cosignatures in a note a witness posts: the note's text must be this log's
   * checkpoint of some size it has reached, and at least one line must be by a listed witness.
   */
  async function accept(note: string, origin: string): Promise<{ size: number; witnesses: string[] }> {
    if (Buffer.byteLength(note) > MAX_COSIGNATURE_NOTE_BYTES) throw new FlockError('too_large', `A cosignature note may be at most ${MAX_COSIGNATURE_NOTE_BYTES} bytes`);
    if (witnesses.length === 0) throw new FlockError('forbidden', 'This registry lists no witnesses (FLOCK_LOG_WITNESSES), so it keeps no cosignatures');
    const { checkpoint, text, cosignatures } = checkCosignatures(note, witnesses);
    if (cosignatures.length === 0) throw new FlockError('forbidden', `The note has no cosignature by a witness this registry lists (${ids.join(', ')})`);
    if (checkpoint.origin !== origin) throw new FlockError('bad_request', `The checkpoint is for log "${checkpoint.origin}", not "${origin}"`);
    const now = Math.floor(clock().getTime() / 1000);
    const ahead = cosignatures.find((c) => c.time > now + MAX_CLOCK_AHEAD_SECONDS);
    if (ahead) throw new FlockError('bad_request', `The cosignature by ${ahead.witness} is dated ${ahead.time - now} s in the future`);
    if (checkpoint.size > (await log.size())) throw new FlockError('bad_request', `The log has not reached size ${checkpoint.size}`);
    // The exact text this registry signs for that size: a witness cosigning anything else vouches for no checkpoint of ours.
    if (formatCheckpoint({ origin, size: checkpoint.size, hash: await treeHash(checkpoint.size, log.read) }) !== text) {
      throw new FlockError('bad_request', `The checkpoint of size ${checkpoint.size} is not this log's`);
    }
    for (const c of cosignatures) {
      await db
        .insertInto('log_cosignatures')
        .values({ tree_size: checkpoint.size, witness: c.witness, signed_at: c.time, line: c.line })
        .onConflict((oc) => oc.columns(['tree_size', 'witness']).doUpdateSet({ signed_at: c.time, line: c.line }))
        .execute();
    }
    return { size: checkpoint.size, witnesses: cosignatures.map((c) => c.witness) };
  }

  /** The newest checkpoint that at least `quorum` listed witnesses cosigned. */
  async function witnessedCheckpoint(origin: string, quorum: number): Promise<string> {
    const none = () => new FlockError('not_found', `No checkpoint of this log is cosigned by ${quorum} witness${quorum === 1 ? '' : 'es'} yet`);
    if (ids.length < quorum) throw none();
    const row = await db
      .selectFrom('log_cosignatures')
      .select('tree_size')
      .where('witness', 'in', ids)
      .groupBy('tree_size')
      .having(sql<number>`count(*)`, '>=', quorum)
      .orderBy('tree_size', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row === undefined) throw none();
    return checkpointAt(origin, Number(row.tree_size));
  }

  return {
    witnessIds: ids,
    accept,
    witnessedCheckpoint,
    /** The checkpoint of the log as it is now, with the cosignatures it already has. */
    checkpoint: async (origin: string) => checkpointAt(origin, await log.size()),
  };
}

export type LogWitnessService = ReturnType<typeof createLogWitnessService>;
