import {
  FlockError, checkRecord, checkTree, createTileHashReader, hideLogRecord, leafHash, openCheckpoint, parseLogRecord, parseVerifierKey,
  proveRecord, proveTree, tilePath, type Checkpoint, type NoteVerifier,
} from '@flock/core';
import type { Db } from '../db/connect.js';
import type { MirrorStateTable } from '../db/schema.js';
import type { UpstreamClient } from './mirror-upstream.js';

/**
 * The mirror's check of an archive against the upstream's transparency log, as `flock install`
 * checks a registry's: the upstream's log key pinned on first use (mirror_state 'log_key'), its
 * checkpoint signed by that key and consistent with the last one verified ('log_checkpoint'), and
 * the version's publish record in that tree naming the archive's checksum. The tiles come from the
 * upstream and are not trusted: every proof made from them is checked against the signed checkpoint.
 */
export function createUpstreamLogCheck({ db, upstream }: { db: Db; upstream: UpstreamClient }) {
  async function state(name: MirrorStateTable['name']): Promise<string | null> {
    return (await db.selectFrom('mirror_state').select('value').where('name', '=', name).executeTakeFirst())?.value ?? null;
  }

  async function remember(name: MirrorStateTable['name'], value: string): Promise<void> {
    await db.insertInto('mirror_state').values({ name, value }).onConflict((oc) => oc.column('name').doUpdateSet({ value })).execute();
  }

  /**
   * The index of org/name@version's publish record in the upstream's log, once it checks; null when
   * the upstream has no log (and never had one here). Throws
   * bad_gateway naming the version when the log says otherwise, unavailable when the log cannot be read.
   */
  async function check(org: string, name: string, version: string, checksum: string, token: string | null): Promise<number | null> {
    const label = `${org}/${name}@${version}`;
    const fail = (why: string) => new FlockError('bad_gateway', `Upstream archive for ${label} does not match the upstream transparency log: ${why}`);
    const [keyAnswer, noteAnswer, pinned] = await Promise.all([upstream.logKey(), upstream.logCheckpoint(), state('log_key')]);
    if (keyAnswer.kind === 'unreachable' || noteAnswer.kind === 'unreachable') {
      const reason = keyAnswer.kind === 'unreachable' ? keyAnswer.reason : noteAnswer.kind === 'unreachable' ? noteAnswer.reason : '';
      throw new FlockError('unavailable', `The upstream registry's transparency log is unreachable (${reason}); ${label} was not fetched`);
    }
    if (keyAnswer.status === 404 && noteAnswer.status === 404) {
      if (pinned === null) return null;
      throw fail('the upstream no longer serves its log, whose key this mirror pinned');
    }
    if (keyAnswer.kind !== 'ok' || noteAnswer.kind !== 'ok') throw fail(`its log key or checkpoint answered HTTP ${keyAnswer.status}/${noteAnswer.status}`);
    const served = keyAnswer.body.toString('utf8').trim();
    if (pinned !== null && served !== pinned) {
      throw fail(`its log key changed: this mirror pinned ${pinned.split('+').slice(0, 2).join('+')} (if the change is expected, the operator deletes the mirror_state row 'log_key')`);
    }
    let verifier: NoteVerifier;
    let checkpoint: Checkpoint;
    try {
      verifier = parseVerifierKey(pinned ?? served);
      checkpoint = openCheckpoint(noteAnswer.body, [verifier], verifier.name);
    } catch (error) {
      throw fail(`its checkpoint does not verify (${(error as Error).message})`);
    }
    const reader = createTileHashReader(checkpoint.size, async (tile) => {
      const answer = await upstream.logTile(tilePath(tile));
      if (answer.kind !== 'ok') throw fail(`its ${tilePath(tile)} answered ${answer.kind === 'unreachable' ? answer.reason : `HTTP ${answer.status}`}`);
      return answer.body;
    });
    const storedNote = await state('log_checkpoint');
    if (storedNote !== null) {
      let previous: Checkpoint;
      try {
        previous = openCheckpoint(storedNote, [verifier], verifier.name);
      } catch (error) {
        throw fail(`the checkpoint this mirror verified before does not verify with the pinned key (${(error as Error).message})`);
      }
      const forked = fail(`its log forked: size ${previous.size} before, now size ${checkpoint.size}, which does not contain it`);
      if (checkpoint.size < previous.size) throw forked;
      try {
        checkTree(await proveTree(checkpoint.size, previous.size, reader.read), checkpoint.size, checkpoint.hash, previous.size, previous.hash);
      } catch (error) {
        throw error instanceof FlockError && error.code === 'bad_gateway' ? error : forked;
      }
    }
    const lookup = await upstream.logLookup(org, name, version, token);
    if (lookup.kind === 'unreachable') throw new FlockError('unavailable', `The upstream registry's log lookup of ${label} is unreachable (${lookup.reason})`);
    // Every version has its record (a registry logs versions from before its log when it starts).
    if (lookup.kind !== 'ok') throw fail(`its log lookup answered HTTP ${lookup.status}`);
    const index = await checkLookup(lookup.body, checkpoint, reader.read, { label, org, name, version, checksum }, fail);
    // Only now, with everything checked: pin the key on first use, and keep the newer checkpoint.
    if (pinned === null) await db.insertInto('mirror_state').values({ name: 'log_key', value: served }).onConflict((oc) => oc.column('name').doNothing()).execute();
    await remember('log_checkpoint', noteAnswer.body.toString('utf8'));
    return index;
  }

  return { check };
}

async function checkLookup(
  body: Buffer, checkpoint: Checkpoint, read: Parameters<typeof proveRecord>[2],
  v: { label: string; org: string; name: string; version: string; checksum: string }, fail: (why: string) => FlockError,
): Promise<number> {
  let answer: { index?: unknown; record?: unknown; salt?: unknown };
  try {
    answer = JSON.parse(body.toString('utf8')) as typeof answer;
  } catch {
    throw fail('its log lookup is not JSON');
  }
  const { index, record, salt } = answer ?? {};
  if (!Number.isSafeInteger(index) || (index as number) < 0 || typeof record !== 'string' || (salt !== undefined && (typeof salt !== 'string' || !/^[0-9a-f]{64}$/.test(salt)))) {
    throw fail('its log lookup is not {index, record, salt?}');
  }
  const at = index as number;
  if (at >= checkpoint.size) throw fail(`record ${at} is beyond the signed checkpoint of ${checkpoint.size} records`);
  let parsed;
  try {
    parsed = parseLogRecord(record);
  } catch (error) {
    throw fail((error as Error).message);
  }
  if (parsed.event !== 'publish' || parsed.package !== `${v.org}/${v.name}` || parsed.version !== v.version) throw fail(`record ${at} is not the publish of ${v.label}`);
  if (parsed.archive !== v.checksum) throw fail(`the log has archive ${parsed.archive}, the upstream index ${v.checksum}`);
  const logged = salt === undefined ? record : hideLogRecord(record, Buffer.from(salt as string, 'hex'));
  try {
    checkRecord(await proveRecord(checkpoint.size, at, read), checkpoint.size, checkpoint.hash, at, leafHash(Buffer.from(logged, 'utf8')));
  } catch (error) {
    if (error instanceof FlockError && error.code === 'bad_gateway') throw error;
    throw fail(`record ${at} is not in the signed tree of ${checkpoint.size} (${(error as Error).message})`);
  }
  return at;
}

export type UpstreamLogCheck = ReturnType<typeof createUpstreamLogCheck>;
